"""Writes of the dispatch app: offer an SOS or a report to an officer on shift, and the
officer's steps (accept, on the way, on scene, done, decline); offers that time out move on.

Every write runs in one transaction with its audit entry and outbox event; the SOS's or
report's own state moves through its app's services, so its timeline and figures follow.
"""

import logging
import threading
import uuid
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import selectors
from dispatch.models import Assignment, AssignmentPhoto
from incidents import services as incident_services
from incidents.models import Report
from patrol import selectors as patrol_selectors
from smartzone import access
from smartzone.audit import audit_append
from smartzone.outbox import event_record
from smartzone.photos import clean_photo
from sos import services as sos_services
from sos.models import SosEvent

log = logging.getLogger(__name__)
SYSTEM = "system:dispatch"
MAX_PHOTOS = 5


class TransitionError(ValidationError):
    """The assignment is not in a state that allows this step."""


def _is_person(actor) -> bool:
    return actor is not None and not isinstance(actor, str)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- payloads ----------------------------------------------------------------------------------


def item_summary(assignment: Assignment) -> dict:
    """What the officer's phone shows of the SOS or report: title, place, phone, photos."""
    if assignment.kind == Assignment.Kind.SOS:
        sos = assignment.sos
        photos = [sos.snapshot.url] if sos.snapshot else []
        return {
            "title": sos.kiosk.name if sos.kiosk_id else str(_("SOS from a phone")),
            "detail": sos.message,
            "lat": sos.lat,
            "lng": sos.lng,
            "phone": sos.callback_phone,
            "photos": photos,
            "received_at": sos.received_at.isoformat(),
            "item_url": reverse("sos:detail", args=[sos.pk]),
        }
    report = assignment.report
    return {
        "title": f"{report.category.label} · {report.display_code}",
        "detail": report.description[:500],
        "lat": report.lat,
        "lng": report.lng,
        "phone": "" if report.anonymous else report.reporter_phone,
        "photos": [
            reverse("incidents:photo", args=[report.pk, photo.pk]) for photo in report.photos.all()
        ],
        "received_at": report.created_at.isoformat(),
        "item_url": reverse("incidents:detail", args=[report.pk]),
    }


def assignment_payload(assignment: Assignment) -> dict:
    """The event payload of an assignment step. The place is under "place", not lat/lng: the
    unit's marker moves on the desk's map, no new marker is drawn per step."""
    summary = item_summary(assignment)
    return {
        "id": assignment.pk,
        "assignment": assignment.pk,
        "kind": assignment.kind,
        "item": assignment.item_id,
        "item_key": f"{assignment.kind}:{assignment.item_id}",
        "name": summary["title"],
        "officer": assignment.officer_id,
        "officer_name": _name(assignment.officer),
        "shift": assignment.shift_id,
        "state": assignment.state,
        "state_label": str(assignment.get_state_display()),
        "status": selectors.STATUS_OF_STATE.get(assignment.state, selectors.Status.AVAILABLE),
        "automatic": assignment.automatic,
        "attempt": assignment.attempt,
        "offered_at": assignment.offered_at.isoformat(),
        "due_at": assignment.offer_due_at.isoformat(),
        "distance_m": None if assignment.distance_m is None else round(assignment.distance_m),
        "place": {"lat": summary["lat"], "lng": summary["lng"]},
        "url": reverse("dispatch:assignment", args=[assignment.pk]),
    }


def _record(assignment: Assignment, *, actor, action: str, changes: dict | None = None) -> None:
    audit_append(actor=actor, action=f"assignment.{action}", obj=assignment, changes=changes or {})
    event_record(
        station=assignment.station,
        kind=f"dispatch.{action}",
        payload=assignment_payload(assignment),
        text=f"{_name(assignment.officer)} · {item_summary(assignment)['title']}",
    )


# --- offering ----------------------------------------------------------------------------------


