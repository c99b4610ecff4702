"""Writes of the sos app: kiosks, SOS events and their workflow, escalation, kiosk health.

An SOS row is written first in its transaction; audit and outbox follow in the same one.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from smartzone import access, registry
from smartzone.audit import audit_append
from smartzone.errors import save_file_or_refuse
from smartzone.outbox import event_record
from smartzone.photos import CleanPhoto, clean_photo
from smartzone.tokens import key_hash
from sos.models import Kiosk, SosEvent, new_secret, snapshot_storage

log = logging.getLogger(__name__)


class TransitionError(ValidationError):
    """The SOS is not in a state that allows this step (e.g. another officer was faster)."""


def kiosk_payload(kiosk: Kiosk) -> dict:
    return {
        "id": kiosk.pk,
        "name": kiosk.name,
        "lat": kiosk.lat,
        "lng": kiosk.lng,
        "status": kiosk.status,
        "last_seen": kiosk.last_seen.isoformat() if kiosk.last_seen else None,
        "url": reverse("sos:kiosks"),
        "retired": kiosk.is_retired,
    }


def sos_payload(sos: SosEvent) -> dict:
    return {
        "id": sos.pk,
        "sos": sos.pk,
        "source": sos.source,
        "kiosk": sos.kiosk_id,
        "name": sos.kiosk.name if sos.kiosk else str(_("SOS from a phone")),
        "lat": sos.lat,
        "lng": sos.lng,
        "message": sos.message,
        "state": sos.state,
        "received_at": sos.received_at.isoformat(),
        "url": reverse("sos:detail", args=[sos.pk]),
        "escalated_at": sos.escalated_at.isoformat() if sos.escalated_at else None,
    }


def nearby_of(sos: SosEvent) -> dict:
    """find_nearby around the SOS; nothing while a phone SOS has no position yet."""
    if not sos.has_position:
        return {}
    return registry.find_nearby(station_id=sos.station_id, lat=sos.lat, lng=sos.lng)


def _actor_label(actor) -> str | None:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else None


# --- kiosks -----------------------------------------------------------------------------------


@transaction.atomic
def kiosk_create(
    *,
    actor,
    station,
    name: str,
    serial: str,
    lat: float,
    lng: float,
    installed_on=None,
    heartbeat_interval_s: int = 60,
) -> tuple[Kiosk, str]:
    """Create a kiosk; return it and its secret (show the secret once)."""
    if actor is not None and not isinstance(actor, str):
        access.require_supervisor(actor)
    access.require_station(actor, station)
    kiosk = Kiosk(
        station=station,
        name=name,
        serial=serial,
        lat=lat,
        lng=lng,
        installed_on=installed_on,
        heartbeat_interval_s=heartbeat_interval_s,
    )
    kiosk.full_clean()
    kiosk.save()
    audit_append(
        actor=actor,
        action="kiosk.created",
        obj=kiosk,
        changes={"name": name, "serial": serial, "lat": lat, "lng": lng},
    )
    event_record(station=station, kind="kiosk.created", payload=kiosk_payload(kiosk))
    return kiosk, kiosk.secret


def _kiosk_locked(actor, kiosk_id: int) -> Kiosk:
    """The kiosk ACTOR (a supervisor of its station, an admin, or a system actor) may change,
    row-locked. Call inside a transaction."""
    if actor is None or isinstance(actor, str):
        return Kiosk.objects.select_for_update().get(pk=kiosk_id)
    access.require_supervisor(actor)
    return access.get_for_user(Kiosk.objects, actor, lock=True, pk=kiosk_id)


KIOSK_EDITABLE = ("name", "lat", "lng", "installed_on", "heartbeat_interval_s")


@transaction.atomic
def kiosk_update(
    *,
    actor,
    kiosk_id: int,
    name: str,
    lat: float,
    lng: float,
    installed_on=None,
    heartbeat_interval_s: int = 60,
) -> Kiosk:
    """Change a kiosk's name, place, install date or heartbeat interval (not its serial)."""
    kiosk = _kiosk_locked(actor, kiosk_id)
    before = {field: getattr(kiosk, field) for field in KIOSK_EDITABLE}
    kiosk.name, kiosk.lat, kiosk.lng = name, lat, lng
    kiosk.installed_on, kiosk.heartbeat_interval_s = installed_on, heartbeat_interval_s
    kiosk.full_clean()
    changed = [f for f in KIOSK_EDITABLE if getattr(kiosk, f) != before[f]]
    if not changed:
        return kiosk
    kiosk.save(update_fields=changed)
    audit_append(
        actor=actor,
        action="kiosk.updated",
        obj=kiosk,
        changes={f: [_plain(before[f]), _plain(getattr(kiosk, f))] for f in changed},
    )
    event_record(station=kiosk.station, kind="kiosk.updated", payload=kiosk_payload(kiosk))
    return kiosk


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


