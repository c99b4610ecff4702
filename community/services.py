"""Writes of the community app: the LINE channel, followers from the webhook, broadcasts and
their delivery, supervisors' LINE links and SOS alerts. Partners and meetings are in
community.network_services.

Every write runs in one transaction with full_clean, an audit entry and an outbox event. The
LINE channel's secret and token never go into an audit entry, an event, a log line or an error.
HTTP calls to LINE run outside transactions; a batch's retry key makes a repeated call safe.
"""

import hashlib
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import PostbackAction, QuickReply, QuickReplyItem, TextMessage
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from community import line, selectors
from community.models import (
    Broadcast,
    DeliveryBatch,
    Follower,
    LineChannel,
    SupervisorLineLink,
    WebhookEvent,
)
from smartzone import access
from smartzone.audit import audit_append
from smartzone.links import public_url
from smartzone.models import OfficerProfile, SafetyZone, Station
from smartzone.outbox import event_record

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_S = 10
BACKOFF_MAX_S = 600
LINK_CODE_TTL = timedelta(minutes=15)
REPORT_KEYWORDS = ("แจ้งเหตุ", "report")
MENU_KEYWORDS = ("เมนู", "menu", "โซน", "zone", "ชุมชน", "community")
LINK_RE = re.compile(r"^(?:link|เชื่อม(?:บัญชี)?)\s+([A-Za-z0-9-]{1,20})$", re.IGNORECASE)
# Link codes: 8 letters and digits that cannot be mistaken for each other (31**8, about 10**12),
# shown as XXXX-XXXX; a LINE user gets LINK_ATTEMPTS tries an hour per station.
LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8
LINK_ATTEMPTS = 5
LINK_ATTEMPTS_WINDOW_S = 3600
WEBHOOK_ACTOR = "line:webhook"
CHANGED = "changed"


@dataclass(frozen=True)
class Attempt:
    """What became of one try: FINISHED (delivered or failed) or try again in RETRY_IN_S."""

    finished: bool
    retry_in_s: int | None = None


def backoff_s(attempts: int, retry_after_s: int | None = None) -> int:
    """Seconds before try ATTEMPTS + 1: what LINE asked for (Retry-After), else doubling."""
    if retry_after_s is not None:
        return min(max(retry_after_s, 1), BACKOFF_MAX_S)
    return min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S)


def _enqueue(task_name: str, *args) -> None:
    """Enqueue a community task after the transaction commits."""

    def send():
        from community import tasks

        getattr(tasks, task_name).delay(*args)

    transaction.on_commit(send)


def broadcast_payload(broadcast: Broadcast) -> dict:
    return {
        "id": broadcast.pk,
        "title": broadcast.title,
        "state": broadcast.state,
        "audience": broadcast.audience,
        "url": reverse("community:broadcast-detail", args=[broadcast.pk]),
    }


# --- the LINE channel ------------------------------------------------------------------------


@transaction.atomic
def line_channel_save(
    *,
    actor,
    station: Station,
    name: str = "",
    enabled: bool = True,
    channel_secret: str | None = None,
    access_token: str | None = None,
) -> LineChannel:
    """Create or update STATION's LINE channel; a secret or token of None is left unchanged."""
    access.require_station(actor, station)
    channel = LineChannel.objects.select_for_update().filter(station=station).first()
    creating = channel is None
    channel = channel or LineChannel(station=station)
    changes = {}
    if channel.name != name:
        changes["name"] = name
    if channel.enabled != enabled:
        changes["enabled"] = enabled
    channel.name, channel.enabled = name, enabled
    if channel_secret:
        channel.channel_secret = channel_secret.strip()
        changes["channel_secret"] = CHANGED  # never the value
    if access_token:
        channel.access_token = access_token.strip()
        changes["access_token"] = CHANGED
    channel.full_clean()
    channel.save()
    action = "line_channel.created" if creating else "line_channel.updated"
    audit_append(actor=actor, action=action, obj=channel, station=station, changes=changes)
    event_record(station=station, kind=action, payload={"id": channel.pk, "name": channel.name})
    return channel


# --- the webhook -----------------------------------------------------------------------------


class WebhookRefused(Exception):
    """The request was not from LINE (bad signature) or not a webhook body."""