def _item_locked(kind: str, item_id: int):
    model = SosEvent if kind == Assignment.Kind.SOS else Report
    item = model.objects.select_for_update(of=("self",)).select_related("station").get(pk=item_id)
    return item


def _item_open(kind: str, item) -> bool:
    if kind == Assignment.Kind.SOS:
        return item.state != SosEvent.State.CLOSED
    return item.state not in (Report.State.RESOLVED, Report.State.REJECTED)


def _item_received_at(kind: str, item) -> datetime:
    return item.received_at if kind == Assignment.Kind.SOS else item.created_at


def _require_desk(actor, station_id: int) -> None:
    if _is_person(actor):
        if not access.is_officer(actor):
            raise PermissionDenied(_("This is for police officers."))
        if not access.can_see_station(actor, station_id):
            raise PermissionDenied(_("This belongs to another station."))


def _offer(
    *,
    actor,
    kind: str,
    item,
    unit: selectors.Unit,
    automatic: bool,
    attempt: int = 1,
    now: datetime,
) -> Assignment:
    """Create the offer of ITEM (row-locked) to UNIT, audited, with its event; enqueue its
    timeout after commit. Call inside a transaction."""
    timeout_s, _auto = selectors.policy_of(item.station_id)
    assignment = Assignment(
        station_id=item.station_id,
        kind=kind,
        sos=item if kind == Assignment.Kind.SOS else None,
        report=item if kind == Assignment.Kind.REPORT else None,
        officer_id=unit.officer_id,
        shift_id=unit.shift_id,
        automatic=automatic,
        attempt=attempt,
        timeout_s=timeout_s,
        distance_m=unit.distance_m,
        position_age_s=unit.position_age_s,
        item_received_at=_item_received_at(kind, item),
        offered_at=now,
    )
    assignment.full_clean(exclude=["station", "sos", "report", "officer", "shift"])
    try:
        with transaction.atomic():
            assignment.save(force_insert=True)
    except IntegrityError:
        raise TransitionError(_("This officer already has it."), code="already_offered") from None
    _record(
        assignment,
        actor=actor,
        action="offered",
        changes={
            "officer": unit.officer_id,
            "automatic": automatic,
            "attempt": attempt,
            "distance_m": None if unit.distance_m is None else round(unit.distance_m),
        },
    )
    assignment_id = assignment.pk
    transaction.on_commit(lambda: _after_offer(assignment_id, timeout_s))
    return assignment


def _after_offer(assignment_id: int, timeout_s: int) -> None:
    """Start the offer's timer and its LINE message (never fails the offer)."""
    from dispatch import tasks

    try:
        tasks.offer_expire.apply_async((assignment_id,), countdown=timeout_s)
        tasks.offer_line_send.delay(assignment_id)
    except Exception:  # no broker now: the periodic sweep expires it, LINE is retried by it
        log.exception("assignment %s: its tasks could not be enqueued", assignment_id)


def _unit_for(*, station_id: int, officer_id: int, item, now: datetime) -> selectors.Unit:
    for unit in selectors.units(station_id=station_id, now=now):
        if unit.officer_id == officer_id:
            if unit.lat is not None and item.lat is not None:
                from smartzone import geo

                unit.distance_m = geo.distance_m(item.lat, item.lng, unit.lat, unit.lng)
            return unit
    raise ValidationError(
        {"officer": _("This officer is not on a shift of this station now.")}, code="off_shift"
    )


