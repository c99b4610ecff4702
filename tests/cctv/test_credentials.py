"""Camera credentials never show: pages, API, admin, logs, audit, events (item 7)."""

import logging

import pytest

from cctv import services
from cctv.models import Camera
from cctv.tasks import camera_probe
from smartzone.models import AuditEntry, Event
from tests.cctv import faces
from tests.cctv.conftest import STREAM_SECRET
from tests.cctv.servers import CameraServer

pytestmark = pytest.mark.django_db


def test_credentials_in_a_url_are_moved_out_of_it(camera):
    assert "@" not in camera.stream_url and STREAM_SECRET not in camera.stream_url
    assert camera.username == "admin" and camera.password == STREAM_SECRET
    assert STREAM_SECRET in camera.stream_source  # only for the pipeline


def test_credentials_appear_in_no_page_api_admin_audit_or_event(
    client, officer, supervisor, admin_user, camera
):
    bodies = []
    for user in (officer, supervisor):
        client.force_login(user)
        for url in (
            "/cctv/cameras/",
            "/api/v1/cctv/cameras/",
            f"/api/v1/cctv/cameras/{camera.pk}/",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            bodies.append(response.content.decode())
    client.force_login(admin_user)
    for url in ("/admin/cctv/camera/", f"/admin/cctv/camera/{camera.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200
        bodies.append(response.content.decode())
    assert any("cam-01" in body for body in bodies)
    for body in bodies:
        assert STREAM_SECRET not in body
    for entry in AuditEntry.objects.all():
        assert STREAM_SECRET not in str(entry.changes)
    for event in Event.objects.all():
        assert STREAM_SECRET not in str(event.payload)


def test_a_probe_of_an_unreachable_camera_logs_no_credentials(camera, caplog):
    with caplog.at_level(logging.DEBUG):
        assert camera_probe(camera.pk) is False
    camera.refresh_from_db()
    assert camera.status == Camera.Status.OFFLINE
    assert STREAM_SECRET not in caplog.text and STREAM_SECRET not in camera.status_reason
    assert Event.objects.filter(kind="cctv.camera.offline").exists()


def test_the_current_picture_is_fetched_by_the_server_with_the_credentials(
    officer_client, site, caplog
):
    with CameraServer([faces.person_a()], password=STREAM_SECRET) as server:
        camera = services.camera_save(
            actor="test",
            camera=Camera(
                station=site.station,
                site=site,
                code="cam-9",
                name="Snap",
                lat=16.5447,
                lng=104.7258,
                snapshot_url=f"http://admin:{STREAM_SECRET}@127.0.0.1:{server.port}/snapshot.jpg",
            ),
        )
        with caplog.at_level(logging.DEBUG):
            response = officer_client.get(f"/cctv/cameras/{camera.pk}/picture.jpg")
            assert camera_probe(camera.pk) is True
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content[:2] == b"\xff\xd8"
    assert STREAM_SECRET not in caplog.text
    camera.refresh_from_db()
    assert camera.status == Camera.Status.ONLINE and camera.last_seen_at


def test_another_stations_officer_cannot_see_the_picture(other_officer_client, camera):
    assert other_officer_client.get(f"/cctv/cameras/{camera.pk}/picture.jpg").status_code == 404


def test_a_camera_that_sends_no_picture_says_so_in_thai_naming_nothing_that_answered(
    officer_client, camera
):
    response = officer_client.get(f"/cctv/cameras/{camera.pk}/picture.jpg")
    assert response.status_code in (502, 504)
    text = response.content.decode()
    assert "กล้องไม่ส่งภาพ" in text
    for revealing in ("Error", "snapshot", "http", "127.0.0.1", "stream", STREAM_SECRET):
        assert revealing not in text