@transaction.atomic
def kiosk_retire(*, actor, kiosk_id: int) -> Kiosk:
    """Retire a kiosk: its requests are refused from now on and it leaves the map. Its SOS
    history stays."""
    kiosk = _kiosk_locked(actor, kiosk_id)
    if kiosk.is_retired:
        raise ValidationError(_("This kiosk is already retired."), code="retired")
    kiosk.retired_at = timezone.now()
    kiosk.status = Kiosk.Status.OFFLINE
    kiosk.save(update_fields=["retired_at", "status"])
    audit_append(actor=actor, action="kiosk.retired", obj=kiosk)
    event_record(station=kiosk.station, kind="kiosk.retired", payload=kiosk_payload(kiosk))
    return kiosk


@transaction.atomic
def kiosk_rotate_secret(*, actor, kiosk_id: int) -> tuple[Kiosk, str]:
    """Give the kiosk a new secret; the old one stops working at once. Return the new one."""
    kiosk = _kiosk_locked(actor, kiosk_id)
    if kiosk.is_retired:
        raise ValidationError(_("A retired kiosk gets no new secret."), code="retired")
    kiosk.secret = new_secret()
    kiosk.secret_rotated_at = timezone.now()
    kiosk.save(update_fields=["secret_encrypted", "secret_rotated_at"])
    audit_append(actor=actor, action="kiosk.secret_rotated", obj=kiosk)
    return kiosk, kiosk.secret


def _set_status(kiosk: Kiosk, status: str, actor) -> None:
    kiosk.status = status
    kiosk.save(update_fields=["status"])
    audit_append(actor=actor, action=f"kiosk.{status}", obj=kiosk)
    event_record(station=kiosk.station, kind=f"kiosk.{status}", payload=kiosk_payload(kiosk))


@transaction.atomic
def kiosk_heartbeat(*, kiosk_id: int) -> Kiosk:
    """Record that the kiosk is alive; bring it back online if it was offline."""
    kiosk = Kiosk.objects.select_for_update().select_related("station").get(pk=kiosk_id)
    kiosk.last_seen = timezone.now()
    kiosk.save(update_fields=["last_seen"])
    if kiosk.status != Kiosk.Status.ONLINE:
        _set_status(kiosk, Kiosk.Status.ONLINE, f"device:{kiosk.serial}")
    return kiosk


@transaction.atomic
def kiosk_health_check(*, now=None) -> list[int]:
    """Mark online kiosks silent for longer than 3 heartbeat intervals offline; return their ids."""
    now = now or timezone.now()
    went_offline = []
    for kiosk in (
        Kiosk.objects.select_for_update(skip_locked=True)
        .select_related("station")
        .filter(status=Kiosk.Status.ONLINE, retired_at__isnull=True)
    ):
        if kiosk.last_seen is None or now - kiosk.last_seen > timedelta(
            seconds=kiosk.offline_after_s
        ):
            _set_status(kiosk, Kiosk.Status.OFFLINE, "task:kiosk_health_check")
            went_offline.append(kiosk.pk)
    return went_offline


# --- SOS events --------------------------------------------------------------------------------


def _record_raised(sos: SosEvent, actor) -> None:
    nearby = nearby_of(sos)
    audit_append(
        actor=actor,
        action="sos.raised",
        obj=sos,
        changes={
            "source": sos.source,
            "lat": sos.lat,
            "lng": sos.lng,
            "client_event_id": sos.client_event_id,
        },
    )
    event_record(
        station=sos.station,
        kind="sos.raised",
        payload=sos_payload(sos) | {"nearby": registry.nearby_payload(nearby)},
    )
    transaction.on_commit(lambda sos_id=sos.pk: _run_raised_handlers(sos_id))