@transaction.atomic
def assignment_offer(
    *, actor, kind: str, item_id: int, officer_id: int, now: datetime | None = None
) -> Assignment:
    """The desk sends the SOS or report to one officer on shift (the SOS is acknowledged and
    marked dispatched, the report triaged and dispatched, on the way).

    Refused: another station's item (404), an officer not on a shift of the station, a busy
    officer, a closed item, or an item already offered to or worked on by someone.
    """
    now = now or timezone.now()
    if kind not in Assignment.Kind.values:
        raise ValidationError({"kind": _("Choose an SOS or a report.")})
    if _is_person(actor):
        model = SosEvent if kind == Assignment.Kind.SOS else Report
        access.get_for_user(model.objects.all(), actor, pk=item_id)  # 404 for another station
    item = _item_locked(kind, item_id)
    _require_desk(actor, item.station_id)
    if not _item_open(kind, item):
        raise TransitionError(_("This is already closed."), code="closed")
    unit = _unit_for(station_id=item.station_id, officer_id=officer_id, item=item, now=now)
    if unit.status != selectors.Status.AVAILABLE:
        raise ValidationError({"officer": _("This officer is busy with another assignment.")})
    if selectors.active_assignments(station_id=item.station_id).filter(**{kind: item}).exists():
        raise TransitionError(
            _("Someone is already offered or working on this."), code="already_assigned"
        )
    if _is_person(actor):
        _move_item_to_dispatched(kind, item, actor=actor, officer_id=officer_id)
    return _offer(actor=actor, kind=kind, item=item, unit=unit, automatic=False, now=now)


def _move_item_to_dispatched(kind: str, item, *, actor, officer_id: int) -> None:
    """Take the item to "dispatched" through its own app's services (their audit, events and
    timeline). Their dispatch hook finds the officer's offer being made and adds nothing."""
    _OFFERING_NOW.items.add((kind, item.pk, officer_id))
    try:
        if kind == Assignment.Kind.SOS:
            if item.state == SosEvent.State.RECEIVED:
                sos_services.sos_acknowledge(actor=actor, sos_id=item.pk)
            if item.state in (SosEvent.State.RECEIVED, SosEvent.State.ACKNOWLEDGED):
                sos_services.sos_dispatch(actor=actor, sos_id=item.pk, officer_ids=[officer_id])
        else:
            if item.state == Report.State.NEW:
                incident_services.report_transition(
                    actor=actor, report_id=item.pk, to_state=Report.State.TRIAGED
                )
            if item.state in (Report.State.NEW, Report.State.TRIAGED):
                incident_services.report_transition(
                    actor=actor,
                    report_id=item.pk,
                    to_state=Report.State.DISPATCHED,
                    officer_id=officer_id,
                )
    finally:
        _OFFERING_NOW.items.discard((kind, item.pk, officer_id))
    item.refresh_from_db()


class _Offering(threading.local):
    """(kind, item id, officer id) being offered in this thread's transaction: the lower app's
    dispatch hook must not offer it a second time."""

    def __init__(self):
        self.items: set = set()


_OFFERING_NOW = _Offering()


def items_dispatched(*, actor, kind: str, item_id: int, officer_ids: list[int]) -> list[int]:
    """Hook of sos_dispatch and report_transition(dispatched): offer the item to each of those
    officers who is on a shift now (the others keep the old "sent" mark only). Return the new
    assignment ids. Called inside their transaction, holding the item's row lock."""
    now = timezone.now()
    item = _item_locked(kind, item_id)
    made = []
    on_shift = {u.officer_id: u for u in selectors.units(station_id=item.station_id, now=now)}
    for officer_id in officer_ids:
        if (kind, item_id, officer_id) in _OFFERING_NOW.items or officer_id not in on_shift:
            continue
        active = selectors.active_assignments(station_id=item.station_id).filter(
            **{kind: item}, officer_id=officer_id
        )
        if active.exists():
            continue
        unit = on_shift[officer_id]
        if unit.lat is not None and item.lat is not None:
            from smartzone import geo

            unit.distance_m = geo.distance_m(item.lat, item.lng, unit.lat, unit.lng)
        made.append(
            _offer(actor=actor, kind=kind, item=item, unit=unit, automatic=False, now=now).pk
        )
    return made


