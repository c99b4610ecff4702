"""Capture times of a live stream stay right over hours (cctv.pipeline.live.CaptureClock):
synthetic timestamps of a camera whose clock runs slow, or jumps, against the wall clock."""

import numpy as np

from cctv.pipeline.live import CaptureClock

FPS = 10


def _frames(hours: float, rate: float, seed: int = 0, fps: float = FPS):
    """(true capture time, stream timestamp, arrival) of every frame: the camera's clock runs
    at RATE times the wall clock; each frame arrives 20-120 ms after capture (network,
    decoding), with now and then a frame 1.5 s late (a stall). Hours are sampled at FPS frames
    a second (the analysis's rate, not the camera's, to keep the test quick)."""
    rng = np.random.default_rng(seed)
    start = 1_800_000_000.0
    for i in range(int(hours * 3600 * fps)):
        true_t = start + i / fps
        late = 1.5 if rng.random() < 0.001 else rng.uniform(0.02, 0.12)
        yield true_t, (true_t - start) * rate + 3.0, true_t + late


def _worst_error(frames, clock: CaptureClock, after_s: float = 0.0) -> float:
    worst, first = 0.0, None
    for true_t, stream_t, arrived in frames:
        first = true_t if first is None else first
        clock.note(stream_t, arrived)
        if true_t - first >= after_s:
            worst = max(worst, abs(clock.capture(stream_t) - true_t))
    return worst


def test_a_camera_clock_running_slow_is_followed_for_hours():
    # 300 ppm slow: 3.2 s behind the wall clock after 3 hours, if anchored once.
    assert _worst_error(_frames(3, 1 - 300e-6, fps=2), CaptureClock()) < 0.15


def test_a_camera_clock_running_fast_is_followed_for_hours():
    assert _worst_error(_frames(3, 1 + 300e-6, seed=1, fps=2), CaptureClock()) < 0.15


def test_a_late_frame_now_and_then_does_not_move_the_stamps():
    assert _worst_error(_frames(0.5, 1.0, seed=2), CaptureClock()) < 0.13


def test_a_jump_in_the_stream_timestamps_is_followed():
    frames = list(_frames(0.2, 1.0, seed=3))
    # Forward: at once (the least delay falls).
    clock = CaptureClock()
    _worst_error(frames[:1800], clock)
    forward = [(t, s + 5.0, a) for t, s, a in frames[1800:]]
    assert _worst_error(forward, clock) < 0.13
    # Back 5 s (the camera's clock reset): within the window, not hours later.
    clock = CaptureClock(window_s=60)
    _worst_error(frames[:1800], clock)
    back = [(t, s - 5.0, a) for t, s, a in frames[1800:]]
    assert _worst_error(back, clock, after_s=61.0) < 0.13
