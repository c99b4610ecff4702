"""Talk to cameras: fetch a snapshot (HTTP, basic auth) or one frame of the stream.

URLs with credentials are built here and never logged; errors name only the kind of failure.
"""

import base64
import urllib.request

import cv2
import numpy as np

from cctv.models import Camera
from cctv.pipeline.video import VideoError, grab_one_frame

MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024


class SnapshotError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def fetch_snapshot(camera: Camera, *, timeout_s: float = 5.0) -> bytes:
    """Return the camera's current picture as JPEG bytes, or raise SnapshotError."""
    if camera.snapshot_url and camera.snapshot_url.startswith(("http://", "https://")):
        request = urllib.request.Request(camera.snapshot_url)  # noqa: S310 (scheme checked)
        if camera.username:
            token = base64.b64encode(f"{camera.username}:{camera.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
                data = response.read(MAX_SNAPSHOT_BYTES + 1)
        except Exception as exc:
            raise SnapshotError(f"snapshot failed: {type(exc).__name__}") from None
        if not data or len(data) > MAX_SNAPSHOT_BYTES:
            raise SnapshotError("snapshot failed: empty or too large")
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise SnapshotError("snapshot failed: not an image")
    elif camera.stream_url:
        try:
            frame = grab_one_frame(camera.stream_source, timeout_s=timeout_s)
        except VideoError as exc:
            raise SnapshotError(f"stream: {exc.reason}") from None
    else:
        raise SnapshotError("no stream or snapshot URL")
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise SnapshotError("snapshot failed: cannot encode")
    return jpeg.tobytes()
