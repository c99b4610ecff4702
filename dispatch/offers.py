"""Offers: the desk or the platform offers an SOS or a report to an officer on shift; an
offer not accepted in the station's time expires, and an automatic one moves to the next
nearest free officer.
"""

import logging
import threading
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import selectors
from dispatch.models import Assignment
from dispatch.records import (
    SYSTEM,
    TransitionError,
    _is_person,
    _item_locked,
    _item_open,
    _item_received_at,
    _record,
    _require_desk,
)
from incidents import services as incident_services
from incidents.models import Report
from smartzone import access
from smartzone.audit import audit_append
from smartzone.outbox import event_record
from sos import services as sos_services
from sos.models import SosEvent

log = logging.getLogger(__name__)


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
    assignment_id, officer_id = assignment.pk, assignment.officer_id
    transaction.on_commit(lambda: _after_offer(assignment_id, timeout_s, officer_id))
    return assignment


def _after_offer(assignment_id: int, timeout_s: int, officer_id: int) -> None:
    """Start the offer's timer and its LINE message: at once when the officer's page is closed,
    after the open page's grace otherwise (never fails the offer)."""
    from dispatch import tasks
    from dispatch.line import line_delay_s

    try:
        tasks.offer_expire.apply_async((assignment_id,), countdown=timeout_s)
        tasks.offer_line_send.apply_async(
            (assignment_id,), countdown=line_delay_s(officer_id=officer_id)
        )
    except Exception:  # no broker now: the periodic sweep expires it (LINE is not sent then)
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
