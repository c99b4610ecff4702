"""What every write of the dispatch app shares: the assignment's payloads and its record
(audit entry and outbox event), the SOS's or report's row lock and state, the desk's check.

The writes themselves are by topic: offers (offering, and offers that time out), steps (the
officer's taps), line (the LINE push of an offer); dispatch.services gathers them.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch import selectors
from dispatch.models import Assignment
from incidents.models import Report
from smartzone import access
from smartzone.audit import audit_append
from smartzone.outbox import event_record
from sos.models import SosEvent

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
