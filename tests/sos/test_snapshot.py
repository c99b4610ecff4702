"""Kiosk snapshots: re-encoded without metadata, served with their type, and never left on disk
by a duplicate that lost the race or by a transaction that rolled back."""

import base64
import io
import os

import pytest
from PIL import ExifTags, Image

from sos import services
from sos.models import SosEvent, snapshot_storage
from tests.incidents.conftest import jpeg_bytes
from tests.sos.conftest import signed_post

pytestmark = pytest.mark.django_db


def snapshot_files() -> set[str]:
    found = set()
    for folder, _dirs, files in os.walk(os.path.join(snapshot_storage().location, "sos")):
        found |= {os.path.join(folder, f) for f in files}
    return found


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 80, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def upload(content: bytes, name="s.jpg"):
    from django.core.files.base import ContentFile

    return ContentFile(content, name=name)


def test_a_snapshot_is_stored_re_encoded_without_exif_gps(client, kiosk):
    original = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    body = {"event_id": "g-1", "snapshot": base64.b64encode(original).decode()}
    assert signed_post(client, kiosk, body).status_code == 201
    sos = SosEvent.objects.get()
    with sos.snapshot.open("rb") as handle:
        stored = handle.read()
    assert stored != original
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif()  # neither GPS nor the camera make survived
    assert sos.snapshot.name.endswith(".jpg") and "s.jpg" not in sos.snapshot.name


def test_a_png_snapshot_is_served_as_png(client, officer_client, kiosk):
    body = {"event_id": "p-1", "snapshot": base64.b64encode(png_bytes()).decode()}
    assert signed_post(client, kiosk, body).status_code == 201
    sos = SosEvent.objects.get()
    assert sos.snapshot.name.endswith(".png")
    response = officer_client.get(sos.snapshot.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).format == "PNG"


def test_a_duplicate_that_loses_the_unique_constraint_leaves_no_snapshot_file(kiosk):
    before = snapshot_files()
    first, created = services.sos_receive(
        kiosk=kiosk, client_event_id="dup", snapshot=upload(jpeg_bytes())
    )
    assert created
    files = snapshot_files()
    assert len(files - before) == 1
    # A retry (nothing is checked before the insert) fails on the unique constraint before
    # its snapshot is written, and returns the first row.
    again, created = services.sos_receive(
        kiosk=kiosk, client_event_id="dup", snapshot=upload(jpeg_bytes(colour=(1, 2, 3)))
    )
    assert not created and again.pk == first.pk
    assert snapshot_files() == files
    assert SosEvent.objects.count() == 1


def test_a_rolled_back_sos_leaves_no_snapshot_file(kiosk, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(services, "event_record", broken)
    before = snapshot_files()
    with pytest.raises(RuntimeError):
        services.sos_receive(kiosk=kiosk, client_event_id="rb", snapshot=upload(jpeg_bytes()))
    assert not SosEvent.objects.exists()
    assert snapshot_files() == before


def test_a_snapshot_that_decodes_but_is_not_a_photo_is_a_400_and_stores_nothing(client, kiosk):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "GIF")  # Pillow opens it; not a photo format here
    body = {"event_id": "gif", "snapshot": base64.b64encode(buffer.getvalue()).decode()}
    before = snapshot_files()
    response = signed_post(client, kiosk, body)
    assert response.status_code == 400 and "snapshot" in response.json()
    assert not SosEvent.objects.exists()
    assert snapshot_files() == before
