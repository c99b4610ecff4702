"""Reports submitted at the same moment from several threads are written as one group
(smartzone.groupcommit): each still gets its own row, event and audit entry, the audit chain
holds, and a group that fails leaves nothing and is written again one by one."""

import threading

import pytest
from django.db import connections

from incidents import services
from incidents.models import Report, ReportPhoto
from smartzone.audit import audit_verify
from smartzone.groupcommit import GroupCommit
from smartzone.models import AuditEntry, Event
from tests.incidents.conftest import IN_ZONE, OUTSIDE, jpeg_bytes, stored_photo_files, upload
from tests.smartzone.test_groupcommit import WAIT, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def held(monkeypatch):
    """A fresh group writer whose first report waits until the others queued behind it;
    `held.groups` lists the size of every group written together."""
    release = threading.Event()
    groups: list[int] = []
    alone = services._report_write_alone

    def write_group(submissions):
        groups.append(len(submissions))
        return services._reports_write_group(submissions)

    def write_alone(submission):
        if not release.is_set():
            release.wait(WAIT)
        return alone(submission)

    group = GroupCommit(write_group)
    monkeypatch.setattr(services, "_group", group)
    monkeypatch.setattr(services, "_report_write_alone", write_alone)
    group.release, group.groups = release, groups
    return group


def submit_together(group, theft, submissions: list[dict]) -> list:
    """report_submit each of SUBMISSIONS in a thread of its own, the first held until the
    rest queued; return each thread's (report, created) or exception."""
    results: list = [None] * len(submissions)

    def submit(index):
        try:
            results[index] = services.report_submit(
                kind="report", category=theft, **submissions[index]
            )
        except Exception as exc:  # noqa: BLE001 - handed to the test to look at
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(submissions))]
    threads[0].start()
    wait_until(lambda: group._leading, "the first report to be written")
    for thread in threads[1:]:
        thread.start()
    wait_until(lambda: len(group._queue) == len(submissions) - 1, "the others to queue")
    group.release.set()
    for thread in threads:
        thread.join(WAIT * 3)
        assert not thread.is_alive()
    return results


def report(description, *, lat_lng=IN_ZONE, **extra) -> dict:
    return {"description": description, "lat": lat_lng[0], "lng": lat_lng[1], **extra}


def test_reports_queued_together_are_one_group_each_with_its_event_and_audit_entry(
    held, zone, theft
):
    submissions = [
        report("first"),
        report("in the market", anonymous=True),
        report("outside every zone", lat_lng=OUTSIDE, reporter_name="Somchai"),
        report("with a key", idempotency_key="key-1"),
        report("with a photo", photos=[upload("a.jpg", jpeg_bytes())]),
    ]
    results = submit_together(held, theft, submissions)

    assert held.groups == [4]
    assert all(created is True for _report, created in results)
    reports = {r.description: r for r in Report.objects.all()}
    assert sorted(reports) == sorted(s["description"] for s in submissions)
    assert len({r.tracking_code for r in reports.values()}) == 5
    assert reports["outside every zone"].outside_zone
    assert reports["outside every zone"].reporter_name == "Somchai"
    assert reports["in the market"].zone == zone and reports["in the market"].anonymous
    assert reports["in the market"].reporter_ip is None
    assert reports["with a key"].idempotency_key == "key-1"
    assert ReportPhoto.objects.filter(report=reports["with a photo"]).count() == 1

    events = Event.objects.filter(kind="report.submitted")
    assert sorted(e.payload["report"] for e in events) == sorted(r.pk for r in reports.values())
    assert {e.payload["code"] for e in events} == {r.display_code for r in reports.values()}
    entries = AuditEntry.objects.filter(action="report.submitted")
    assert sorted(int(e.object_id) for e in entries) == sorted(r.pk for r in reports.values())
    by_report = {int(e.object_id): e for e in entries}
    assert by_report[reports["with a photo"].pk].changes["photos"] == 1
    assert by_report[reports["in the market"].pk].changes["anonymous"] is True
    # One hold of the chain lock: the group's four entries follow each other in the chain.
    grouped = sorted(by_report[r.pk].pk for r in reports.values() if r.description != "first")
    assert grouped == list(range(grouped[0], grouped[0] + 4))
    assert len({e.created_at for e in entries if e.pk in grouped}) == 1
    checked, problem = audit_verify()
    assert problem is None and checked == AuditEntry.objects.count()


def test_a_key_sent_twice_in_one_group_makes_one_report_and_the_rest_still_land(held, zone, theft):
    submissions = [
        report("first"),
        report("double tap", idempotency_key="same-key"),
        report("double tap", idempotency_key="same-key"),
        report("someone else"),
    ]
    results = submit_together(held, theft, submissions)

    # The group failed on the key (nothing of it kept); each was written again alone.
    assert held.groups == [3]
    (first_tap, created_1), (second_tap, created_2) = results[1], results[2]
    assert first_tap.pk == second_tap.pk and sorted([created_1, created_2]) == [False, True]
    assert results[3][1] is True
    assert Report.objects.count() == 3
    assert Event.objects.filter(kind="report.submitted").count() == 3
    assert AuditEntry.objects.filter(action="report.submitted").count() == 3
    assert audit_verify()[1] is None


def test_a_group_failing_after_its_photos_were_written_leaves_no_file_behind(
    held, zone, theft, monkeypatch
):
    record = services.events_record

    def fail_for_groups(records):
        if len(records) > 1:
            raise RuntimeError("the database went away mid-group")
        return record(records)

    monkeypatch.setattr(services, "events_record", fail_for_groups)
    before = stored_photo_files()
    submissions = [
        report("first"),
        report("photo one", photos=[upload("1.jpg", jpeg_bytes())]),
        report("photo two", photos=[upload("2.jpg", jpeg_bytes(colour=(9, 9, 200)))]),
    ]
    results = submit_together(held, theft, submissions)

    assert held.groups == [2]
    assert all(created is True for _report, created in results)
    photos = ReportPhoto.objects.all()
    assert photos.count() == 2
    # The group's photo files were removed with its rollback; only those kept are on disk.
    assert stored_photo_files() - before == {p.file.path for p in photos}
    assert Event.objects.filter(kind="report.submitted").count() == 3
    assert audit_verify()[1] is None


def test_where_the_database_cannot_say_many_new_ids_the_group_inserts_row_by_row(
    held, zone, theft, monkeypatch
):
    from django.db import connection

    # SQLite before 3.35: a many-row insert does not give the new rows' ids back.
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    results = submit_together(held, theft, [report(f"report {i}") for i in range(4)])

    assert held.groups == [3]
    reports = [r for r, _created in results]
    assert all(r.pk for r in reports) and len({r.pk for r in reports}) == 4
    # Written as one group (not again one by one after a failure): one audit time for three.
    grouped = AuditEntry.objects.filter(object_id__in=[str(r.pk) for r in reports[1:]])
    assert len({e.created_at for e in grouped}) == 1
    events = Event.objects.filter(kind="report.submitted")
    assert sorted(e.payload["report"] for e in events) == sorted(r.pk for r in reports)
    assert audit_verify()[1] is None