@transaction.atomic
def assignment_offer_nearest(
    *, actor, kind: str, item_id: int, now: datetime | None = None
) -> Assignment | None:
    """Let the platform offer the item: to the nearest free officer on shift now; if that one
    does not accept in the station's time, to the next (offers_expire_due). Return the offer,
    or None when no officer is free (the desk is told)."""
    now = now or timezone.now()
    if _is_person(actor):
        model = SosEvent if kind == Assignment.Kind.SOS else Report
        access.get_for_user(model.objects.all(), actor, pk=item_id)
    item = _item_locked(kind, item_id)
    _require_desk(actor, item.station_id)
    if not _item_open(kind, item):
        raise TransitionError(_("This is already closed."), code="closed")
    if selectors.active_assignments(station_id=item.station_id).filter(**{kind: item}).exists():
        raise TransitionError(
            _("Someone is already offered or working on this."), code="already_assigned"
        )
    return _offer_next(actor=actor, kind=kind, item=item, attempt=1, now=now)


def _offer_next(*, actor, kind: str, item, attempt: int, now: datetime) -> Assignment | None:
    tried = set(Assignment.objects.filter(**{kind: item}).values_list("officer_id", flat=True))
    free = selectors.free_units_near(
        station_id=item.station_id, lat=item.lat, lng=item.lng, now=now, exclude=tried
    )
    if not free:
        audit_append(
            actor=actor,
            action="assignment.no_officer",
            obj=item,
            changes={"kind": kind, "tried": sorted(tried)},
        )
        event_record(
            station=item.station,
            kind="dispatch.no_officer",
            payload={
                "id": item.pk,
                "kind": kind,
                "item": item.pk,
                "item_key": f"{kind}:{item.pk}",
                "name": str(item),
                "tried": sorted(tried),
            },
        )
        return None
    return _offer(
        actor=actor, kind=kind, item=item, unit=free[0], automatic=True, attempt=attempt, now=now
    )


def sos_raised(sos_id: int) -> None:
    """After an SOS is stored: offer it at once if the station's policy says so."""
    sos = SosEvent.objects.filter(pk=sos_id).values_list("station_id", "lat").first()
    if sos is None or sos[1] is None or not selectors.policy_of(sos[0])[1]:
        return
    try:
        assignment_offer_nearest(actor=SYSTEM, kind=Assignment.Kind.SOS, item_id=sos_id)
    except ValidationError as exc:  # someone was faster
        log.info("SOS %s: no automatic offer: %s", sos_id, exc.messages)


# --- expiry --------------------------------------------------------------------------------


@transaction.atomic
def offer_expire(*, assignment_id: int, now: datetime | None = None) -> Assignment | None:
    """Expire the offer if its time is up and it is still only offered; an automatic offer
    then goes to the next nearest free officer. Safe to run twice: the second does nothing.
    Return the next offer, if any."""
    now = now or timezone.now()
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("officer")
        .filter(pk=assignment_id, state=Assignment.State.OFFERED)
        .first()
    )
    if assignment is None or now < assignment.offer_due_at:
        return None
    item = _item_locked(assignment.kind, assignment.item_id)
    assignment.state = Assignment.State.EXPIRED
    assignment.expired_at = now
    assignment.save(update_fields=["state", "expired_at"])
    _record(assignment, actor=SYSTEM, action="expired", changes={"after_s": assignment.timeout_s})
    if not assignment.automatic or not _item_open(assignment.kind, item):
        return None
    if (
        selectors.active_assignments(station_id=item.station_id)
        .filter(**{assignment.kind: item})
        .exists()
    ):
        return None
    return _offer_next(
        actor=SYSTEM, kind=assignment.kind, item=item, attempt=assignment.attempt + 1, now=now
    )


def offers_expire_due(*, now: datetime | None = None) -> list[int]:
    """Expire every offer whose time is up (the sweep behind the per-offer timers)."""
    now = now or timezone.now()
    due = [
        a.pk
        for a in Assignment.objects.filter(state=Assignment.State.OFFERED).only(
            "pk", "offered_at", "timeout_s"
        )
        if a.offer_due_at <= now
    ]
    for assignment_id in due:
        offer_expire(assignment_id=assignment_id, now=now)
    return due


