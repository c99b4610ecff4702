"""Supervisors' pages for camera sites and cameras; the stream password is stored encrypted
and never shown back (item 7 of the issue)."""

import logging

import pytest
from django.db import connection
from django.test import Client

from cctv.models import Camera, CameraSite
from smartzone.models import AuditEntry, Event
from tests.cctv.conftest import STREAM_SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW_SECRET = "n3w-Str3am-Secret"  # noqa: S105


def camera_data(site, **changes):
    data = {
        "site": site.pk,
        "code": "cam-77",
        "name": "Night market 7",
        "lat": "16.5449",
        "lng": "104.7261",
        "direction_deg": "180",
        "fov_deg": "80",
        "range_m": "35",
        "stream_url": f"rtsp://viewer:{NEW_SECRET}@10.0.0.7:554/live",
        "snapshot_url": "http://10.0.0.7/snap.jpg",
        "username": "",
        "password": "",
        "make": "Hikvision",
        "model": "DS-2CD",
        "installed_on": "2025-06-01",
    }
    return data | changes


def stored_password_column(camera_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cctv_camera WHERE id = %s", [camera_id])
        return " ".join(str(value) for value in cursor.fetchone())


def test_a_supervisor_adds_a_site_and_a_camera_whose_password_is_stored_encrypted(
    supervisor_client, station, supervisor, site, caplog
):
    with caplog.at_level(logging.DEBUG):
        response = supervisor_client.post(
            "/cctv/sites/new/", {"name": "ตลาดไนท์", "lat": "16.545", "lng": "104.726"}
        )
        assert response.status_code == 302
        assert CameraSite.objects.filter(name="ตลาดไนท์", station=station).exists()
        response = supervisor_client.post("/cctv/cameras/new/", camera_data(site))
    assert response.status_code == 302
    camera = Camera.objects.get(code="cam-77")
    assert camera.station == station and camera.stream_url == "rtsp://10.0.0.7:554/live"
    assert camera.username == "viewer" and camera.password == NEW_SECRET
    assert NEW_SECRET in camera.stream_source
    row = stored_password_column(camera.pk)
    assert NEW_SECRET not in row and camera.password_encrypted in row
    assert AuditEntry.objects.filter(action="camera.created", actor=supervisor).exists()
    assert NEW_SECRET not in caplog.text
    for entry in AuditEntry.objects.all():
        assert NEW_SECRET not in str(entry.changes)
    for event in Event.objects.all():
        assert NEW_SECRET not in str(event.payload)


def test_the_edit_page_never_shows_the_password_and_a_blank_field_keeps_it(
    supervisor_client, camera
):
    page = supervisor_client.get(f"/cctv/cameras/{camera.pk}/edit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert STREAM_SECRET not in body and camera.password_encrypted not in body
    assert "A password is stored" in body
    data = camera_data(
        camera.site,
        code=camera.code,
        stream_url=camera.stream_url,
        snapshot_url=camera.snapshot_url,
        username="admin",
    )
    response = supervisor_client.post(f"/cctv/cameras/{camera.pk}/edit/", data)
    assert response.status_code == 302
    camera.refresh_from_db()
    assert camera.name == "Night market 7" and camera.password == STREAM_SECRET


def test_a_refused_form_does_not_echo_a_password_typed_into_the_url(supervisor_client, site):
    response = supervisor_client.post("/cctv/cameras/new/", camera_data(site, fov_deg="400"))
    assert response.status_code == 400
    assert "fov_deg" in response.context["form"].errors
    body = response.content.decode()
    assert NEW_SECRET not in body and "rtsp://10.0.0.7:554/live" in body
    assert not Camera.objects.filter(code="cam-77").exists()


def test_the_password_can_be_replaced_or_removed(supervisor_client, camera):
    data = camera_data(camera.site, code=camera.code, stream_url=camera.stream_url)
    supervisor_client.post(
        f"/cctv/cameras/{camera.pk}/edit/", data | {"username": "admin", "password": NEW_SECRET}
    )
    camera.refresh_from_db()
    assert camera.password == NEW_SECRET and NEW_SECRET not in stored_password_column(camera.pk)
    supervisor_client.post(
        f"/cctv/cameras/{camera.pk}/edit/", data | {"username": "", "clear_password": "on"}
    )
    camera.refresh_from_db()
    assert camera.password == "" and not camera.has_credentials


def test_an_officer_and_another_stations_supervisor_cannot_edit(
    officer_client, camera, site, other_station
):
    assert officer_client.get(f"/cctv/cameras/{camera.pk}/edit/").status_code == 403
    assert officer_client.post("/cctv/sites/new/", {"name": "x"}).status_code == 403
    from smartzone.models import OfficerProfile
    from tests.conftest import make_officer

    outsider = Client()
    outsider.force_login(make_officer("osup", other_station, OfficerProfile.Role.SUPERVISOR))
    assert outsider.get(f"/cctv/cameras/{camera.pk}/edit/").status_code == 404
    assert outsider.post(f"/cctv/sites/{site.pk}/edit/", {"name": "x"}).status_code == 404
    camera.refresh_from_db()
    assert camera.name == "Market gate 1"
