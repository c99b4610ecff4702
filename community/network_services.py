"""Writes of the partner network: partners, network meetings, their decisions and files."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Decision, Meeting, MeetingAttachment, Partner
from smartzone import access
from smartzone.audit import audit_append
from smartzone.outbox import event_record

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    return {
        k: [getattr(v, "pk", v) for v in v] if isinstance(v, list) else v for k, v in data.items()
    }


def _save(*, actor, obj, entity: str, station, payload: dict):
    creating = obj._state.adding
    access.require_station(actor, station)
    obj.full_clean()
    obj.save()
    action = f"{entity}.created" if creating else f"{entity}.updated"
    audit_append(actor=actor, action=action, obj=obj, station=station, changes=_snapshot(obj))
    event_record(station=station, kind=action, payload={"id": obj.pk} | payload)
    return obj


def _require_supervisor(actor) -> None:
    """People keep the network as supervisors; a command or task (a string) may too."""
    if actor is not None and not isinstance(actor, str):
        access.require_supervisor(actor)


@transaction.atomic
def partner_save(*, actor, partner: Partner) -> Partner:
    """Create or update a partner of the station's network (supervisors)."""
    _require_supervisor(actor)
    if partner.landmark_id and partner.lat is None:
        partner.lat, partner.lng = partner.landmark.lat, partner.landmark.lng
    payload = {"name": partner.name, "kind": partner.kind}
    if partner.lat is not None:
        payload |= {"lat": partner.lat, "lng": partner.lng}
    return _save(
        actor=actor, obj=partner, entity="partner", station=partner.station, payload=payload
    )


@transaction.atomic
def meeting_save(*, actor, meeting: Meeting, partners=None, officers=None) -> Meeting:
    """Create or update a network meeting and who attended it (supervisors)."""
    _require_supervisor(actor)
    _save(
        actor=actor,
        obj=meeting,
        entity="meeting",
        station=meeting.station,
        payload={"title": meeting.title},
    )
    if partners is not None:
        partners = list(partners)
        if any(p.station_id != meeting.station_id for p in partners):
            raise ValidationError({"partners": _("A partner belongs to another station.")})
        meeting.partners.set(partners)
    if officers is not None:
        officers = list(officers)
        if any(not access.can_see_station(o, meeting.station_id) for o in officers):
            raise ValidationError({"officers": _("An officer belongs to another station.")})
        meeting.officers.set(officers)
    return meeting


@transaction.atomic
def decision_save(*, actor, decision: Decision) -> Decision:
    """Record or change a decision of a meeting."""
    meeting_url = reverse("community:meeting-detail", args=[decision.meeting_id])
    return _save(
        actor=actor,
        obj=decision,
        entity="decision",
        station=decision.meeting.station,
        payload={"title": decision.text[:80], "owner": decision.owner, "url": meeting_url},
    )


@transaction.atomic
def decision_done(*, actor, decision_id: int, done: bool = True) -> Decision:
    """Mark a decision done (or open again)."""
    decision = access.get_for_user(
        Decision.objects.select_related("meeting__station"),
        actor,
        station_field="meeting__station",
        lock=True,
        pk=decision_id,
    )
    if decision.done == done:
        return decision
    decision.done, decision.done_at = done, timezone.now() if done else None
    decision.save(update_fields=["done", "done_at"])
    station = decision.meeting.station
    action = "decision.done" if done else "decision.reopened"
    audit_append(actor=actor, action=action, obj=decision, station=station)
    event_record(
        station=station, kind=action, payload={"id": decision.pk, "title": decision.text[:80]}
    )
    return decision


@transaction.atomic
def meeting_attachment_add(*, actor, meeting_id: int, upload) -> MeetingAttachment:
    """Attach a file to a meeting (kept private: officers download it through the app)."""
    meeting = access.get_for_user(Meeting.objects.all(), actor, lock=True, pk=meeting_id)
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    attachment = MeetingAttachment(meeting=meeting, file=upload, name=upload.name[:200])
    attachment.full_clean()
    attachment.save()
    audit_append(
        actor=actor,
        action="meeting.attachment_added",
        obj=attachment,
        station=meeting.station,
        changes={"meeting": meeting.pk, "name": attachment.name, "bytes": upload.size},
    )
    return attachment