def webhook_receive(*, station: Station, body: bytes, signature: str, report_url: str) -> int:
    """Verify and handle one webhook request; return how many new events were handled.

    The signature is checked over the raw body before anything is read or stored. Raises
    WebhookRefused on a bad signature or body. An event that cannot be handled is recorded as
    refused and skipped; the others are handled.
    """
    channel = LineChannel.objects.filter(station=station, enabled=True).first()
    secret = channel.channel_secret if channel else ""
    if not secret:
        raise WebhookRefused("no channel")
    try:
        text = body.decode("utf-8")
        events = WebhookParser(secret).parse(text, signature or "")
    except InvalidSignatureError:
        raise WebhookRefused("bad signature") from None
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise WebhookRefused("bad body") from None
    handled = 0
    for event in events:
        try:
            handled += _webhook_event_handle(station=station, event=event, report_url=report_url)
        except (OperationalError, InterfaceError):
            raise  # the database is away: LINE redelivers, handled events are skipped then
        except Exception as exc:
            _webhook_event_refuse(station=station, event=event, exc=exc)
    return handled


def _refusal_reason(exc: Exception) -> str:
    """Say why an event was refused by field names and error kinds, never by values."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return "invalid: " + ", ".join(sorted(exc.error_dict))
    return f"error: {type(exc).__name__}"


def _webhook_event_refuse(*, station: Station, event, exc: Exception) -> None:
    """Record EVENT as refused with the reason (once: a redelivery is not recorded again)."""
    reason = _refusal_reason(exc)
    event_id = str(getattr(event, "webhook_event_id", None) or "")
    if not event_id:
        log.warning("LINE webhook event without an id refused: %s", reason)
        return
    if len(event_id) > WebhookEvent._meta.get_field("webhook_event_id").max_length:
        event_id = "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()[:57]
    log.warning("LINE webhook event %s refused: %s", event_id, reason)
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                station=station,
                webhook_event_id=event_id,
                kind=str(getattr(event, "type", ""))[:40],
                refused_reason=reason[:200],
            )
    except IntegrityError:
        pass  # refused before


def _event_time(event) -> datetime:
    stamp = getattr(event, "timestamp", None)
    if not stamp:
        return timezone.now()
    # Never later than now: one event stamped in the future must not freeze a follower.
    return min(datetime.fromtimestamp(stamp / 1000, tz=UTC), timezone.now())


@transaction.atomic
def _webhook_event_handle(*, station: Station, event, report_url: str) -> bool:
    event_id = getattr(event, "webhook_event_id", None)
    if not event_id:
        return False
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                station=station, webhook_event_id=event_id, kind=str(getattr(event, "type", ""))
            )
    except IntegrityError:
        return False  # LINE redelivered an event already handled
    user_id = getattr(getattr(event, "source", None), "user_id", None)
    if not user_id:
        return True
    at = _event_time(event)
    replies = []
    if isinstance(event, FollowEvent):
        follower = follower_follow(station=station, line_user_id=user_id, at=at)
        if follower.following:
            replies = [
                TextMessage(text=_("Thank you for following the police station.")),
                zone_menu(station),
            ]
    elif isinstance(event, UnfollowEvent):
        follower_unfollow(station=station, line_user_id=user_id, at=at)
    elif isinstance(event, PostbackEvent):
        replies = _postback_answer(station, user_id, event.postback.data or "", at)
    elif (
        isinstance(event, MessageEvent)
        and isinstance(event.message, TextMessageContent)
        and _addressed_to_us(event)
    ):
        replies = _text_answer(station, user_id, event.message.text or "", report_url)
    reply_token = getattr(event, "reply_token", None)
    if replies and reply_token:
        _enqueue("line_reply", station.pk, reply_token, [m.to_dict() for m in replies])
    return True


def _addressed_to_us(event: MessageEvent) -> bool:
    """Say whether a text message is for the account: every message of a one-to-one chat, and
    in a group or room only a message that mentions the account."""
    if getattr(event.source, "type", "user") == "user":
        return True
    mention = getattr(event.message, "mention", None)
    return any(getattr(m, "is_self", False) for m in getattr(mention, "mentionees", None) or [])


def zone_menu(station: Station) -> TextMessage:
    """Return the message asking a follower to pick their zone or community."""
    items = [
        QuickReplyItem(
            action=PostbackAction(label=z.name[:20], data=f"zone={z.pk}", displayText=z.name[:300])
        )
        for z in station.zones.order_by("name")[:13]
    ]
    return TextMessage(
        text=_("Which zone or community are you in? Pick one below."),
        quickReply=QuickReply(items=items) if items else None,
    )


def _postback_answer(station, user_id, data, at) -> list:
    zone_id = access.parse_id(data[5:]) if data.startswith("zone=") else None
    if zone_id:
        zone = follower_zone_choose(station=station, line_user_id=user_id, zone_id=zone_id, at=at)
        if zone:
            return [TextMessage(text=_("You will get the news of %(zone)s.") % {"zone": zone.name})]
    return []


def _text_answer(station, user_id, text, report_url) -> list:
    words = text.strip()
    lowered = words.lower()
    if lowered.startswith(REPORT_KEYWORDS):
        return [TextMessage(text=_("Report an incident here: %(url)s") % {"url": report_url})]
    match = LINK_RE.match(words)
    if match:
        try:
            linked = supervisor_link_complete(station=station, line_user_id=user_id, code=match[1])
        except LinkAttemptsUsedUp:
            return [TextMessage(text=_("Too many link codes tried. Try again in an hour."))]
        return [
            TextMessage(
                text=_("Your LINE account is linked: SOS alerts will come here.")
                if linked
                else _("That link code is wrong or has expired.")
            )
        ]
    if lowered in MENU_KEYWORDS:
        return [zone_menu(station)]
    return [TextMessage(text=_("Type “แจ้งเหตุ” to report an incident, or “เมนู” to pick your zone."))]


# --- followers -------------------------------------------------------------------------------


def _older_than_applied(follower: Follower, at) -> bool:
    """Say whether a LINE event of time AT is older than the newest one applied to FOLLOWER
    (AT None: not a LINE event, e.g. the demo; it is applied as it comes)."""
    return at is not None and follower.last_event_at is not None and at < follower.last_event_at


@transaction.atomic
def follower_follow(*, station: Station, line_user_id: str, at=None, display_name: str = ""):
    """Record that LINE_USER_ID follows STATION (again), unless a newer event was applied.

    AT is the LINE event's time; None for a follow that is not a LINE event."""
    follower = (
        Follower.objects.select_for_update()
        .filter(station=station, line_user_id=line_user_id)
        .first()
    )
    if follower and _older_than_applied(follower, at):
        return follower
    if follower and follower.following:
        if at is not None:
            follower.last_event_at = at
            follower.save(update_fields=["last_event_at"])
        return follower
    follower = follower or Follower(station=station, line_user_id=line_user_id)
    follower.joined_at, follower.left_at = at or timezone.now(), None
    follower.last_event_at = at or follower.last_event_at
    if display_name:
        follower.display_name = display_name
    follower.full_clean()
    follower.save()
    audit_append(actor=WEBHOOK_ACTOR, action="follower.joined", obj=follower)
    event_record(station=station, kind="follower.joined", payload={"id": follower.pk})
    if not display_name:
        # Asked after commit: a LINE outage must not lose the follow itself.
        _enqueue("follower_profile_fetch", follower.pk)
    return follower


