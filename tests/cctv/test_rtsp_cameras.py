"""The loopback RTSP cameras (tests/rtsp) serve what cameras serve, and OpenCV reads them."""

import cv2
import numpy as np
import pytest

from tests.rtsp import RtspServer, frames_launch, need_rtsp, write_frames

pytestmark = pytest.mark.rtsp


@pytest.fixture(scope="module")
def frame_dir(tmp_path_factory):
    need_rtsp()
    frames = [np.full((360, 640, 3), 40 * i, np.uint8) for i in range(5)]
    return write_frames(frames, tmp_path_factory.mktemp("rtsp-frames"))


@pytest.mark.parametrize("codec, auth", [("h264", "digest"), ("h265", "basic")])
def test_a_camera_serves_its_codec_behind_its_login(frame_dir, codec, auth):
    with RtspServer(
        {"/cam": frames_launch(frame_dir, fps=10, codec=codec)},
        user="admin",
        password="p@ss:word",
        auth=auth,
    ) as camera:
        refused = cv2.VideoCapture(camera.url("/cam", password="wrong"), cv2.CAP_FFMPEG)
        assert not refused.isOpened()

        capture = cv2.VideoCapture(camera.url("/cam"), cv2.CAP_FFMPEG)
        ok, frame = capture.read()
        assert ok and frame.shape == (360, 640, 3)
        assert camera.open_clients == 1 and "/cam" in camera.playing
        capture.release()
        camera.wait_for(lambda server: server.open_clients == 0)
