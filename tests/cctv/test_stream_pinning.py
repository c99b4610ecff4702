"""Camera streams open at the address that passed the checks (no second DNS lookup by FFmpeg),
and with network protocols only: a camera cannot send FFmpeg to a local file."""

import socket

import cv2
import numpy as np
import pytest

from cctv import services
from cctv.camera_io import SnapshotError, stream_check
from cctv.models import Camera
from cctv.pipeline.video import VideoError, grab_one_frame
from smartzone import net
from tests.cctv.servers import CameraServer, RecordingServer

FRAMES = [np.full((48, 64, 3), 40 * i, np.uint8) for i in range(3)]


def stream_camera(site, url: str, **credentials) -> Camera:
    return services.camera_save(
        actor="test",
        camera=Camera(
            station=site.station,
            site=site,
            code="cam-pin",
            name="Pinned",
            lat=16.5447,
            lng=104.7258,
            stream_url=url,
            **credentials,
        ),
    )


@pytest.fixture
def rebinding_name(monkeypatch):
    """A name only our check can resolve (to loopback); any lookup after the first answers
    the metadata address, as a rebinding DNS server would. FFmpeg's own resolver (C, not
    Python) cannot resolve it at all: only a pinned URL reaches the camera."""
    real, answers = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "camera.rebind.test":
            return real(host, port, *args, **kwargs)
        answers.append(host)
        address = "127.0.0.1" if len(answers) == 1 else "169.254.169.254"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_stream_is_opened_at_the_checked_address_with_its_credentials(site, rebinding_name):
    with CameraServer(FRAMES, password="s3cret:pw", loops=50) as server:
        camera = stream_camera(
            site,
            f"http://camera.rebind.test:{server.port}/stream.mjpg",
            username="admin",
            password="s3cret:pw",
        )
        source = stream_check(camera)
        assert "camera.rebind.test" not in source
        assert f"@127.0.0.1:{server.port}/stream.mjpg" in source
        frame = grab_one_frame(source, timeout_s=5)
    assert frame is not None and frame.shape[:2] == (48, 64)
    assert len(rebinding_name) == 1  # looked up once, by the check
    assert server.requests and server.requests[0].startswith("/stream.mjpg")


def test_a_name_that_resolves_to_a_refused_address_is_refused_before_opening(site, settings):
    settings.CAMERA_NETWORKS = []
    camera = stream_camera(site, "rtsp://localhost:554/stream1")
    with pytest.raises(SnapshotError):
        stream_check(camera)


def test_the_pinned_url_keeps_the_login_as_written_and_brackets_an_ipv6_address():
    target = net.Target("rtsp", "cam.example", 8554, "fd00::5", "/s")
    assert (
        net.pinned_url("rtsp://ad%40min:p%3Aw@cam.example:8554/s?x=1", target)
        == "rtsp://ad%40min:p%3Aw@[fd00::5]:8554/s?x=1"
    )
    plain = net.Target("http", "cam.example", 80, "203.0.113.7", "/")
    assert net.pinned_url("http://cam.example/m.mjpg", plain) == "http://203.0.113.7:80/m.mjpg"


@pytest.fixture
def clip(tmp_path):
    path = str(tmp_path / "local.avi")
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 5, (64, 48))
    for frame in FRAMES:
        writer.write(frame)
    writer.release()
    return path


def test_a_file_or_concat_url_is_refused_while_a_local_clip_still_opens(clip):
    assert grab_one_frame(clip).shape[:2] == (48, 64)  # a path: opened as ever
    for smuggled in (f"file:{clip}", f"concat:{clip}|{clip}"):
        with pytest.raises(VideoError):
            grab_one_frame(smuggled, timeout_s=3)
        # the same URL without the protocol whitelist opens: the whitelist is what refuses it
        capture = cv2.VideoCapture(smuggled, cv2.CAP_FFMPEG)
        assert capture.isOpened(), smuggled
        capture.release()


def test_a_camera_that_redirects_ffmpeg_to_a_local_file_gets_nothing(site, clip):
    with RecordingServer(location=f"file://{clip}") as server:
        camera = stream_camera(site, f"{server.base}/stream.mjpg")
        with pytest.raises(VideoError):
            grab_one_frame(stream_check(camera), timeout_s=3)
    assert server.headers  # FFmpeg asked the camera, and did not follow it to the file
