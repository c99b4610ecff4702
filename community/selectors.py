"""Reads of the community app, and its look-ups of SOS events and reports."""

from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from community import privacy
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


def followers_of(station_id: int, *, search: str = "") -> QuerySet[Follower]:
    """Return the station's current followers, partners' contacts first, then by name."""
    rows = Follower.objects.filter(station_id=station_id, left_at__isnull=True)
    if search:
        rows = rows.filter(Q(display_name__icontains=search) | Q(partner__name__icontains=search))
    return rows.select_related("zone", "partner").order_by("partner__name", "display_name", "pk")


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
    """Return a public notice's text from a resolved report USER may see, or None if there is
    none: what happened, where (the zone, never the point) and the outcome, with the reporter's
    name and phone and any other personal data removed."""
    report = (
        access.scope(Report.objects.all(), user)
        .filter(pk=report_id, state=Report.State.RESOLVED)
        .select_related("category", "zone")
        .first()
    )
    if report is None:
        return None
    where = _("Area: %(zone)s") % {"zone": report.zone.name} if report.zone else ""
    parts = (report.category, report.description, where, report.resolution_note)
    text = "\n".join(str(part).strip() for part in parts if part)
    return privacy.scrub(
        text, names=[report.reporter_name], phones=[report.reporter_phone]
    ).strip()[:4000]


def followers_of_subject(subject: Subject) -> QuerySet[Follower]:
    """Return the follower rows of SUBJECT's LINE id, at every station."""
    if not subject.line_user_id:
        return Follower.objects.none()
    return Follower.objects.filter(line_user_id=subject.line_user_id)


def line_links_of_subject(subject: Subject) -> QuerySet[SupervisorLineLink]:
    """Return the supervisors' LINE links to SUBJECT's LINE id."""
    if not subject.line_user_id:
        return SupervisorLineLink.objects.none()
    return SupervisorLineLink.objects.filter(line_user_id=subject.line_user_id)


def partners_of_subject(subject: Subject) -> QuerySet[Partner]:
    """Return the partners whose contact phone is SUBJECT's."""
    if not subject.phone:
        return Partner.objects.none()
    return Partner.objects.filter(phone__regex=phone_regex(subject.phone))


def batches_of_subject(subject: Subject, *, lock: bool = False) -> list[DeliveryBatch]:
    """Return the delivery batches whose recipients hold SUBJECT's LINE id (LOCK: for update).

    `recipients` is a JSON list, and SQLite has no JSON containment lookup: the database
    narrows by the quoted id in the list's text (a LINE id is U and hex digits, nothing to
    escape), and the list itself decides.
    """
    if not subject.line_user_id:
        return []
    rows = DeliveryBatch.objects.annotate(recipients_text=Cast("recipients", TextField()))
    rows = rows.filter(recipients_text__contains=f'"{subject.line_user_id}"')
    if lock:
        rows = rows.select_for_update(of=("self",))
    rows = rows.select_related("broadcast").order_by("pk")
    return [batch for batch in rows if subject.line_user_id in batch.recipients]


def personal_data_find(subject: Subject) -> list[PersonalRecord]:
    """What the community app holds about SUBJECT, for a data-subject request: LINE
    followers, supervisors' LINE links and the delivery batches of broadcasts by LINE id,
    partners by phone."""
    records = []
    for follower in followers_of_subject(subject).select_related("station"):
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
            )
        )
    for link in line_links_of_subject(subject).select_related("officer"):
        records.append(
            PersonalRecord(
                kind="supervisor_line_link",
                id=link.pk,
                label=_("LINE link of %(username)s") % {"username": link.officer},
                station_id=None,
                data={"line_user_id": link.line_user_id, "linked_at": str(link.linked_at)},
            )
        )
    for batch in batches_of_subject(subject):
        records.append(
            PersonalRecord(
                kind="delivery_batch",
                id=batch.pk,
                label=_("Batch %(number)d of the broadcast “%(title)s”")
                % {"number": batch.number, "title": batch.broadcast.title},
                station_id=batch.broadcast.station_id,
                data={
                    "line_user_id": subject.line_user_id,
                    "broadcast": batch.broadcast_id,
                    "state": str(batch.get_state_display()),
                    "updated_at": batch.updated_at.isoformat(),
                },
            )
        )
    for partner in partners_of_subject(subject):
        records.append(
            PersonalRecord(
                kind="partner",
                id=partner.pk,
                label=_("Partner %(name)s") % {"name": partner.name},
                station_id=partner.station_id,
                data={
                    "contact_person": partner.contact_person,
                    "phone": partner.phone,
                    "note": partner.note,
                },
            )
        )
    return records