def follower_profile_fill(*, follower_id: int, attempt: int = 1) -> Attempt:
    """Ask LINE for a follower's display name and store it.

    Return a finished Attempt when the name was stored or cannot be had (the follower left,
    LINE does not know them, no channel), or one with RETRY_IN_S when LINE was busy or away
    (ATTEMPT is this try's number, for the backoff).
    The call to LINE runs outside any transaction.
    """
    follower = Follower.objects.filter(pk=follower_id, left_at__isnull=True).first()
    if follower is None:
        return Attempt(finished=True)
    channel = LineChannel.objects.filter(station_id=follower.station_id, enabled=True).first()
    token = channel.access_token if channel else ""
    if not token:
        return Attempt(finished=True)
    name, result = line.profile(access_token=token, user_id=follower.line_user_id)
    if name is None:
        if result.retryable:
            return Attempt(finished=False, retry_in_s=backoff_s(attempt, result.retry_after_s))
        return Attempt(finished=True)
    with transaction.atomic():
        follower = Follower.objects.select_for_update().get(pk=follower_id)
        name = name.strip()[: Follower._meta.get_field("display_name").max_length]
        if name and follower.display_name != name:
            follower.display_name = name
            follower.save(update_fields=["display_name"])
            audit_append(
                actor=WEBHOOK_ACTOR,
                action="follower.profile_filled",
                obj=follower,
                changes={"display_name": CHANGED},  # a person's name stays out of the trail
            )
    return Attempt(finished=True)


