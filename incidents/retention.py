"""Retention of citizens' personal data on reports (PDPA).

A report keeps its reporter's contact and its photos while it is open, and while the report it
was merged into is open. Once closed (resolved or rejected), the reporter's name, phone and IP
address are blanked after RETENTION_REPORTER_CONTACT_DAYS and its photos deleted after
RETENTION_REPORT_PHOTO_DAYS. The report itself (what happened, where, the workflow) stays.

It also finds and erases a reporter's data for a data-subject request (PERSONAL_DATA).
"""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from incidents.models import Report, ReportPhoto
from smartzone.privacy import phone_regex
from smartzone.registry import PersonalDataSource, PersonalRecord, Subject
from smartzone.retention import cutoff_for, delete_files_after_commit, purge_batches

CLOSED = [Report.State.RESOLVED, Report.State.REJECTED]
OPEN = [state for state in Report.State.values if state not in CLOSED]


def _closed_before(cutoff) -> Q:
    """Reports closed before CUTOFF and not merged into a report that is still open."""
    return Q(state__in=CLOSED, closed_at__lt=cutoff) & ~Q(duplicate_of__state__in=OPEN)


def _reports() -> QuerySet[Report]:
    return Report.objects.annotate(closed_at=Coalesce("resolved_at", "rejected_at"))


HAS_CONTACT = ~Q(reporter_name="") | ~Q(reporter_phone="") | Q(reporter_ip__isnull=False)


def _blank_contacts(reports: list[Report]) -> dict:
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        reporter_name="", reporter_phone="", reporter_ip=None
    )
    return {}


def report_contacts_purge(*, now: datetime | None = None, days: int | None = None) -> list[int]:
    """Blank the reporter's name, phone and IP on reports closed long enough; return their ids."""
    cutoff, days = cutoff_for("RETENTION_REPORTER_CONTACT_DAYS", now=now, days=days)
    return purge_batches(
        candidates=_reports().filter(_closed_before(cutoff), HAS_CONTACT),
        action="report.contacts_purged",
        retention_days=days,
        purge=_blank_contacts,
        station_of=lambda report: report.station_id,
    )


def _delete_photos(photos: list[ReportPhoto]) -> dict:
    delete_files_after_commit([photo.file for photo in photos])
    ReportPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
    return {"reports": sorted({photo.report_id for photo in photos})}


def report_photos_purge(*, now: datetime | None = None, days: int | None = None) -> list[int]:
    """Delete the photos (rows and files) of reports closed long enough; return the photo ids."""
    cutoff, days = cutoff_for("RETENTION_REPORT_PHOTO_DAYS", now=now, days=days)
    closed = _reports().filter(_closed_before(cutoff)).values("pk")
    return purge_batches(
        candidates=ReportPhoto.objects.filter(report__in=closed).select_related("report"),
        action="report.photos_purged",
        retention_days=days,
        purge=_delete_photos,
        station_of=lambda photo: photo.report.station_id,
    )


# --- data-subject requests (smartzone/privacy.py) ---------------------------------------------


def _reports_of(subject: Subject) -> QuerySet[Report]:
    if not subject.phone:
        return Report.objects.none()
    return Report.objects.filter(reporter_phone__regex=phone_regex(subject.phone))


def reporter_data_find(subject: Subject) -> list[PersonalRecord]:
    """Reports whose reporter gave SUBJECT's phone number."""
    return [
        PersonalRecord(
            kind="report",
            id=report.pk,
            label=_("Report %(code)s (%(state)s)")
            % {"code": report.display_code, "state": report.get_state_display()},
            station_id=report.station_id,
            data={
                "reporter_name": report.reporter_name,
                "reporter_phone": report.reporter_phone,
                "reporter_ip": report.reporter_ip,
                "created_at": report.created_at.isoformat(),
            },
        )
        for report in _reports_of(subject)
    ]


def reporter_data_erase(*, actor, subject: Subject) -> dict[str, list[int]]:
    """Blank the reporter's name, phone and IP on SUBJECT's reports (the report stays)."""
    ids = list(_reports_of(subject).select_for_update().values_list("pk", flat=True))
    Report.objects.filter(pk__in=ids).update(reporter_name="", reporter_phone="", reporter_ip=None)
    return {"report": ids}


PERSONAL_DATA = PersonalDataSource(
    name="incidents",
    label=_lazy("Citizens' reports"),
    find=reporter_data_find,
    erase=reporter_data_erase,
)
