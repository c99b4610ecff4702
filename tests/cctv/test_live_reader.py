"""A live stream's reader that cannot decode as fast as the camera sends opens it again at the
live edge, so the watch stays seconds behind live instead of falling further for hours.

The camera is a stand-in for OpenCV's capture on a virtual clock (the real RTSP watches are in
test_live_watch_rtsp.py): frame i is sent at i / FPS after the stream was opened, and reading one
takes DECODE_S, never before it was sent.
"""

import numpy as np
import pytest

from cctv.pipeline import live
from cctv.pipeline.live import BEHIND_FOR_S, BEHIND_S, LiveStream
from tests.conftest import FakeClock

FPS, OPEN_S = 15.0, 1.0
PICTURE = np.zeros((8, 8, 3), np.uint8)


class Camera:
    def __init__(self, clock: FakeClock, decode_s: float, lags: list[float]):
        clock.now += OPEN_S  # opening and probing the stream
        self.clock, self.decode_s, self.lags = clock, decode_s, lags
        self.opened, self.index, self.sent = clock.now, 0, clock.now

    def isOpened(self) -> bool:
        return True

    def grab(self) -> bool:
        self.sent = self.opened + self.index / FPS
        self.clock.now = max(self.clock.now, self.sent) + self.decode_s
        self.index += 1
        return True

    def get(self, prop) -> float:
        return (self.index - 1) / FPS * 1000.0

    def retrieve(self):
        self.lags.append(self.clock.now - self.sent)  # how far behind its capture it is read
        return True, PICTURE

    def release(self) -> None:
        pass


def watch(monkeypatch, decode_s: float) -> tuple[LiveStream, list[float]]:
    clock, lags = FakeClock(), []
    monkeypatch.setattr(live, "time", clock)
    monkeypatch.setattr(LiveStream, "_open", lambda self: Camera(clock, decode_s, lags))
    stream = LiveStream("rtsp://camera.test/live", sample_fps=5, duration_s=120, classify=str)
    for _ in stream:
        pass
    return stream, lags


def test_a_reader_slower_than_the_camera_opens_the_stream_again_and_stays_near_live(monkeypatch):
    # Decoding takes 1.5 frames' time: without re-opening it would end the 2 minutes 60 s behind.
    stream, lags = watch(monkeypatch, decode_s=1.5 / FPS)
    assert stream.reconnects >= 5
    assert max(lags) < BEHIND_S + BEHIND_FOR_S
    assert stream.reason == ""  # the camera is fine: nothing for the technician to act on
    assert stream.lost_s == pytest.approx(stream.reconnects * OPEN_S, rel=0.2)


def test_a_reader_that_keeps_up_never_opens_the_stream_again(monkeypatch):
    stream, lags = watch(monkeypatch, decode_s=0.3 / FPS)
    assert stream.reconnects == 0
    assert max(lags) < 0.1