def _run_raised_handlers(sos_id: int) -> None:
    for handler in list(registry.SOS_RAISED_HANDLERS):
        try:
            handler(sos_id)
        except Exception:  # the SOS is stored; a failing offer must not fail the kiosk
            log.exception("SOS raised handler %r failed for SOS %s", handler, sos_id)


def sos_receive(
    *,
    kiosk: Kiosk,
    client_event_id: str,
    lat: float | None = None,
    lng: float | None = None,
    message: str = "",
    snapshot=None,
) -> tuple[SosEvent, bool]:
    """Store a kiosk's SOS once per (kiosk, event id); return (sos, created).

    A retry, even concurrent from another process, returns the original row. The SNAPSHOT is
    decoded and re-encoded without metadata (ValidationError if it is not a photo); its file
    is written only after the row is in, and removed again if the transaction does not commit,
    so a duplicate or a rollback leaves no file behind. Call outside a transaction.
    """
    cleaned = None
    if snapshot is not None:
        try:
            cleaned = clean_photo(snapshot)
        except ValidationError as exc:
            raise ValidationError({"snapshot": exc.messages}) from None
    sos = SosEvent(
        station=kiosk.station,
        source=SosEvent.Source.KIOSK,
        kiosk=kiosk,
        client_event_id=client_event_id,
        lat=kiosk.lat if lat is None else lat,
        lng=kiosk.lng if lng is None else lng,
        message=message or "",
    )
    # The kiosk and its station were just read; a repeated event id is the unique
    # constraint's to catch, which also stops a concurrent retry from another process.
    sos.full_clean(exclude=["station", "kiosk"], validate_constraints=False)
    written = None
    try:
        with transaction.atomic():
            sos.save(force_insert=True)  # the SOS row first: a duplicate fails before any file
            sos.kiosk = kiosk
            if cleaned is not None:
                written = _snapshot_write(sos, cleaned)
            _record_raised(sos, f"device:{kiosk.serial}")
    except IntegrityError:
        _snapshot_remove(written)
        # A retry (maybe concurrent, from another process) of a stored SOS: return its row.
        existing = SosEvent.objects.filter(kiosk=kiosk, client_event_id=client_event_id).first()
        if existing is None:
            raise
        return existing, False
    except BaseException:
        _snapshot_remove(written)
        raise
    return sos, True


def _snapshot_write(sos: SosEvent, photo: CleanPhoto) -> str | None:
    """Write the snapshot of the just-inserted SOS; return its name. A disk error keeps the SOS
    without a snapshot (the alarm matters more than the picture)."""
    try:
        save_file_or_refuse(
            sos.snapshot,
            f"{uuid.uuid4().hex}.{photo.extension}",
            ContentFile(photo.content),
            field_name="snapshot",
        )
    except ValidationError:
        log.error("SOS %s: the snapshot could not be stored; the SOS is kept without it", sos.pk)
        sos.snapshot = ""
        return None
    sos.save(update_fields=["snapshot"])
    return sos.snapshot.name


def _snapshot_remove(name: str | None) -> None:
    if not name:
        return
    try:
        snapshot_storage().delete(name)
    except OSError as exc:  # pragma: no cover - a disk problem; the file is orphaned
        log.warning("could not remove snapshot %s: %s", name, exc)


@transaction.atomic
def sos_public_raise(
    *,
    station,
    lat: float | None = None,
    lng: float | None = None,
    callback_phone: str = "",
    message: str = "",
    token: str = "",
) -> SosEvent:
    """Store an SOS raised on the public phone page, with or without a position.

    TOKEN (kept only as its hash) is what the phone later shows to add its position
    (sos_public_locate) and to read the state (public_status).
    """
    sos = SosEvent(
        station=station,
        source=SosEvent.Source.PUBLIC,
        lat=lat,
        lng=lng,
        located_at=timezone.now() if lat is not None else None,
        callback_phone=callback_phone,
        message=message,
        public_token_hash=key_hash(token) if token else "",
    )
    sos.full_clean()
    sos.save()
    _record_raised(sos, "public")
    return sos


