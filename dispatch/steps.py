"""The assigned officer's steps: accept, on the way, on scene, done (note, photos), decline;
the SOS or report follows through its own app's services.
"""

import uuid
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Assignment, AssignmentPhoto
from dispatch.offers import _move_item_to_dispatched, _offer_next
from dispatch.records import MAX_PHOTOS, SYSTEM, TransitionError, _item_locked, _record
from incidents import services as incident_services
from incidents.models import Report
from patrol import selectors as patrol_selectors
from smartzone import access
from smartzone.photos import clean_photo
from sos import services as sos_services
from sos.models import SosEvent

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