@transaction.atomic
def follower_unfollow(*, station: Station, line_user_id: str, at=None) -> Follower | None:
    """Mark LINE_USER_ID as having left STATION's account, unless a newer event was applied."""
    follower = (
        Follower.objects.select_for_update()
        .filter(station=station, line_user_id=line_user_id)
        .first()
    )
    if follower is None or _older_than_applied(follower, at):
        return follower
    if not follower.following:
        if at is not None:
            follower.last_event_at = at
            follower.save(update_fields=["last_event_at"])
        return follower
    follower.left_at = at or timezone.now()
    follower.last_event_at = at or follower.last_event_at
    follower.save(update_fields=["left_at", "last_event_at"])
    audit_append(actor=WEBHOOK_ACTOR, action="follower.left", obj=follower)
    event_record(station=station, kind="follower.left", payload={"id": follower.pk})
    return follower


@transaction.atomic
def follower_zone_choose(*, station: Station, line_user_id: str, zone_id: int, at=None):
    """Put the follower in one of STATION's zones; return the zone, or None if not STATION's."""
    zone = SafetyZone.objects.filter(station=station, pk=zone_id).first()
    if zone is None:
        return None
    follower = follower_follow(station=station, line_user_id=line_user_id, at=at)
    if not follower.following:
        return None  # an old choice, made before a newer unfollow
    if follower.zone_id != zone.pk:
        follower.zone = zone
        follower.save(update_fields=["zone"])
        audit_append(
            actor=WEBHOOK_ACTOR,
            action="follower.zone_chosen",
            obj=follower,
            changes={"zone": zone.pk},
        )
    return zone


# --- broadcasts ------------------------------------------------------------------------------


BROADCAST_FIELDS = ("text", "image_url", "link_url", "audience", "zone", "public")


def _audit_broadcast(actor, action, broadcast, changes=None):
    audit_append(actor=actor, action=action, obj=broadcast, changes=changes or {})
    event_record(station=broadcast.station, kind=action, payload=broadcast_payload(broadcast))


@transaction.atomic
def broadcast_create(*, actor, station: Station, **fields) -> Broadcast:
    """Write a draft broadcast for STATION (supervisors)."""
    access.require_supervisor(actor)
    access.require_station(actor, station)
    broadcast = Broadcast(station=station, created_by=actor, **fields)
    broadcast.full_clean()
    broadcast.save()
    changes = {k: getattr(broadcast, k) for k in BROADCAST_FIELDS if k != "zone"}
    _audit_broadcast(actor, "broadcast.created", broadcast, changes | {"zone": broadcast.zone_id})
    return broadcast


def _locked(actor, broadcast_id: int) -> Broadcast:
    access.require_supervisor(actor)
    return access.get_for_user(
        Broadcast.objects.select_related("station"), actor, lock=True, pk=broadcast_id
    )


@transaction.atomic
def broadcast_update(*, actor, broadcast_id: int, **fields) -> Broadcast:
    """Change a draft before it is sent."""
    broadcast = _locked(actor, broadcast_id)
    if broadcast.state != Broadcast.State.DRAFT:
        raise ValidationError(_("Only a draft can be changed."))
    for key, value in fields.items():
        setattr(broadcast, key, value)
    broadcast.full_clean()
    broadcast.save()
    _audit_broadcast(actor, "broadcast.updated", broadcast, {"fields": sorted(fields)})
    return broadcast