def public_locate_window_s() -> int:
    """How long after raising a phone SOS its phone may still add or move its position."""
    return getattr(settings, "SOS_PUBLIC_LOCATE_SECONDS", 30 * 60)


def sos_by_public_token(token: str) -> SosEvent | None:
    """The phone SOS whose token is TOKEN, else None."""
    if not token or len(token) > 100:
        return None
    return SosEvent.objects.filter(
        source=SosEvent.Source.PUBLIC, public_token_hash=key_hash(token)
    ).first()


@transaction.atomic
def sos_public_locate(*, token: str, lat: float, lng: float, now=None) -> SosEvent:
    """Add (or move) the position of the phone SOS whose token is TOKEN.

    Raises SosEvent.DoesNotExist for an unknown token, PermissionDenied once the SOS is
    closed or LOCATE_WINDOW has passed since it was raised.
    """
    found = sos_by_public_token(token)
    if found is None:
        raise SosEvent.DoesNotExist
    sos = SosEvent.objects.select_for_update().select_related("station").get(pk=found.pk)
    now = now or timezone.now()
    if not sos.is_open or now > sos.received_at + timedelta(seconds=public_locate_window_s()):
        raise PermissionDenied(_("This SOS can no longer be changed from this phone."))
    before = [sos.lat, sos.lng]
    sos.lat, sos.lng, sos.located_at = lat, lng, now
    sos.full_clean()
    sos.save(update_fields=["lat", "lng", "located_at"])
    audit_append(
        actor="public",
        action="sos.located",
        obj=sos,
        changes={"lat": [before[0], lat], "lng": [before[1], lng]},
    )
    nearby = registry.find_nearby(station_id=sos.station_id, lat=lat, lng=lng)
    event_record(
        station=sos.station,
        kind="sos.located",
        payload=sos_payload(sos) | {"nearby": registry.nearby_payload(nearby)},
    )
    return sos


def public_status(sos: SosEvent) -> dict:
    """What the phone that raised SOS may read: its state and times, nothing about anyone."""

    def iso(value):
        return value.isoformat() if value else None

    return {
        "state": sos.state,
        "state_label": str(sos.get_state_display()),
        "located": sos.has_position,
        "received_at": iso(sos.received_at),
        "acknowledged_at": iso(sos.acknowledged_at),
        "closed_at": iso(sos.closed_at),
    }


def _get_locked(actor, sos_id: int) -> SosEvent:
    if not access.is_officer(actor):
        raise PermissionDenied(_("This is for police officers."))
    return access.get_for_user(
        SosEvent.objects.select_related("station"), actor, lock=True, pk=sos_id
    )


def _step(
    sos: SosEvent,
    *,
    actor,
    expected: set,
    state: str,
    stamp: str,
    extra: dict | None = None,
    fields: tuple = (),
) -> SosEvent:
    if sos.state not in expected:
        raise TransitionError(
            _("This SOS is already %(state)s; nothing changed.")
            % {"state": sos.get_state_display()},
            code="wrong_state",
        )
    before = sos.state
    sos.state = state
    setattr(sos, stamp, timezone.now())
    sos.save(update_fields=["state", stamp, *fields])
    audit_append(
        actor=actor,
        action=f"sos.{state}",
        obj=sos,
        changes={"state": [before, state], **(extra or {})},
    )
    event_record(
        station=sos.station,
        kind=f"sos.{state}",
        payload=sos_payload(sos) | {"by": _actor_label(actor), **(extra or {})},
    )
    return sos


@transaction.atomic
def sos_acknowledge(*, actor, sos_id: int) -> SosEvent:
    """Acknowledge an SOS. Of two officers racing, the second gets a TransitionError."""
    sos = _get_locked(actor, sos_id)
    sos.acknowledged_by = actor
    return _step(
        sos,
        actor=actor,
        expected={SosEvent.State.RECEIVED},
        state=SosEvent.State.ACKNOWLEDGED,
        stamp="acknowledged_at",
        fields=("acknowledged_by",),
    )