# --- the officer's steps -------------------------------------------------------------------


def assignment_get_for_officer(*, actor, assignment_id: int, lock: bool = False) -> Assignment:
    """The ACTOR's own assignment (404 for anyone else's, even at the same station)."""
    if not access.is_officer(actor):
        raise PermissionDenied(_("This is for police officers."))
    rows = Assignment.objects.select_related("officer", "shift", "sos", "report")
    if lock:
        rows = rows.select_for_update(of=("self",))
    from django.shortcuts import get_object_or_404

    return get_object_or_404(rows, pk=assignment_id, officer=actor)


def _require_on_shift(actor, assignment: Assignment, now: datetime) -> None:
    shift = assignment.shift
    if (
        not (shift.starts_at <= now < shift.ends_at)
        and patrol_selectors.active_shift_of(officer=actor, at=now) is None
    ):
        raise PermissionDenied(_("Your shift has ended: assignments stop with it."))


STEPS = {
    "accept": ({Assignment.State.OFFERED}, Assignment.State.ACCEPTED, "accepted_at"),
    "on_the_way": (
        {Assignment.State.OFFERED, Assignment.State.ACCEPTED},
        Assignment.State.ON_THE_WAY,
        "on_the_way_at",
    ),
    "on_scene": (
        {Assignment.State.ACCEPTED, Assignment.State.ON_THE_WAY},
        Assignment.State.ON_SCENE,
        "on_scene_at",
    ),
    "done": (
        {Assignment.State.ACCEPTED, Assignment.State.ON_THE_WAY, Assignment.State.ON_SCENE},
        Assignment.State.DONE,
        "done_at",
    ),
    "decline": ({Assignment.State.OFFERED}, Assignment.State.DECLINED, "declined_at"),
}


@transaction.atomic
def assignment_step(
    *,
    actor,
    assignment_id: int,
    step: str,
    note: str = "",
    photos: list | None = None,
    now: datetime | None = None,
) -> Assignment:
    """The assigned officer's one tap: accept, on_the_way, on_scene, done (with NOTE and
    PHOTOS) or decline. Only the assigned officer, only during their shift; an offer whose time
    is up can no longer be accepted. The SOS or report follows (accepted: dispatched to them;
    on scene: on scene)."""
    now = now or timezone.now()
    assignment = assignment_get_for_officer(actor=actor, assignment_id=assignment_id, lock=True)
    if step not in STEPS:
        raise ValidationError({"step": _("Unknown step.")})
    _require_on_shift(actor, assignment, now)
    expected, state, stamp = STEPS[step]
    if assignment.state == Assignment.State.OFFERED and now >= assignment.offer_due_at:
        raise TransitionError(
            _("The time to accept this has passed; it went to another officer."), code="expired"
        )
    if assignment.state not in expected:
        raise TransitionError(
            _("This assignment is already %(state)s; nothing changed.")
            % {"state": assignment.get_state_display()},
            code="wrong_state",
        )
    cleaned = [clean_photo(p) for p in (photos or [])[:MAX_PHOTOS]] if step == "done" else []
    before = assignment.state
    assignment.state = state
    fields = ["state"]
    for name in ("accepted_at", "on_the_way_at", "on_scene_at", "done_at", "declined_at"):
        if getattr(assignment, name) is None and (
            name == stamp
            or (name == "accepted_at" and stamp in ("on_the_way_at", "on_scene_at", "done_at"))
        ):
            setattr(assignment, name, now)
            fields.append(name)
    if step == "done" and note:
        assignment.note = note[:2000]
        fields.append("note")
    assignment.save(update_fields=fields)
    for photo in cleaned:
        row = AssignmentPhoto(assignment=assignment, taken_at=now)
        row.photo.save(
            f"{uuid.uuid4().hex}.{photo.extension}", ContentFile(photo.content), save=False
        )
        row.save()
    _record(
        assignment,
        actor=actor,
        action=state,
        changes={"state": [before, state], "note": note[:200] or None, "photos": len(cleaned)},
    )
    _item_follows(assignment, actor=actor, step=step)
    return assignment


