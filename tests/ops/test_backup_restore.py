"""Backup while the platform writes, restore into an empty database and data folder (the test
database's kind: PostgreSQL in CI's second pass, SQLite in the first), and the refusals."""

import threading
from pathlib import Path

import pytest
from django.db import connection

from incidents import services as incident_services
from ops import services
from patrol import services as patrol_services
from patrol.tokens import make_token
from sos import services as sos_services
from tests.conftest import wait_until
from tests.incidents.conftest import IN_ZONE, jpeg_bytes, upload
from tests.patrol.conftest import MARKET, make_point

pytestmark = pytest.mark.usefixtures("transactional_db", "ops_data")


def submit_report(categories, n: int):
    photo = upload(f"p{n}.jpg", jpeg_bytes(colour=(n % 255, 30, 30)))
    return incident_services.report_submit(
        kind="report",
        category=categories["theft"],
        description=f"รายงานที่ {n}",
        lat=IN_ZONE[0],
        lng=IN_ZONE[1],
        photos=[photo],
        reporter_name="สมชาย ใจดี",
        reporter_phone="0812345678",
    )[0]


@pytest.fixture
def platform_data(zone, officer, categories, kiosk):
    """A report with a photo, an SOS with a snapshot, a check-in with a photo."""
    report = submit_report(categories, 0)
    sos, _ = sos_services.sos_receive(
        kiosk=kiosk,
        client_event_id="evt-1",
        snapshot=upload("snap.jpg", jpeg_bytes(colour=(10, 200, 10))),
    )
    point = make_point(report.station, "ตู้แดง ตลาดอินโดจีน", *MARKET)
    checkin = patrol_services.checkin_record(
        actor=officer,
        token=make_token(point),
        lat=MARKET[0],
        lng=MARKET[1],
        accuracy_m=8.0,
        photo=upload("box.jpg", jpeg_bytes(colour=(10, 10, 200))),
    )
    return {"report": report, "sos": sos, "checkin": checkin}


@pytest.fixture
def kiosk(station):
    return sos_services.kiosk_create(
        actor="test", station=station, name="ตู้ SOS", serial="K-001", lat=16.5453, lng=104.7248
    )[0]


class Submitter(threading.Thread):
    """Submit reports one after another until told to stop."""

    def __init__(self, categories):
        super().__init__(daemon=True)
        self.categories, self.stop, self.codes, self.error = categories, threading.Event(), [], None

    def run(self):
        try:
            n = 1
            while not self.stop.is_set():
                self.codes.append(submit_report(self.categories, n).tracking_code)
                n += 1
        except Exception as exc:  # shown by the test
            self.error = exc
        finally:
            connection.close()


def count(target, table: str) -> int:
    return target.query(f"SELECT COUNT(*) FROM {table}")[0][0]  # noqa: S608 - fixed names


def test_a_backup_made_while_reports_arrive_restores_everything_into_an_empty_target(
    platform_data, categories, empty_target, ops_data
):
    before = platform_data["report"].tracking_code
    files_before = {
        p.relative_to(ops_data).as_posix(): p.read_bytes()
        for p in (ops_data / "private").rglob("*")
        if p.is_file()
    }
    assert len(files_before) == 3  # the report photo, the SOS snapshot, the check-in photo
    submitter = Submitter(categories)
    submitter.start()
    try:
        wait_until(lambda: len(submitter.codes) >= 2 or submitter.error, 60, "reports coming in")
        record = services.backup_create(actor="test")
        during = len(submitter.codes)
        wait_until(lambda: len(submitter.codes) > during + 1 or submitter.error, 60, "more reports")
    finally:
        submitter.stop.set()
        submitter.join(60)
    assert submitter.error is None, submitter.error
    assert record.ok, record.error
    archive = Path(services.backup_dir()) / record.archive

    done = empty_target.manage("restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "audit chain intact" in done.stdout

    restored_codes = {
        row[0] for row in empty_target.query("SELECT tracking_code FROM incidents_report")
    }
    assert before in restored_codes  # committed before the backup started
    # Every report of the snapshot, each with its photo; the ones after it are not there.
    assert 1 < len(restored_codes) <= len(submitter.codes) + 1
    assert restored_codes <= {before, *submitter.codes}
    assert submitter.codes[-1] not in restored_codes
    assert count(empty_target, "incidents_reportphoto") == len(restored_codes)
    assert count(empty_target, "sos_sosevent") == 1
    assert count(empty_target, "patrol_checkin") == 1
    restored_files = empty_target.files()
    for name, content in files_before.items():
        assert restored_files.get(name) == content, name
    for (photo,) in empty_target.query("SELECT file FROM incidents_reportphoto"):
        assert f"private/report-photos/{photo}" in restored_files
    audit_rows = count(empty_target, "smartzone_auditentry")
    assert audit_rows >= 5
    verify = empty_target.manage("verify_audit")
    assert verify.returncode == 0, verify.stderr
    assert f"OK: {audit_rows} audit entries" in verify.stdout


@pytest.fixture
def archive(platform_data):
    record = services.backup_create(actor="test")
    assert record.ok, record.error
    return Path(services.backup_dir()) / record.archive


def assert_nothing_written(target):
    assert target.tables() == []
    assert target.files() == {}


def test_restore_refuses_a_wrong_key_and_writes_nothing(archive, empty_target):
    done = empty_target.manage("restore", str(archive), BACKUP_KEY="not-the-key-it-was-made-with")
    assert done.returncode != 0
    assert "REFUSED, nothing was written: wrong backup key" in done.stderr
    assert_nothing_written(empty_target)


def test_restore_refuses_an_archive_with_one_byte_changed_and_writes_nothing(
    archive, empty_target, tmp_path
):
    damaged = tmp_path / "damaged.szbackup"
    content = bytearray(archive.read_bytes())
    content[len(content) * 2 // 3] ^= 0x01  # somewhere in the files, not the header
    damaged.write_bytes(bytes(content))
    done = empty_target.manage("restore", str(damaged))
    assert done.returncode != 0
    assert "REFUSED, nothing was written: the archive is damaged (chunk" in done.stderr
    assert_nothing_written(empty_target)


def test_restore_refuses_a_target_holding_data_and_changes_nothing(archive, ops_data):
    from tests.conftest import database_url_for_subprocess
    from tests.ops.conftest import Target

    target = Target(ops_data, database_url_for_subprocess(), connection.vendor)
    reports_before = count(target, "incidents_report")
    files_before = target.files()
    done = target.manage("restore", str(archive))
    assert done.returncode != 0
    assert "REFUSED, nothing was written: the database" in done.stderr
    assert "is not empty" in done.stderr
    assert "the private files folder" in done.stderr
    assert count(target, "incidents_report") == reports_before
    assert target.files() == files_before


def test_the_archive_holds_no_readable_personal_data(archive):
    content = archive.read_bytes()
    assert b"0812345678" not in content
    assert "สมชาย".encode() not in content
    assert b"incidents_report" not in content
