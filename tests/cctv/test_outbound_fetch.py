"""Credentials bound to the camera's host; every server-side fetch checked (smartzone.net)."""

import cv2
import numpy as np
import pytest
from django.utils import translation

from cctv import services
from cctv.models import Camera
from cctv.tasks import probe_camera
from smartzone import net
from tests.cctv.conftest import STREAM_SECRET
from tests.cctv.servers import RecordingServer

JPEG = cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes()


def snapshot_camera(site, url: str, stream_url: str = "") -> Camera:
    return services.camera_save(
        actor="test",
        camera=Camera(
            station=site.station,
            site=site,
            code="cam-snap",
            name="Snap",
            lat=16.5447,
            lng=104.7258,
            snapshot_url=url,
            stream_url=stream_url,
            username="admin",
            password=STREAM_SECRET,
        ),
    )


def edit_data(camera: Camera, **changes) -> dict:
    data = {
        "site": camera.site_id,
        "code": camera.code,
        "name": camera.name,
        "lat": camera.lat,
        "lng": camera.lng,
        "direction_deg": 0,
        "fov_deg": 90,
        "range_m": 40,
        "stream_url": camera.stream_url,
        "snapshot_url": camera.snapshot_url,
        "username": camera.username,
        "password": "",
    }
    return data | changes


@pytest.mark.parametrize("change", ["host", "scheme"])
def test_a_supervisor_who_moves_the_snapshot_elsewhere_sends_no_stored_password_there(
    supervisor_client, site, change
):
    with RecordingServer(jpeg=JPEG) as camera_host, RecordingServer(jpeg=JPEG) as elsewhere:
        camera = snapshot_camera(site, f"{camera_host.base}/snapshot.jpg")
        assert supervisor_client.get(f"/cctv/cameras/{camera.pk}/picture.jpg").status_code == 200
        assert camera_host.headers[-1]["Authorization"].startswith("Basic ")
        moved = (
            f"{elsewhere.base}/x.jpg"
            if change == "host"
            else f"https://127.0.0.1:{camera_host.port}/snapshot.jpg"
        )
        response = supervisor_client.post(
            f"/cctv/cameras/{camera.pk}/edit/", edit_data(camera, snapshot_url=moved)
        )
        assert response.status_code == 302
        camera.refresh_from_db()
        assert not camera.has_credentials and camera.password == ""
        supervisor_client.get(f"/cctv/cameras/{camera.pk}/picture.jpg")
    seen = elsewhere.headers if change == "host" else camera_host.headers[1:]
    for headers in seen:
        assert "Authorization" not in headers


def test_the_admin_also_forgets_the_password_when_the_stream_host_changes(admin_client, site):
    camera = snapshot_camera(site, "http://127.0.0.1:9/snapshot.jpg", "rtsp://127.0.0.1:554/live")
    assert camera.has_credentials
    data = edit_data(camera, station=site.station_id, stream_url="rtsp://127.0.0.2:554/live")
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client.post(f"/admin/cctv/camera/{camera.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    camera.refresh_from_db()
    assert camera.stream_url == "rtsp://127.0.0.2:554/live"
    assert not camera.has_credentials


def test_a_new_password_typed_with_the_new_address_is_kept(supervisor_client, site):
    camera = snapshot_camera(site, "http://127.0.0.1:9/snapshot.jpg")
    data = edit_data(camera, snapshot_url="http://127.0.0.3:9/s.jpg", password="fresh-one")
    assert supervisor_client.post(f"/cctv/cameras/{camera.pk}/edit/", data).status_code == 302
    camera.refresh_from_db()
    assert camera.username == "admin" and camera.password == "fresh-one"


def test_a_fetch_towards_loopback_is_refused_unless_the_camera_network_allows_it(
    settings, officer_client, site
):
    with RecordingServer(jpeg=JPEG) as server:
        camera = snapshot_camera(site, f"{server.base}/snapshot.jpg")
        settings.CAMERA_NETWORKS = []
        with translation.override("th"):
            response = officer_client.get(f"/cctv/cameras/{camera.pk}/picture.jpg")
        assert response.status_code == 502
        assert server.headers == []
        body = response.content.decode()
        assert "127.0.0.1" not in body and str(server.port) not in body
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in body)  # said in Thai
        settings.CAMERA_NETWORKS = ["127.0.0.0/8"]
        assert officer_client.get(f"/cctv/cameras/{camera.pk}/picture.jpg").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::1]:8080/",
        "http://0.0.0.0:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.1.2.3/",
    ],
)
def test_metadata_loopback_and_private_addresses_are_refused_before_connecting(settings, url):
    settings.CAMERA_NETWORKS = ["192.168.99.0/24"]
    with pytest.raises(net.FetchRefused) as refused:
        net.fetch(url, timeout_s=1)
    assert not refused.value.retryable


def test_metadata_stays_refused_even_when_every_network_is_opened(settings):
    settings.CAMERA_NETWORKS = ["0.0.0.0/0", "::/0"]
    with pytest.raises(net.FetchRefused):
        net.check_url("http://169.254.169.254/latest/meta-data/")


@pytest.mark.parametrize("where", ["metadata", "other port"])
def test_a_redirect_elsewhere_is_refused_and_gets_nothing(site, where):
    with RecordingServer(jpeg=JPEG) as target:
        location = {
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "other port": f"{target.base}/snapshot.jpg",
        }[where]
        with RecordingServer(location=location) as first:
            camera = snapshot_camera(site, f"{first.base}/snapshot.jpg")
            online, reason = probe_camera(camera)
    assert not online and "169.254" not in reason and str(target.port) not in reason
    assert target.headers == []  # nothing, credentials least of all, went to the other place
    assert first.headers[0]["Authorization"].startswith("Basic ")


def test_a_redirect_to_the_same_place_is_followed_with_the_credentials(site):
    with RecordingServer(location="/final.jpg", jpeg=JPEG) as server:
        camera = snapshot_camera(site, f"{server.base}/snapshot.jpg")
        assert probe_camera(camera) == (True, "")
    assert len(server.headers) == 2
    assert all(h["Authorization"].startswith("Basic ") for h in server.headers)


def test_a_stream_on_a_refused_address_is_not_opened(settings, site):
    camera = services.camera_save(
        actor="test",
        camera=Camera(
            station=site.station,
            site=site,
            code="cam-rtsp",
            name="Stream",
            lat=16.5447,
            lng=104.7258,
            stream_url=f"rtsp://admin:{STREAM_SECRET}@169.254.169.254:554/live",
        ),
    )
    online, reason = probe_camera(camera)
    assert not online and reason and "169.254" not in reason
    settings.CAMERA_NETWORKS = []
    camera.stream_url = "rtsp://127.0.0.1:1/live"
    assert probe_camera(camera)[0] is False


def test_a_body_larger_than_the_bound_is_refused():
    with RecordingServer(jpeg=b"x" * 5000) as server:
        with pytest.raises(net.FetchRefused):
            net.fetch(f"{server.base}/big", max_bytes=1000, timeout_s=2)
        assert net.fetch(f"{server.base}/big", max_bytes=5000, timeout_s=2) == b"x" * 5000