def _item_follows(assignment: Assignment, *, actor, step: str) -> None:
    """Move the SOS or report with the officer's step, through its own app's services."""
    kind, item_id = assignment.kind, assignment.item_id
    item = _item_locked(kind, item_id)
    if step in ("accept", "on_the_way"):
        _move_item_to_dispatched(kind, item, actor=actor, officer_id=assignment.officer_id)
    elif step == "on_scene":
        _move_item_to_dispatched(kind, item, actor=actor, officer_id=assignment.officer_id)
        if kind == Assignment.Kind.SOS and item.state == SosEvent.State.DISPATCHED:
            sos_services.sos_on_scene(actor=actor, sos_id=item_id)
        elif kind == Assignment.Kind.REPORT and item.state == Report.State.DISPATCHED:
            incident_services.report_transition(
                actor=actor, report_id=item_id, to_state=Report.State.ON_SCENE
            )
    elif step == "decline" and assignment.automatic:
        _offer_next(
            actor=SYSTEM, kind=kind, item=item, attempt=assignment.attempt + 1, now=timezone.now()
        )


# --- LINE, for when the phone page is closed ---------------------------------------------


def offer_line_push(*, assignment_id: int) -> int | None:
    """Push a still-open offer to the officer's linked LINE account with a link that opens it.

    Return None when finished (sent, or nothing to send: no link, no channel, already sent,
    no longer offered), else the seconds to wait before trying again. The retry key is fixed
    per assignment and officer, so LINE takes a repeat once; a run after a success sends
    nothing (line_sent_at).
    """
    from community import line
    from community.models import LineChannel, SupervisorLineLink
    from community.services import backoff_s
    from smartzone.links import public_url

    assignment = (
        Assignment.objects.select_related("officer", "sos__kiosk", "report__category")
        .filter(pk=assignment_id, line_sent_at__isnull=True, state=Assignment.State.OFFERED)
        .first()
    )
    if assignment is None:
        return None
    link = (
        SupervisorLineLink.objects.filter(officer_id=assignment.officer_id)
        .exclude(line_user_id="")
        .first()
    )
    channel = LineChannel.objects.filter(station_id=assignment.station_id, enabled=True).first()
    if link is None or channel is None or not channel.access_token:
        return None
    summary = item_summary(assignment)
    text = _("New assignment: %(title)s. Accept within %(n)s seconds.") % {
        "title": summary["title"],
        "n": assignment.timeout_s,
    }
    text += "\n" + public_url(reverse("dispatch:assignment", args=[assignment.pk]))
    key = uuid.uuid5(uuid.NAMESPACE_URL, f"assignment:{assignment.pk}:{assignment.officer_id}")
    result = line.send(
        access_token=channel.access_token,
        method="push",
        recipients=[link.line_user_id],
        messages=[line.TextMessage(text=text)],
        retry_key=str(key),
    )
    # A repeated retry key is "accepted" too (LINE's 409: the first request went out).
    if result.accepted:
        with transaction.atomic():
            sent = Assignment.objects.filter(pk=assignment.pk, line_sent_at__isnull=True).update(
                line_sent_at=timezone.now()
            )
            if sent:
                audit_append(
                    actor="task:offer_line_send",
                    action="assignment.line_sent",
                    obj=assignment,
                    changes={"officer": assignment.officer_id, "request_id": result.request_id},
                )
        return None
    if result.retryable:
        return backoff_s(1, result.retry_after_s)
    log.warning("assignment %s: LINE refused the push: %s", assignment.pk, result.error)
    return None
