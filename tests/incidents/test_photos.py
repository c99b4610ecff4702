"""Photos: only real images up to 10 MB, no decompression bombs, EXIF GPS stripped; a refused
photo leaves no report, no photo row and no file behind."""

import io

import pytest
from PIL import ExifTags, Image

from incidents.models import Report, ReportPhoto
from smartzone.models import AuditEntry, Event
from tests.incidents.conftest import IN_ZONE, jpeg_bytes, stored_photo_files, upload


def form_data(category, **extra):
    return {
        "kind": "report",
        "category": category.pk,
        "description": "มีคนงัดรถ",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
        "idempotency_key": extra.pop("key", "photo-test"),
    } | extra


def assert_nothing_saved(before_files):
    assert Report.objects.count() == 0
    assert ReportPhoto.objects.count() == 0
    assert not AuditEntry.objects.filter(action="report.submitted").exists()
    assert not Event.objects.filter(kind="report.submitted").exists()
    assert stored_photo_files() == before_files


@pytest.mark.parametrize(
    "bad, message",
    [
        ("not_an_image", "is not a JPEG, PNG, WebP or HEIC photo"),
        ("huge", "larger than 10 MB"),
        ("bomb", "too large (too many pixels)"),
    ],
)
def test_a_bad_photo_is_refused_with_a_reason_and_nothing_is_saved(
    bad, message, client, zone, theft, photo, not_an_image, huge_png, bomb_png
):
    bad_file = {
        "not_an_image": not_an_image,
        "huge": upload("big.png", huge_png, "image/png"),
        "bomb": upload("small.png", bomb_png, "image/png"),
    }[bad]
    if bad == "huge":
        assert len(huge_png) > 29 * 1024 * 1024
    before = stored_photo_files()
    client.cookies.load({"django_language": "en"})
    response = client.post(
        "/report/", form_data(theft, photos=[photo, bad_file]), HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert bad_file.name in response.content.decode()
    assert_nothing_saved(before)


def test_the_api_refuses_a_bad_photo_with_the_field_and_reason(
    client, zone, theft, photo, bomb_png
):
    before = stored_photo_files()
    client.cookies.load({"django_language": "en"})
    response = client.post(
        "/api/v1/reports/",
        {
            "category": "theft",
            "description": "x",
            "lat": IN_ZONE[0],
            "lng": IN_ZONE[1],
            "photos": [photo, upload("bomb.png", bomb_png, "image/png")],
        },
    )
    assert response.status_code == 400
    assert "too many pixels" in " ".join(response.json()["photos"])
    assert_nothing_saved(before)


def test_a_failure_after_the_photos_were_written_removes_their_files(
    zone, theft, photo, monkeypatch
):
    from incidents import services

    def fail(*args, **kwargs):
        raise RuntimeError("disk full while auditing")

    monkeypatch.setattr(services, "audit_append_many", fail)
    before = stored_photo_files()
    with pytest.raises(RuntimeError):
        services.report_submit(
            kind="report",
            category=theft,
            description="x",
            lat=IN_ZONE[0],
            lng=IN_ZONE[1],
            photos=[photo],
        )
    assert_nothing_saved(before)


def test_exif_gps_is_not_in_the_stored_copy(client, zone, theft, gps_photo):
    original = Image.open(io.BytesIO(jpeg_bytes(gps=True)))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry GPS

    response = client.post("/report/", form_data(theft, photos=[gps_photo]))
    assert response.status_code == 302
    stored = ReportPhoto.objects.get()
    with stored.file.open("rb") as f:
        data = f.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert len(image.getexif()) == 0
    assert b"Exif" not in data and b"TestPhone" not in data
    assert stored.file.name.endswith(".jpg") and "with-gps" not in stored.file.name


def test_png_webp_and_heic_photos_are_accepted(client, zone, theft):
    import pillow_heif

    files = []
    for fmt, name in [("PNG", "a.png"), ("WEBP", "b.webp")]:
        buffer = io.BytesIO()
        Image.new("RGB", (20, 10), "blue").save(buffer, fmt)
        files.append(upload(name, buffer.getvalue(), "application/octet-stream"))
    heif = pillow_heif.from_pillow(Image.new("RGB", (20, 10), "green"))
    buffer = io.BytesIO()
    heif.save(buffer, quality=80)
    files.append(upload("c.heic", buffer.getvalue(), "image/heic"))

    response = client.post("/report/", form_data(theft, photos=files))
    assert response.status_code == 302, response.content.decode()[:2000]
    types = sorted(ReportPhoto.objects.values_list("content_type", flat=True))
    assert types == ["image/jpeg", "image/png", "image/webp"]


def test_more_than_five_photos_are_refused(client, zone, theft):
    photos = [upload(f"p{i}.jpg", jpeg_bytes()) for i in range(6)]
    client.cookies.load({"django_language": "en"})
    response = client.post("/report/", form_data(theft, photos=photos))
    assert response.status_code == 400
    assert "at most 5 photos" in response.content.decode()
    assert Report.objects.count() == 0
