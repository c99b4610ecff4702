"""Retention of reporters' contacts and report photos: closed long enough goes, open stays."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import retention
from incidents.models import Report, ReportPhoto
from incidents.tasks import personal_data_purge
from smartzone.audit import audit_verify
from smartzone.models import AuditEntry
from tests.incidents.conftest import jpeg_bytes, stored_photo_files, upload

pytestmark = pytest.mark.django_db

CONTACT = {"reporter_name": "สมชาย ใจดี", "reporter_phone": "0812345678", "ip": "203.0.113.9"}


def close(report, *, days_ago: int, state="resolved") -> None:
    Report.objects.filter(pk=report.pk).update(
        state=state, **{f"{state}_at": timezone.now() - timedelta(days=days_ago)}
    )


@pytest.fixture
def reports(make_report):
    """Reports with a contact and a photo: open, closed long ago, closed lately, merged."""
    made = {
        name: make_report(photos=[upload(f"{name}.jpg", jpeg_bytes())], **CONTACT)
        for name in ("open", "old", "recent", "merged_into_open", "rejected_old")
    }
    Report.objects.filter(pk=made["open"].pk).update(
        created_at=timezone.now() - timedelta(days=900)
    )
    close(made["old"], days_ago=400)
    close(made["recent"], days_ago=10)
    close(made["merged_into_open"], days_ago=400, state="rejected")
    Report.objects.filter(pk=made["merged_into_open"].pk).update(duplicate_of=made["open"])
    close(made["rejected_old"], days_ago=400, state="rejected")
    return made


def contact_of(report) -> tuple:
    report.refresh_from_db()
    return report.reporter_name, report.reporter_phone, report.reporter_ip


def test_contacts_of_reports_closed_past_retention_are_blanked_and_open_ones_kept(
    settings, reports
):
    settings.RETENTION_REPORTER_CONTACT_DAYS = 180
    purged = retention.report_contacts_purge()
    assert sorted(purged) == sorted([reports["old"].pk, reports["rejected_old"].pk])
    assert contact_of(reports["old"]) == ("", "", None)
    assert contact_of(reports["rejected_old"]) == ("", "", None)
    for kept in ("open", "recent", "merged_into_open"):
        assert contact_of(reports[kept]) == ("สมชาย ใจดี", "0812345678", "203.0.113.9")
    reports["old"].refresh_from_db()
    assert reports["old"].description == "กระเป๋าถูกขโมย"  # the report itself stays


def test_the_purge_audits_ids_and_counts_but_never_the_personal_data(settings, reports):
    settings.RETENTION_REPORTER_CONTACT_DAYS = 180
    retention.report_contacts_purge()
    entry = AuditEntry.objects.get(action="report.contacts_purged")
    assert entry.actor_label == "system:retention"
    assert entry.station_id == reports["old"].station_id
    assert entry.changes["count"] == 2 and entry.changes["retention_days"] == 180
    assert sorted(entry.changes["ids"]) == sorted([reports["old"].pk, reports["rejected_old"].pk])
    assert "0812345678" not in str(entry.changes) and "สมชาย" not in str(entry.changes)


def test_running_the_purge_twice_removes_and_records_each_thing_once(settings, reports):
    settings.RETENTION_REPORTER_CONTACT_DAYS = 180
    settings.RETENTION_REPORT_PHOTO_DAYS = 365
    assert personal_data_purge() == {"contacts": 2, "photos": 2}
    assert personal_data_purge() == {"contacts": 0, "photos": 0}
    assert AuditEntry.objects.filter(action="report.contacts_purged").count() == 1
    assert AuditEntry.objects.filter(action="report.photos_purged").count() == 1
    assert audit_verify()[1] is None


def test_photos_of_reports_closed_past_retention_are_deleted_with_their_files_after_commit(
    settings, reports, django_capture_on_commit_callbacks
):
    settings.RETENTION_REPORT_PHOTO_DAYS = 365
    photo_of = {name: report.photos.get() for name, report in reports.items()}
    old_file = photo_of["old"].file.path
    assert old_file in stored_photo_files()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purged = retention.report_photos_purge()
    assert old_file in stored_photo_files()  # nothing is deleted before the commit
    for callback in callbacks:
        callback()
    assert sorted(purged) == sorted([photo_of["old"].pk, photo_of["rejected_old"].pk])
    assert old_file not in stored_photo_files()
    kept = set(ReportPhoto.objects.values_list("pk", flat=True))
    assert kept == {photo_of[n].pk for n in ("open", "recent", "merged_into_open")}
    assert photo_of["open"].file.path in stored_photo_files()
    entry = AuditEntry.objects.get(action="report.photos_purged")
    assert sorted(entry.changes["reports"]) == sorted(
        [reports["old"].pk, reports["rejected_old"].pk]
    )


def test_the_retention_periods_are_settings(settings, reports):
    settings.RETENTION_REPORTER_CONTACT_DAYS = 500
    assert retention.report_contacts_purge() == []
    settings.RETENTION_REPORTER_CONTACT_DAYS = 5
    assert len(retention.report_contacts_purge()) == 3  # now the recent one too
