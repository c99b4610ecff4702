# ruff: noqa: F811 (pytest fixtures imported from the matrix module)
"""Private files: report photos, watchlist photos, face crops, check-in photos, meeting files.

None lives under MEDIA_ROOT or has a URL; each is served by a view that checks the station,
with the headers of smartzone.media.private_file_response.
"""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import FileField
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from community import network_services
from smartzone.media import PrivateStorage, safe_filename
from tests.incidents.conftest import upload
from tests.test_access_matrix import world  # noqa: F401 (the objects of the matrix)

# kind -> (the route and its arguments, the file, content type, disposition, cache-control)
KINDS = {
    "report photo": (
        lambda w: reverse("incidents:photo", args=[w["report"].pk, w["report_photo"].pk]),
        lambda w: w["report_photo"].file,
        "image/jpeg",
        "inline",
        "private, no-store",
    ),
    "watchlist photo": (
        lambda w: reverse("cctv:photo_image", args=[w["entry_photo"].pk]),
        lambda w: w["entry_photo"].image,
        "image/jpeg",
        "inline",
        "private, no-store",
    ),
    "face crop": (
        lambda w: reverse("cctv:match_crop", args=[w["match"].pk]),
        lambda w: w["match"].crop,
        "image/jpeg",
        "inline",
        "private, no-store",
    ),
    "check-in photo": (
        lambda w: reverse("patrol:checkin-photo", args=[w["checkin"].pk]),
        lambda w: w["checkin"].photo,
        "image/jpeg",
        "inline",
        "private, no-store",
    ),
    "SOS kiosk snapshot": (
        lambda w: w["sos"].snapshot.url,
        lambda w: w["sos"].snapshot,
        "image/jpeg",
        "inline",
        "private, no-store",
    ),
    "meeting attachment": (
        lambda w: reverse("community:attachment-download", args=[w["attachment"].pk]),
        lambda w: w["attachment"].file,
        "application/pdf",
        "attachment",
        "private, max-age=0",
    ),
}


def body(response) -> bytes:
    return b"".join(response) if response.streaming else response.content


@pytest.mark.parametrize("kind", KINDS)
def test_only_the_station_gets_the_file_with_safe_headers(
    kind,
    world,
    officer,
    other_officer,
    citizen,  # noqa: F811
):
    url_of, file_of, content_type, disposition, cache_control = KINDS[kind]
    url = url_of(world)
    with file_of(world).open("rb") as fh:
        data = fh.read()
    assert len(data) > 10

    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and data not in body(anonymous)
    for outsider, code in ((citizen, 403), (other_officer, 404)):
        client = Client()
        client.force_login(outsider)
        answer = client.get(url)
        assert answer.status_code == code, outsider
        assert data not in body(answer)

    client = Client()
    client.force_login(officer)
    answer = client.get(url)
    assert answer.status_code == 200
    assert body(answer) == data
    assert answer["Content-Type"] == content_type
    assert answer["X-Content-Type-Options"] == "nosniff"
    assert answer["Cache-Control"] == cache_control
    head, _, filename = answer["Content-Disposition"].partition("; filename=")
    assert head == disposition
    assert filename.startswith('"') and filename.endswith('"') and filename.isascii()
    assert '"' not in filename[1:-1] and "/" not in filename


def file_fields():
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField):
                yield f"{model._meta.label}.{field.name}", field


def test_every_stored_file_is_private_and_outside_media_root(settings, tmp_path):
    settings.CCTV_PRIVATE_ROOT = tmp_path / "private"
    fields = dict(file_fields())
    assert {
        "incidents.ReportPhoto.file",
        "cctv.EnrollmentPhoto.image",
        "cctv.FaceMatch.crop",
        "patrol.CheckIn.photo",
        "sos.SosEvent.snapshot",
        "community.MeetingAttachment.file",
    } <= set(fields)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    for label, field in fields.items():
        storage = field.storage
        assert storage is not default_storage, f"{label} is stored in the public media folder"
        location = Path(storage.location).resolve()
        assert not location.is_relative_to(media_root), f"{label} is under MEDIA_ROOT"
        assert not media_root.is_relative_to(location), f"{label} holds MEDIA_ROOT"
        try:
            url = storage.url("x/a.jpg")
        except ValueError:
            continue  # no URL at all to leak into a page
        assert not url.startswith(settings.MEDIA_URL), label
        assert resolve(url).url_name, label  # a view of the site, which checks access


def test_nothing_serves_the_media_url(world, admin_user):  # noqa: F811
    name = world["report_photo"].file.name
    with pytest.raises(Resolver404):
        resolve(f"{settings.MEDIA_URL}{name}")
    client = Client()
    client.force_login(admin_user)
    for path in (f"{settings.MEDIA_URL}{name}", "/media/private/report-photos/" + name):
        assert client.get(path).status_code == 404


def test_a_meeting_file_with_a_thai_name_gets_a_safe_ascii_filename(
    world,
    supervisor,  # noqa: F811
):
    attachment = network_services.meeting_attachment_add(
        actor=supervisor,
        meeting_id=world["meeting"].pk,
        upload=upload('รายงาน "ประชุม"\r\n;x.pdf', b"%PDF-1.4 x", "application/pdf"),
    )
    assert isinstance(attachment.file.storage, PrivateStorage)
    client = Client()
    client.force_login(supervisor)
    answer = client.get(reverse("community:attachment-download", args=[attachment.pk]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == 'attachment; filename="x.pdf"'


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report-K247.jpg", "report-K247.jpg"),
        ("../../etc/passwd", "passwd"),
        ('a"b.pdf', "a-b.pdf"),
        ("ประชุม.pdf", "file.pdf"),
        ("a.b\\..\\c.png", "c.png"),
        ("รูป", "file"),
        ("Café menu.pdf", "Cafe-menu.pdf"),
    ],
)
def test_safe_filename(name, safe):
    assert safe_filename(name) == safe