def _batches_create(broadcast: Broadcast) -> list[int]:
    if broadcast.audience == Broadcast.Audience.EVERYONE:
        plan = [(DeliveryBatch.Method.BROADCAST, [])]
    else:
        ids = selectors.broadcast_recipients(broadcast)
        if len(ids) == 1:
            plan = [(DeliveryBatch.Method.PUSH, ids)]
        else:
            size = line.MULTICAST_MAX
            plan = [
                (DeliveryBatch.Method.MULTICAST, ids[i : i + size])
                for i in range(0, len(ids), size)
            ]
    batches = DeliveryBatch.objects.bulk_create(
        DeliveryBatch(broadcast=broadcast, number=n, method=method, recipients=recipients)
        for n, (method, recipients) in enumerate(plan, start=1)
    )
    return [b.pk for b in batches]


def _dispatch(*, actor, broadcast: Broadcast) -> list[int]:
    """Split BROADCAST into batches and enqueue them. Call holding its row lock."""
    batch_ids = _batches_create(broadcast)
    if batch_ids:
        broadcast.state = Broadcast.State.SENDING
        broadcast.failure_reason = ""
    else:
        broadcast.state = Broadcast.State.FAILED
        broadcast.failure_reason = _("No one in this audience follows the station on LINE.")
    broadcast.save(update_fields=["state", "failure_reason"])
    _audit_broadcast(
        actor,
        "broadcast.sending" if batch_ids else "broadcast.failed",
        broadcast,
        {"batches": len(batch_ids)},
    )
    for batch_id in batch_ids:
        _enqueue("delivery_batch_send", batch_id)
    return batch_ids


@transaction.atomic
def broadcast_send_now(*, actor, broadcast_id: int) -> Broadcast:
    """Send a draft (or a scheduled broadcast) now."""
    broadcast = _locked(actor, broadcast_id)
    if broadcast.state not in {Broadcast.State.DRAFT, Broadcast.State.SCHEDULED}:
        raise ValidationError(_("This broadcast was already sent or cancelled."))
    if broadcast.audience != Broadcast.Audience.EVERYONE and not selectors.broadcast_recipients(
        broadcast
    ):
        raise ValidationError(_("No one in this audience follows the station on LINE."))
    broadcast.scheduled_at = None
    broadcast.save(update_fields=["scheduled_at"])
    _dispatch(actor=actor, broadcast=broadcast)
    return broadcast


@transaction.atomic
def broadcast_schedule(*, actor, broadcast_id: int, send_at: datetime) -> Broadcast:
    """Schedule a draft to go out at SEND_AT (in the future)."""
    broadcast = _locked(actor, broadcast_id)
    if broadcast.state not in {Broadcast.State.DRAFT, Broadcast.State.SCHEDULED}:
        raise ValidationError(_("This broadcast was already sent or cancelled."))
    if send_at <= timezone.now():
        raise ValidationError({"send_at": _("Pick a time in the future.")})
    broadcast.state, broadcast.scheduled_at = Broadcast.State.SCHEDULED, send_at
    broadcast.save(update_fields=["state", "scheduled_at"])
    _audit_broadcast(actor, "broadcast.scheduled", broadcast, {"send_at": send_at})
    return broadcast


@transaction.atomic
def broadcast_cancel(*, actor, broadcast_id: int) -> Broadcast:
    """Drop a draft or a scheduled broadcast that has not gone out."""
    broadcast = _locked(actor, broadcast_id)
    if broadcast.state not in {Broadcast.State.DRAFT, Broadcast.State.SCHEDULED}:
        raise ValidationError(_("This broadcast was already sent or cancelled."))
    broadcast.state = Broadcast.State.CANCELLED
    broadcast.save(update_fields=["state"])
    _audit_broadcast(actor, "broadcast.cancelled", broadcast)
    return broadcast


def broadcasts_send_due(*, now=None) -> list[int]:
    """Start every scheduled broadcast whose time has come; return their ids.

    Each is claimed with one conditional UPDATE, so two beat runs never start one twice.
    """
    now = now or timezone.now()
    due = Broadcast.objects.filter(state=Broadcast.State.SCHEDULED, scheduled_at__lte=now)
    started = []
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = Broadcast.objects.filter(
                pk=pk, state=Broadcast.State.SCHEDULED, scheduled_at__lte=now
            ).update(state=Broadcast.State.SENDING)
            if not claimed:
                continue
            broadcast = Broadcast.objects.select_for_update().select_related("station").get(pk=pk)
            _dispatch(actor="task:broadcasts_send_due", broadcast=broadcast)
            started.append(pk)
    return started