@transaction.atomic
def sos_dispatch(*, actor, sos_id: int, officer_ids: list[int]) -> SosEvent:
    """Send officers of the SOS's station to it."""
    sos = _get_locked(actor, sos_id)
    from smartzone.models import OfficerProfile

    profiles = list(OfficerProfile.objects.filter(user_id__in=officer_ids, station=sos.station))
    if not officer_ids or len(profiles) != len(set(officer_ids)):
        raise ValidationError({"officers": _("Choose one or more officers of this station.")})
    _step(
        sos,
        actor=actor,
        expected={SosEvent.State.ACKNOWLEDGED},
        state=SosEvent.State.DISPATCHED,
        stamp="dispatched_at",
        extra={"officers": sorted(p.user_id for p in profiles)},
    )
    sos.dispatched_officers.set([p.user_id for p in profiles])
    # The officers on shift get it on their phones (the dispatch app, if installed).
    registry.items_dispatched(
        actor=actor, kind="sos", item_id=sos.pk, officer_ids=[p.user_id for p in profiles]
    )
    return sos


@transaction.atomic
def sos_on_scene(*, actor, sos_id: int) -> SosEvent:
    sos = _get_locked(actor, sos_id)
    return _step(
        sos,
        actor=actor,
        expected={SosEvent.State.DISPATCHED},
        state=SosEvent.State.ON_SCENE,
        stamp="on_scene_at",
    )


@transaction.atomic
def sos_close(*, actor, sos_id: int, outcome: str, note: str = "") -> SosEvent:
    """Close an SOS with an outcome; a false alarm may be closed right after acknowledging."""
    sos = _get_locked(actor, sos_id)
    if outcome not in SosEvent.Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    sos.outcome, sos.outcome_note = outcome, note
    return _step(
        sos,
        actor=actor,
        expected={SosEvent.State.ACKNOWLEDGED, SosEvent.State.DISPATCHED, SosEvent.State.ON_SCENE},
        state=SosEvent.State.CLOSED,
        stamp="closed_at",
        extra={"outcome": outcome},
        fields=("outcome", "outcome_note"),
    )


@transaction.atomic
def sos_cameras_look(*, actor, sos_id: int) -> list:
    """Ask for video analysis of the cameras within 200 m over the 10 minutes around the SOS;
    return the jobs created. Clicked twice (or by two officers at once), the jobs are made once:
    the SOS row stays locked while they are."""
    sos = _get_locked(actor, sos_id)
    if not sos.has_position:
        raise ValidationError(_("This SOS has no position yet: there is nowhere to look."))
    return registry.request_video(
        actor=actor,
        obj=sos,
        action="sos.cameras_requested",
        station_id=sos.station_id,
        source=f"sos:{sos.pk}",
        at=sos.received_at,
        lat=sos.lat,
        lng=sos.lng,
        purpose=_("Cameras around SOS #%(id)s") % {"id": sos.pk},
    )


def escalate_after_s() -> int:
    return getattr(settings, "SOS_ESCALATE_AFTER_SECONDS", 60)


@transaction.atomic
def sos_escalate_overdue(*, now=None) -> list[int]:
    """Escalate every SOS unacknowledged past the limit, once; safe to run twice at once."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=escalate_after_s())
    escalated = []
    candidates = SosEvent.objects.filter(
        state=SosEvent.State.RECEIVED, escalated_at__isnull=True, received_at__lte=cutoff
    ).values_list("pk", flat=True)
    for sos_id in list(candidates):
        # The conditional update is the claim: a second runner updates nothing.
        if not SosEvent.objects.filter(pk=sos_id, escalated_at__isnull=True).update(
            escalated_at=now
        ):
            continue
        sos = SosEvent.objects.select_related("station", "kiosk").get(pk=sos_id)
        audit_append(
            actor="task:sos_escalate_overdue",
            action="sos.escalated",
            obj=sos,
            changes={"after_seconds": escalate_after_s()},
        )
        event_record(
            station=sos.station,
            kind="sos.escalated",
            payload=sos_payload(sos) | {"audience": "supervisors"},
        )
        escalated.append(sos_id)
        transaction.on_commit(lambda sos_id=sos_id: _run_escalation_handlers(sos_id))
    return escalated


def _run_escalation_handlers(sos_id: int) -> None:
    for handler in list(registry.ESCALATION_HANDLERS):
        try:
            handler(sos_id)
        except Exception:  # one failing channel must not stop the others
            log.exception("escalation handler %r failed for SOS %s", handler, sos_id)
