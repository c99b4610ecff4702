"""Talk to cameras: fetch a snapshot (HTTP, basic auth) or one frame of the stream.

Every connection goes through `smartzone.net` (address checks, no redirects elsewhere, time and
size bounds). URLs with credentials are built here and never logged; errors name only the kind
of failure, never what answered.
"""

import base64

import cv2
import numpy as np
from django.utils.translation import gettext as _

from cctv.models import Camera
from cctv.pipeline.video import VideoError, grab_one_frame
from smartzone import net

MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024
STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")


class SnapshotError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def stream_check(camera: Camera) -> str:
    """Return the camera's stream URL, with its credentials, to open, or raise SnapshotError.

    OpenCV (FFmpeg) connects by itself and would look the name up again: the URL returned names
    the address that passed the checks instead of the host (a DNS answer that changes after
    the check reaches nothing else). FFmpeg does not check a TLS certificate by default, so an
    rtsps or https stream opens at the address as it did by name. The video pipeline opens it
    with network protocols only (smartzone.net.ffmpeg_options). Never log the result.
    """
    try:
        target = net.check_url(camera.stream_url, schemes=STREAM_SCHEMES)
    except net.FetchRefused as exc:
        raise SnapshotError(exc.reason) from None
    return net.pinned_url(camera.stream_source, target)


def fetch_snapshot(camera: Camera, *, timeout_s: float = 5.0) -> bytes:
    """Return the camera's current picture as JPEG bytes, or raise SnapshotError."""
    if camera.snapshot_url:
        headers = {}
        if camera.username:
            token = base64.b64encode(f"{camera.username}:{camera.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            data = net.fetch(
                camera.snapshot_url,
                headers=headers,
                timeout_s=timeout_s,
                max_bytes=MAX_SNAPSHOT_BYTES,
            )
        except net.FetchRefused as exc:
            raise SnapshotError(exc.reason) from None
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
        if frame is None:
            raise SnapshotError(_("The camera did not send a picture."))
    elif camera.stream_url:
        source = stream_check(camera)
        try:
            frame = grab_one_frame(source, timeout_s=timeout_s)
        except VideoError:
            raise SnapshotError(_("The camera did not send a picture.")) from None
    else:
        raise SnapshotError(_("The camera has no stream or snapshot address."))
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise SnapshotError(_("The camera did not send a picture."))
    return jpeg.tobytes()