@transaction.atomic
def broadcast_retry_failed(*, actor, broadcast_id: int) -> list[int]:
    """Send the failed batches of a broadcast again (with their own retry keys)."""
    broadcast = _locked(actor, broadcast_id)
    failed = list(broadcast.batches.select_for_update().filter(state=DeliveryBatch.State.FAILED))
    if broadcast.state != Broadcast.State.FAILED or not failed:
        raise ValidationError(_("There are no failed batches to send again."))
    for batch in failed:
        batch.state, batch.attempts = DeliveryBatch.State.PENDING, 0
        batch.save(update_fields=["state", "attempts", "updated_at"])
        _enqueue("delivery_batch_send", batch.pk)
    broadcast.state, broadcast.failure_reason = Broadcast.State.SENDING, ""
    broadcast.save(update_fields=["state", "failure_reason"])
    _audit_broadcast(actor, "broadcast.retried", broadcast, {"batches": [b.number for b in failed]})
    return [b.pk for b in failed]


# --- delivery --------------------------------------------------------------------------------


def delivery_batch_attempt(*, batch_id: int) -> Attempt:
    """Make one try at sending a batch through LINE and record the result.

    A repeated try (a retry, or a task delivered twice) uses the batch's retry key again, so
    LINE sends the messages once and answers 409 to the repeat.
    """
    with transaction.atomic():
        batch = (
            DeliveryBatch.objects.select_for_update()
            .select_related("broadcast__station")
            .get(pk=batch_id)
        )
        if batch.finished:
            return Attempt(finished=True)
        batch.attempts += 1
        batch.state = DeliveryBatch.State.SENDING
        batch.save(update_fields=["attempts", "state", "updated_at"])
    broadcast = batch.broadcast
    channel = LineChannel.objects.filter(station_id=broadcast.station_id, enabled=True).first()
    token = channel.access_token if channel else ""
    recipients = batch.reachable_recipients
    if batch.method != DeliveryBatch.Method.BROADCAST and not recipients:
        # Everyone in it was erased on a data-subject request: nothing is left to send.
        result = line.SendResult(accepted=True)
    elif not token:
        result = line.SendResult(
            accepted=False, error=_("The station's LINE channel is not set up.")
        )
    else:
        result = line.send(
            access_token=token,
            method=batch.method,
            recipients=recipients,
            messages=line.build_messages(
                text=broadcast.text, image_url=broadcast.image_url, link_url=broadcast.link_url
            ),
            retry_key=str(batch.retry_key),
        )
    return _batch_record(batch_id=batch_id, result=result)


@transaction.atomic
def _batch_record(*, batch_id: int, result: line.SendResult) -> Attempt:
    batch = DeliveryBatch.objects.select_for_update().get(pk=batch_id)
    retry_in = None
    if result.accepted:
        batch.state, batch.last_error = DeliveryBatch.State.DELIVERED, ""
        batch.line_request_id = result.request_id[:100]
    elif result.retryable and batch.attempts < MAX_ATTEMPTS:
        batch.state, batch.last_error = DeliveryBatch.State.RETRYING, result.error[:500]
        retry_in = backoff_s(batch.attempts, result.retry_after_s)
    else:
        batch.state, batch.last_error = DeliveryBatch.State.FAILED, result.error[:500]
    batch.save(update_fields=["state", "last_error", "line_request_id", "updated_at"])
    if batch.finished:
        _broadcast_finish_if_done(batch.broadcast_id)
    return Attempt(finished=batch.finished, retry_in_s=retry_in)


