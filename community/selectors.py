"""Reads of the community app, and its look-ups of SOS events and reports."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from community.models import (
    Broadcast,
    Decision,
    DeliveryBatch,
    Follower,
    Partner,
    SupervisorLineLink,
)
from incidents.models import Report
from smartzone import access
from smartzone.privacy import phone_regex
from smartzone.registry import PersonalRecord, Subject
from sos.models import SosEvent


def broadcast_recipients(broadcast: Broadcast) -> list[str]:
    """Return the LINE user ids a zone or partners broadcast goes to (not used for everyone)."""
    rows = Follower.objects.filter(station_id=broadcast.station_id, left_at__isnull=True)
    if broadcast.audience == Broadcast.Audience.ZONE:
        rows = rows.filter(zone_id=broadcast.zone_id)
    elif broadcast.audience == Broadcast.Audience.PARTNERS:
        rows = rows.filter(partner__isnull=False)
    return list(rows.order_by("pk").values_list("line_user_id", flat=True))


def audience_size(broadcast: Broadcast) -> int | None:
    """Return how many followers a broadcast reaches; None for everyone (LINE counts them)."""
    if broadcast.audience == Broadcast.Audience.EVERYONE:
        return None
    return len(broadcast_recipients(broadcast))


def broadcasts_for(user) -> QuerySet[Broadcast]:
    delivered = Count("batches", filter=Q(batches__state=DeliveryBatch.State.DELIVERED))
    failed = Count("batches", filter=Q(batches__state=DeliveryBatch.State.FAILED))
    return (
        access.scope(Broadcast.objects.all(), user)
        .select_related("zone", "created_by")
        .annotate(batch_count=Count("batches"), delivered_count=delivered, failed_count=failed)
    )


def public_notices(*, station_code: str | None = None, limit: int = 30) -> QuerySet[Broadcast]:
    rows = Broadcast.objects.filter(public=True, state=Broadcast.State.SENT).select_related(
        "station"
    )
    if station_code:
        rows = rows.filter(station__code=station_code)
    return rows.order_by("-sent_at")[:limit]


def open_decisions_for(user) -> QuerySet[Decision]:
    return (
        access.scope(Decision.objects.filter(done=False), user, "meeting__station")
        .select_related("meeting")
        .order_by("due_date", "pk")
    )


def follower_counts(station_id: int) -> dict:
    rows = Follower.objects.filter(station_id=station_id)
    return {
        "following": rows.filter(left_at__isnull=True).count(),
        "left": rows.filter(left_at__isnull=False).count(),
    }


def sos_lookup(sos_id: int):
    """Return the SOS event with this id, or None."""
    return SosEvent.objects.filter(pk=sos_id).select_related("station").first()


def incident_notice_text(report_id: int, user) -> str | None:
    """Return the words of a resolved report USER may see, or None if there is none."""
    report = (
        access.scope(Report.objects.all(), user)
        .filter(pk=report_id, state=Report.State.RESOLVED)
        .select_related("category")
        .first()
    )
    if report is None:
        return None
    return "\n".join(
        str(part) for part in (report.category, report.description, report.resolution_note) if part
    )


def personal_data_find(subject: Subject) -> list[PersonalRecord]:
    """What the community app holds about SUBJECT, for a data-subject request (read only):
    LINE followers and supervisors' LINE links by LINE id, partners by phone."""
    records = []
    if subject.line_user_id:
        for follower in Follower.objects.filter(line_user_id=subject.line_user_id):
            records.append(
                PersonalRecord(
                    kind="follower",
                    id=follower.pk,
                    label=_("LINE follower of %(station)s") % {"station": follower.station},
                    station_id=follower.station_id,
                    data={
                        "line_user_id": follower.line_user_id,
                        "display_name": follower.display_name,
                        "zone": follower.zone_id,
                        "partner": follower.partner_id,
                        "joined_at": follower.joined_at.isoformat(),
                        "left_at": follower.left_at.isoformat() if follower.left_at else None,
                    },
                    erasable=False,
                )
            )
        links = SupervisorLineLink.objects.select_related("officer")
        for link in links.filter(line_user_id=subject.line_user_id):
            records.append(
                PersonalRecord(
                    kind="supervisor_line_link",
                    id=link.pk,
                    label=_("LINE link of %(username)s") % {"username": link.officer},
                    station_id=None,
                    data={"line_user_id": link.line_user_id, "linked_at": str(link.linked_at)},
                    erasable=False,
                )
            )
    if subject.phone:
        for partner in Partner.objects.filter(phone__regex=phone_regex(subject.phone)):
            records.append(
                PersonalRecord(
                    kind="partner",
                    id=partner.pk,
                    label=_("Partner %(name)s") % {"name": partner.name},
                    station_id=partner.station_id,
                    data={"contact_person": partner.contact_person, "phone": partner.phone},
                    erasable=False,
                )
            )
    return records
