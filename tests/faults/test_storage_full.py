"""The photo disk is full or its folder cannot be written: the person is told which field and to
try again; nothing half-written remains (no report or watchlist row, no stray file).

Tests run as root, where a read-only folder (chmod) does not stop writes. Two real stand-ins:
a storage folder that sits under a regular file (every write fails with ENOTDIR, as for a
missing or unmounted folder), and a disk that fills up mid-write (the storage writes half the
photo, then raises ENOSPC, as a full disk does).
"""

import errno
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cctv.models import EnrollmentPhoto, WatchlistEntry
from incidents.models import Report, ReportPhoto
from smartzone.models import AuditEntry, Event
from tests.cctv import faces
from tests.incidents.conftest import IN_ZONE, jpeg_bytes, upload

STORAGE_TH = "พื้นที่จัดเก็บของสถานีเต็มหรือใช้งานไม่ได้"
STORAGE_EN = "the station's storage is full or unavailable"


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


@pytest.fixture
def disk_fills_up(monkeypatch):
    """Every FileSystemStorage write after the first FREE ones writes half the file, then ENOSPC."""
    real_save = FileSystemStorage._save
    state = {"free": 0, "failed": 0}

    def save(self, name, content):
        if state["free"] > 0:
            state["free"] -= 1
            return real_save(self, name, content)
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.read()
        path.write_bytes(data[: len(data) // 2])
        state["failed"] += 1
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(FileSystemStorage, "_save", save)
    return state


@pytest.fixture
def photo_root(monkeypatch, tmp_path):
    """Report photos go to a folder of this test's own."""
    root = tmp_path / "report-photos"
    field = ReportPhoto._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=root))
    return root


@pytest.fixture
def unwritable_photo_root(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the photo folder should be")
    field = ReportPhoto._meta.get_field("file")
    monkeypatch.setattr(field, "storage", FileSystemStorage(location=blocker / "report-photos"))
    return blocker


def report_data(**extra) -> dict:
    return {
        "kind": "report",
        "category": "theft",
        "description": "กระเป๋าถูกกระชากหน้าร้านทอง",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
    } | extra


def two_photos() -> list:
    return [
        upload("one.jpg", jpeg_bytes(colour=(10, 200, 10))),
        upload("two.jpg", jpeg_bytes(colour=(10, 10, 200))),
    ]


def assert_nothing_written() -> None:
    assert not Report.objects.exists()
    assert not ReportPhoto.objects.exists()
    assert not Event.objects.filter(kind="report.submitted").exists()
    assert not AuditEntry.objects.filter(action="report.submitted").exists()


def test_a_disk_that_fills_up_on_the_second_photo_refuses_the_report_naming_the_photos(
    client, zone, categories, photo_root, disk_fills_up
):
    disk_fills_up["free"] = 1  # the first photo fits, the second fills the disk half-way
    key = {"Idempotency-Key": "phone-disk-full"}
    response = client.post("/api/v1/reports/", report_data(photos=two_photos()), headers=key)

    assert response.status_code == 400
    assert STORAGE_TH in " ".join(response.json()["photos"])
    assert disk_fills_up["failed"] == 1
    assert_nothing_written()
    assert files_under(photo_root) == []  # the whole first photo and half of the second: gone

    # Space is freed; the phone sends the same report again with the same key.
    disk_fills_up["free"] = 10
    again = client.post("/api/v1/reports/", report_data(photos=two_photos()), headers=key)
    assert again.status_code == 201
    assert Report.objects.get().photos.count() == 2
    assert len(files_under(photo_root)) == 2


def test_the_public_form_keeps_what_was_typed_and_says_to_try_again(
    client, zone, categories, unwritable_photo_root, english
):
    description = "Motorbike stolen outside the gold shop, red Honda Wave"
    data = {
        "kind": "report",
        "category": categories["theft"].pk,
        "description": description,
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
        "idempotency_key": uuid.uuid4().hex,
        "photos": [upload("bike.jpg", jpeg_bytes())],
    }
    response = client.post("/report/", data)

    assert response.status_code == 400
    form = response.context["form"]
    assert STORAGE_EN in " ".join(form.errors["photos"])
    assert description in response.content.decode()
    assert_nothing_written()
    assert unwritable_photo_root.is_file()


def test_a_script_posting_the_form_gets_json_errors_on_the_photos_field(
    client, zone, categories, photo_root, disk_fills_up
):
    data = {
        "kind": "report",
        "category": categories["theft"].pk,
        "description": "มีคนแปลกหน้าเดินดูร้านทองหลายรอบ",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
        "idempotency_key": uuid.uuid4().hex,
        "photos": [upload("shop.jpg", jpeg_bytes())],
    }
    response = client.post("/report/", data, headers={"Accept": "application/json"})
    assert response.status_code == 400
    errors = response.json()["errors"]["photos"]
    assert STORAGE_TH in errors[0]["message"]
    assert_nothing_written()
    assert files_under(photo_root) == []


# --- the CCTV watchlist ------------------------------------------------------------------------


@pytest.fixture
def unwritable_private_root(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the private media folder should be")
    settings.CCTV_PRIVATE_ROOT = blocker / "private"
    return blocker


def entry_data(photo_name="a.jpg") -> dict:
    return {
        "name": "Eileen",
        "category": "missing",
        "valid_until": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "photo": SimpleUploadedFile(photo_name, faces.jpeg(faces.person_a())),
    }


def test_a_watchlist_entry_whose_photo_cannot_be_stored_is_not_created(
    supervisor_client, unwritable_private_root, english
):
    response = supervisor_client.post("/cctv/watchlist/new/", entry_data())
    assert response.status_code == 400
    assert STORAGE_EN in response.content.decode().replace("&#x27;", "'")
    assert not WatchlistEntry.objects.exists()
    assert not EnrollmentPhoto.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="watchlist.").exists()


def test_a_photo_added_to_an_entry_on_a_full_disk_leaves_no_row_and_no_partial_file(
    supervisor_client, settings, tmp_path, disk_fills_up
):
    settings.CCTV_PRIVATE_ROOT = tmp_path / "private"
    disk_fills_up["free"] = 1
    assert supervisor_client.post("/cctv/watchlist/new/", entry_data()).status_code == 302
    entry = WatchlistEntry.objects.get()
    first = entry.photos.get()

    # The same file name again: the storage would pick a new name, so the first stays intact.
    response = supervisor_client.post(f"/cctv/watchlist/{entry.pk}/", entry_data("a.jpg"))
    assert response.status_code == 400
    assert STORAGE_TH in response.content.decode()
    assert list(entry.photos.all()) == [first]
    assert files_under(tmp_path / "private") == [Path(first.image.path)]
    assert first.image.storage.exists(first.image.name)