def _broadcast_finish_if_done(broadcast_id: int) -> None:
    broadcast = Broadcast.objects.select_for_update().select_related("station").get(pk=broadcast_id)
    states = list(broadcast.batches.values_list("state", flat=True))
    if broadcast.state != Broadcast.State.SENDING or not all(
        s in {DeliveryBatch.State.DELIVERED, DeliveryBatch.State.FAILED} for s in states
    ):
        return
    failed = states.count(DeliveryBatch.State.FAILED)
    if failed:
        broadcast.state = Broadcast.State.FAILED
        broadcast.failure_reason = _("%(n)d of %(total)d batches failed.") % {
            "n": failed,
            "total": len(states),
        }
    else:
        broadcast.state, broadcast.sent_at = Broadcast.State.SENT, timezone.now()
    broadcast.save(update_fields=["state", "failure_reason", "sent_at"])
    _audit_broadcast(
        "task:delivery",
        f"broadcast.{broadcast.state}",
        broadcast,
        {"batches": len(states), "failed": failed},
    )


def delivery_batches_stalled(*, older_than: timedelta | None = None) -> list[int]:
    """Return unfinished batches untouched for OLDER_THAN (their task was lost, e.g. a killed
    worker); by default settings.COMMUNITY_BATCH_STALE_SECONDS."""
    if older_than is None:
        older_than = timedelta(seconds=settings.COMMUNITY_BATCH_STALE_SECONDS)
    cutoff = timezone.now() - older_than
    return list(
        DeliveryBatch.objects.filter(
            state__in=[
                DeliveryBatch.State.PENDING,
                DeliveryBatch.State.SENDING,
                DeliveryBatch.State.RETRYING,
            ],
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )


# --- supervisors' LINE accounts and SOS alerts ----------------------------------------------


def _code_normal(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def _code_hash(code: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{_code_normal(code)}".encode()).hexdigest()


def _link_attempt_allowed(station: Station, line_user_id: str) -> bool:
    """Count one try of a link code by LINE_USER_ID; False once they used up this hour's tries.

    The count lives in the rate-limit cache, which lets tries through while Redis is away.
    """
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    key = f"community:link-attempts:{station.pk}:{line_user_id}"
    cache.add(key, 0, LINK_ATTEMPTS_WINDOW_S)
    try:
        count = cache.incr(key)
    except ValueError:
        log.warning("link-code attempts cannot be counted; not limiting")
        return True
    return count <= getattr(settings, "COMMUNITY_LINK_ATTEMPTS", LINK_ATTEMPTS)


@transaction.atomic
def supervisor_link_start(*, actor) -> str:
    """Give ACTOR (an officer: supervisors get escalated SOS, officers their assignments) a
    one-time code to send to the station's LINE account."""
    if not access.is_officer(actor):
        raise PermissionDenied(_("This is for police officers."))
    raw = "".join(secrets.choice(LINK_CODE_ALPHABET) for _i in range(LINK_CODE_LENGTH))
    code = f"{raw[:4]}-{raw[4:]}"
    link, _created = SupervisorLineLink.objects.select_for_update().get_or_create(officer=actor)
    link.code_hash, link.code_expires_at = _code_hash(code), timezone.now() + LINK_CODE_TTL
    link.save(update_fields=["code_hash", "code_expires_at"])
    audit_append(actor=actor, action="line_link.code_issued", obj=link, station=_station_of(actor))
    return code


def _station_of(user):
    profile = access.profile_of(user)
    return profile.station if profile else None


class LinkAttemptsUsedUp(Exception):
    """This LINE user tried too many link codes this hour."""


@transaction.atomic
def supervisor_link_complete(*, station: Station, line_user_id: str, code: str) -> bool:
    """Link the LINE account that sent CODE to the supervisor of STATION who was given it.

    Raises LinkAttemptsUsedUp when this LINE user has had this hour's tries.
    """
    if not _link_attempt_allowed(station, line_user_id):
        raise LinkAttemptsUsedUp(line_user_id)
    link = (
        SupervisorLineLink.objects.select_for_update()
        .filter(
            code_hash=_code_hash(code),
            code_expires_at__gt=timezone.now(),
            officer__officer__station=station,
        )
        .select_related("officer")
        .first()
    )
    if link is None or not access.can_see_station(link.officer, station.pk):
        return False
    link.line_user_id, link.linked_at = line_user_id, timezone.now()
    link.code_hash, link.code_expires_at = "", None
    link.save(update_fields=["line_user_id", "linked_at", "code_hash", "code_expires_at"])
    audit_append(actor=WEBHOOK_ACTOR, action="line_link.linked", obj=link, station=station)
    return True


DUTY_HOURS_MAX = 24


@transaction.atomic
def supervisor_duty_set(*, actor, hours: int) -> SupervisorLineLink:
    """Say ACTOR (a supervisor) is on duty for the next HOURS (0: off duty now).

    Escalated SOS alerts go over LINE to the station's supervisors on duty with a linked
    account.
    """
    access.require_supervisor(actor)
    if not 0 <= hours <= DUTY_HOURS_MAX:
        raise ValidationError({"hours": _("Pick from 0 to 24 hours.")})
    link, _created = SupervisorLineLink.objects.select_for_update().get_or_create(officer=actor)
    link.on_duty_until = timezone.now() + timedelta(hours=hours) if hours else None
    link.save(update_fields=["on_duty_until"])
    audit_append(
        actor=actor,
        action="line_link.on_duty" if hours else "line_link.off_duty",
        obj=link,
        station=_station_of(actor),
        changes={"until": link.on_duty_until},
    )
    return link


class AlertNotSent(Exception):
    """LINE was busy or unreachable: the task should try again."""


def sos_alert_supervisors(*, sos_id: int) -> int:
    """Push an escalated SOS to its station's supervisors on duty with a linked LINE account.

    Return how many were reached. Raises AlertNotSent when LINE asks to retry; each
    supervisor's retry key is fixed per SOS, so a retry never alerts anyone twice.
    """
    sos = selectors.sos_lookup(sos_id)
    if sos is None:
        return 0
    channel = LineChannel.objects.filter(station_id=sos.station_id, enabled=True).first()
    token = channel.access_token if channel else ""
    links = list(
        SupervisorLineLink.objects.filter(
            officer__is_active=True,
            officer__officer__station_id=sos.station_id,
            officer__officer__role=OfficerProfile.Role.SUPERVISOR,
            on_duty_until__gt=timezone.now(),
        ).exclude(line_user_id="")
    )
    if not token or not links:
        return 0
    text = _("SOS #%(id)s was not acknowledged in time. Open the dashboard now.") % {"id": sos_id}
    place = getattr(sos, "kiosk", None) or ""
    if place:
        text += f"\n{place}"
    text += f"\n{public_url(reverse('sos:detail', args=[sos_id]))}"
    reached, retry = [], False
    for link in links:
        result = line.send(
            access_token=token,
            method="push",
            recipients=[link.line_user_id],
            messages=[TextMessage(text=text)],
            retry_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"sos:{sos_id}:{link.officer_id}")),
        )
        if result.accepted:
            reached.append(link.officer_id)
        retry = retry or result.retryable
    with transaction.atomic():
        audit_append(
            actor="task:sos_alert",
            action="sos.line_alert_sent",
            station=sos.station_id,
            changes={"sos": sos_id, "officers": reached},
        )
    if retry:
        raise AlertNotSent(f"SOS {sos_id}: {len(links) - len(reached)} not reached")
    return len(reached)


@transaction.atomic
def follower_partner_set(*, actor, follower_id: int, partner_id: int | None) -> Follower:
    """Mark a follower as a partner's contact (for partners-only broadcasts), or unmark it.

    People do this as supervisors of the follower's station; a command or task for any station.
    """
    if actor is None or isinstance(actor, str):  # a command or task: every station
        follower = Follower.objects.select_for_update().get(pk=follower_id)
    else:
        access.require_supervisor(actor)
        follower = access.get_for_user(Follower.objects.all(), actor, lock=True, pk=follower_id)
    partner = None
    if partner_id is not None:
        partner = follower.station.partners.filter(pk=partner_id).first()
        if partner is None:
            raise ValidationError({"partner": _("The partner belongs to another station.")})
    if follower.partner_id == (partner.pk if partner else None):
        return follower
    before = follower.partner_id
    follower.partner = partner
    follower.save(update_fields=["partner"])
    audit_append(
        actor=actor,
        action="follower.partner_set",
        obj=follower,
        changes={"partner": [before, partner_id]},
    )
    event_record(
        station=follower.station,
        kind="follower.partner_set",
        payload={"id": follower.pk, "partner": partner_id},
    )
    return follower
