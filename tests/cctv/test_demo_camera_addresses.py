"""The demo cameras sit on example addresses: their health says so at once, with no setting."""

import pytest

from cctv import demo
from cctv.models import Camera
from cctv.tasks import probe_camera
from smartzone import net
from smartzone.demo import seed as seed_core


@pytest.fixture
def demo_cameras(db, settings):
    settings.CAMERA_NETWORKS = []  # as a fresh install: nothing opened
    seed_core()
    demo.seed()
    return Camera.objects.filter(code__startswith="mdh-")


def test_a_demo_camera_is_offline_as_an_example_address_not_as_a_forbidden_one(
    demo_cameras, english
):
    assert demo_cameras.count() == 61
    hosts = {c.stream_url.split("/")[2].split(":")[0] for c in demo_cameras}
    assert all(h.startswith("192.0.2.") for h in hosts) and len(hosts) == 61
    online, reason = probe_camera(demo_cameras.first(), timeout_s=1)
    assert not online
    assert "example address" in reason
    assert "may not be reached" not in reason


def test_an_earlier_demos_private_placeholders_move_to_example_addresses(demo_cameras):
    camera = demo_cameras.get(code="mdh-01")
    Camera.objects.filter(pk=camera.pk).update(
        stream_url="rtsp://10.61.1.10:554/Streaming/Channels/101",
        snapshot_url="http://10.61.1.10/ISAPI/Streaming/channels/101/picture",
    )
    assert "camera mdh-01: example address" in demo.seed()
    camera.refresh_from_db()
    assert camera.stream_url.startswith("rtsp://192.0.2.1:554/")


def test_an_example_address_the_operator_opened_is_fetched_like_any_other(settings, english):
    with pytest.raises(net.FetchRefused, match="example address"):
        net.check_url("http://192.0.2.7/picture")
    settings.CAMERA_NETWORKS = ["192.0.2.0/24"]
    assert net.check_url("http://192.0.2.7/picture").address == "192.0.2.7"


def test_the_camera_list_says_why_a_camera_is_offline(demo_cameras, client):
    from cctv.tasks import camera_probe
    from tests.conftest import make_officer

    camera = demo_cameras.get(code="mdh-02")
    camera_probe(camera.pk)  # in Thai, as the worker stores it
    client.force_login(make_officer("tech", camera.station))
    page = client.get("/cctv/cameras/").content.decode()
    assert "ที่อยู่ตัวอย่าง" in page
