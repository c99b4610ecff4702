"""Read frames from a clip or a live stream with OpenCV, sampled at a set rate."""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from smartzone.net import ffmpeg_options

DEFAULT_SAMPLE_FPS = 5.0


class VideoError(Exception):
    """A clip or stream could not be read; `reason` says why, in words for the job page.

    `frame` is the index of the first frame that could not be decoded when a clip broke part
    way, after earlier frames were read (None if nothing could be read). `code` sorts a live
    stream's failure (cctv.pipeline.rtsp: auth, unreachable, not_found, codec, stopped)."""

    def __init__(self, reason: str, frame: int | None = None, *, code: str = ""):
        super().__init__(reason)
        self.reason, self.frame, self.code = reason, frame, code


@dataclass(frozen=True)
class ClipInfo:
    frame_count: int
    fps: float
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps else 0.0


def _open(source: str, timeout_s: float) -> cv2.VideoCapture:
    params = [
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        int(timeout_s * 1000),
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        int(timeout_s * 1000),
    ]
    with ffmpeg_options(source):  # a stream: network protocols only (smartzone.net)
        capture = cv2.VideoCapture(source, cv2.CAP_FFMPEG, params)
    if not capture.isOpened():
        capture.release()
        if os.path.exists(source):
            raise VideoError("unreadable file: not a video, or a damaged or truncated one")
        raise VideoError("cannot open it: not a video, or an unreachable stream")
    return capture


def clip_info(path: str, *, whole: bool = True) -> ClipInfo:
    """Check that PATH is a readable video; return its frame count, rate and size.

    WHOLE: also check that its last frame decodes (else VideoError). Analysis reads what it
    can instead, and stops where the clip breaks."""
    capture = _open(path, 10.0)
    try:
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if count <= 0 or not fps or fps <= 0 or fps > 1000 or width <= 0:
            raise VideoError("not a video: no frames, frame rate or size could be read")
        ok, _ = capture.read()
        if not ok:
            raise VideoError("unreadable file: its first frame cannot be decoded")
        if not whole:
            return ClipInfo(count, fps, width, height)
        capture.set(cv2.CAP_PROP_POS_FRAMES, max(0, count - 1))
        ok, _ = capture.read()
        if not ok:
            raise VideoError(
                f"truncated or corrupt video: it claims {count} frames but the last cannot be read"
            )
        return ClipInfo(count, fps, width, height)
    finally:
        capture.release()


# Codecs whose every frame is a whole JPEG picture: their frames can be skipped unread.
_INTRA_JPEG = {"MJPG", "mjpg", "jpeg"}


def _fourcc(capture: cv2.VideoCapture) -> str:
    code = int(capture.get(cv2.CAP_PROP_FOURCC))
    return code.to_bytes(4, "little").decode("latin-1")


def _decode_packet(capture: cv2.VideoCapture) -> np.ndarray | None:
    ok, packet = capture.retrieve()
    if not ok or packet is None or not packet.size:
        return None
    return cv2.imdecode(packet.reshape(-1), cv2.IMREAD_COLOR)


def _jpeg_frames_stand_alone(path: str) -> bool:
    """True if the clip at PATH is motion-JPEG whose first frame decodes on its own, as a JPEG
    picture of the clip's size.

    Otherwise (interlaced capture cards store a frame as two half-height JPEG fields, which
    only a video decoder puts together) the clip is decoded frame by frame.
    """
    capture = _open(path, 10.0)
    try:
        size = (
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
        )
        if _fourcc(capture) not in _INTRA_JPEG or not capture.set(cv2.CAP_PROP_FORMAT, -1):
            return False
        picture = _decode_packet(capture) if capture.grab() else None
        return picture is not None and picture.shape[:2] == size
    finally:
        capture.release()


def _frame_reader(capture: cv2.VideoCapture, path: str) -> Callable[[], np.ndarray | None]:
    """Return a function that decodes the frame CAPTURE (of the clip at PATH) last grabbed, or
    returns None if it cannot.

    Most codecs must decode every frame, as later ones are built on earlier ones, so a grab
    decodes and the returned function only converts. A motion-JPEG clip's frames stand alone:
    the capture is switched to hand over the undecoded JPEG, and only the sampled frames are
    decoded (at 25 fps sampled at 5, a fifth of the decoding).
    """
    if _jpeg_frames_stand_alone(path) and capture.set(cv2.CAP_PROP_FORMAT, -1):
        return lambda: _decode_packet(capture)

    def convert() -> np.ndarray | None:
        ok, frame = capture.retrieve()
        return frame if ok else None

    return convert


def read_clip(
    path: str, *, sample_fps: float = DEFAULT_SAMPLE_FPS, start_frame: int = 0
) -> Iterator[tuple[int, float, np.ndarray]]:
    """Yield (frame index, time in s, BGR frame) for frames of the clip at PATH at SAMPLE_FPS.

    Sampled frames are those whose index is a multiple of the step, so a resumed read (from
    START_FRAME) sees exactly the frames a first read would have. Raise VideoError (with the
    frame it broke at) if the clip ends early or a frame cannot be decoded.
    """
    info = clip_info(path, whole=False)
    step = max(1, round(info.fps / sample_fps))
    capture = _open(path, 10.0)
    try:
        read = _frame_reader(capture, path)
        index = 0
        while index < start_frame:
            if not capture.grab():
                raise VideoError(
                    f"truncated video: it ends at frame {index} of {info.frame_count}", index
                )
            index += 1
        while index < info.frame_count:
            ok = capture.grab()
            if ok and index % step == 0:
                frame = read()
                if frame is None:
                    raise VideoError(f"corrupt video: frame {index} cannot be decoded", index)
                yield index, index / info.fps, frame
            if not ok:
                # Containers often over-count by a frame or two; more than that is damage.
                if info.frame_count - index > max(2, info.frame_count // 50):
                    raise VideoError(
                        f"truncated or corrupt video: frame {index} of {info.frame_count} "
                        "cannot be decoded",
                        index,
                    )
                return
            index += 1
    finally:
        capture.release()


def read_stream(
    url: str,
    *,
    sample_fps: float = DEFAULT_SAMPLE_FPS,
    duration_s: float,
    timeout_s: float = 10.0,
    start_index: int = 0,
    **live,
):
    """Return a LiveStream (cctv.pipeline.live) over URL for DURATION_S: (sample number,
    capture time in s, BGR frame), keeping up with live, reconnecting when the stream drops."""
    from cctv.pipeline.live import LiveStream

    return LiveStream(
        url,
        sample_fps=sample_fps,
        duration_s=duration_s,
        timeout_s=timeout_s,
        start_index=start_index,
        **live,
    )


def grab_one_frame(url: str, *, timeout_s: float = 5.0) -> np.ndarray:
    """Return one frame from a stream or image URL, or raise VideoError."""
    capture = _open(url, timeout_s)
    try:
        ok, frame = capture.read()
        if not ok or frame is None:
            raise VideoError("the stream opened but sent no frame")
        return frame
    finally:
        capture.release()
