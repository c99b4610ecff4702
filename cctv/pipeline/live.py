"""Watch a live stream: keep up with it, survive it dropping, and say when frames were taken.

A reader thread grabs every frame the camera sends (so FFmpeg's buffer never fills) and hands
over the newest sampled one: frames are sampled by the stream's own clock (its timestamps), and
a sampled frame the analysis has not taken by the time the next is due is dropped and counted,
never queued. So the analysis is at most one frame behind live, however slow it is. The
frames FFmpeg buffered while opening the stream are read through, unsampled, to the live edge.

Each frame carries the wall time it was captured: the stream's timestamp mapped to wall time,
anchored at the live edge (not at the frames FFmpeg buffered while it spent seconds opening
and probing the stream, which come out late all at once): there, a frame's arrival less its
timestamp, at its least, is the stream's start in wall time plus the network's small delay
(`CaptureClock`). The least is taken over the last minute only, so a camera whose clock runs
slow is followed over hours of watching.

When the stream drops, or cannot be opened, the thread asks the camera why
(`rtsp.stream_reason`) and reconnects with backoff until the watch window ends; the seconds
without pictures are counted. A reader that stays behind live (BEHIND_S) opens the stream again.
"""

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

import cv2
import numpy as np

from cctv.pipeline import rtsp
from cctv.pipeline.video import VideoError
from smartzone.net import ffmpeg_options

CONNECTING, LIVE, RECONNECTING = "connecting", "live", "reconnecting"
# The stream is taken for dropped after this long without a frame (grab fails at once when the
# connection closes; a silent camera is caught by the read timeout).
STALL_S = 2.0
# While opening, FFmpeg reads seconds of frames to learn the stream; they come out at once.
# Sampling starts at the live edge: when a grab has to wait for the camera (or after CATCH_UP_S).
WAITED_S, CATCH_UP_S = 0.015, 5.0
# A reader that cannot decode as fast as the camera sends (a starved core) falls behind live,
# its backlog held in buffers; once it has been over BEHIND_S behind for BEHIND_FOR_S it opens
# the stream again at the live edge (the seconds skipped are counted as lost).
BEHIND_S, BEHIND_FOR_S = 3.0, 5.0


class CaptureClock:
    """Map a stream's timestamps (s) to the wall time its frames were captured.

    A frame read at the live edge arrives its (small, varying) network and decoding delay after
    it was captured, so arrival - timestamp is the stream's start in wall time plus that delay;
    its least over the last WINDOW_S is the offset (a sliding minimum: a late frame now and then
    does not move it). Over a window, a camera clock that runs slow or fast by a few hundred
    parts per million (seconds a day) drifts by milliseconds, so the stamps stay right over
    hours; a jump forward of the timestamps is followed at once, a jump back within WINDOW_S.

    A jump back is not followed sooner on purpose: frames arriving later than the offset says
    look the same whether the timestamps jumped or the reader is behind (starved of CPU, it
    reads a backlog, and when decoding takes longer than a frame's time even the pacing of the
    reads cannot tell), and following a backlog would stamp every alert late by it.
    """

    def __init__(self, window_s: float = 60.0):
        self.window_s = window_s
        self.offset: float | None = None
        self._lows: deque[tuple[float, float]] = deque()  # (arrival, delay), delays ascending

    def note(self, stream_t: float, arrived: float) -> None:
        """Note a frame of the live edge: timestamp STREAM_T arrived at wall time ARRIVED."""
        delay = arrived - stream_t
        lows = self._lows
        while lows and lows[-1][1] >= delay:
            lows.pop()
        lows.append((arrived, delay))
        while lows[0][0] < arrived - self.window_s:
            lows.popleft()
        self.offset = lows[0][1]

    def capture(self, stream_t: float) -> float:
        """The wall time the frame with timestamp STREAM_T was captured."""
        return stream_t + self.offset


class LiveStream:
    """Iterate (sample number, capture time - BASE in s, BGR frame) over a live stream until
    DURATION_S of wall time has passed; close() (or leaving the loop) stops the reader.

    Raise VideoError (with `code`) at once if the stream cannot be played for a lasting reason
    (login refused, no such stream, codec) before it ever played in this run; everything else
    is retried with backoff (BACKOFF_S doubling up to MAX_BACKOFF_S). ON_IDLE(stream) is called
    about once a second while no frame comes (heartbeat, cancellation: it may raise).
    """

    def __init__(
        self,
        url: str,
        *,
        sample_fps: float,
        duration_s: float,
        timeout_s: float = 10.0,
        start_index: int = 0,
        base: float | None = None,
        on_idle: Callable[["LiveStream"], None] | None = None,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        classify: Callable[[str], str] = rtsp.stream_reason,
    ):
        self.url, self.interval = url, 1.0 / sample_fps
        self.started = time.time()
        self.deadline = self.started + max(0.0, duration_s)
        self.base = self.started if base is None else base
        self.timeout_s, self.start_index, self.on_idle = timeout_s, start_index, on_idle
        self.backoff_s, self.max_backoff_s, self.classify = backoff_s, max_backoff_s, classify
        self.state, self.reason = CONNECTING, ""
        self.dropped = 0  # sampled frames replaced before the analysis could take them
        self.sampled = 0
        self.arrived = 0.0  # wall time the frame last handed over reached this process
        self.reconnects = 0  # times the stream dropped (or fell behind) and was opened again
        self._behind = False  # the last read ended because the reader fell behind live
        self._lost = 0.0
        self._down_since: float | None = None  # when the pictures stopped (or never came)
        self._fatal: VideoError | None = None
        self._slot: tuple[float, float, np.ndarray] | None = None
        self._done = False
        self._stop = threading.Event()
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="live-stream", daemon=True)

    # -- what the job shows ---------------------------------------------------------------

    @property
    def lost_s(self) -> float:
        """Seconds of the window without pictures so far (not connected, or reconnecting)."""
        down = self._down_since
        return self._lost + (max(0.0, min(time.time(), self.deadline) - down) if down else 0.0)

    # -- the analysis side ----------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple[int, float, np.ndarray]]:
        self._thread.start()
        index = self.start_index
        try:
            while True:
                with self._ready:
                    if self._slot is None and self._fatal is None and not self._done:
                        self._ready.wait(timeout=1.0)
                    item, self._slot = self._slot, None
                if self._fatal is not None:
                    raise self._fatal
                if time.time() >= self.deadline or (item is None and self._done):
                    return
                if item is None:
                    if self.on_idle is not None:
                        self.on_idle(self)
                    continue
                captured, self.arrived, frame = item
                yield index, captured - self.base, frame
                index += 1
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.timeout_s + 5)

    # -- the reader thread ----------------------------------------------------------------

    def _run(self) -> None:
        wait, ever_live = self.backoff_s, False
        try:
            while not self._stop.is_set() and time.time() < self.deadline:
                asked = time.time()
                capture = self._open()
                if capture is not None:
                    try:
                        played = self._read(capture)
                    finally:
                        capture.release()
                    if played:
                        ever_live, wait = True, self.backoff_s
                        if self._stop.is_set() or time.time() >= self.deadline:
                            break
                        self.reconnects += 1
                        self._down_since = time.time()
                        self.state = RECONNECTING
                        # A reader that fell behind left a stream that still plays.
                        self.reason = "" if self._behind else self._why()
                        continue  # reconnect at once; back off if that fails
                if self._down_since is None:
                    self._down_since = asked
                reason = self._why()
                if not ever_live and reason in rtsp.LASTING:
                    self._fatal = VideoError(reason, code=reason)
                    return
                self.state, self.reason = RECONNECTING, reason
                self._stop.wait(min(wait, max(0.0, self.deadline - time.time())))
                wait = min(self.max_backoff_s, wait * 2)
        except Exception as exc:  # noqa: BLE001 - handed to the analysis thread
            self._fatal = VideoError(
                f"stream reader failed: {type(exc).__name__}", code=rtsp.STOPPED
            )
        finally:
            down = self._down_since
            if down is not None:
                self._lost += max(0.0, min(time.time(), self.deadline) - down)
                self._down_since = None
            with self._ready:
                self._done = True
                self._ready.notify_all()

    def _why(self) -> str:
        try:
            return self.classify(self.url) or rtsp.STOPPED
        except Exception:  # noqa: BLE001 - a probe that breaks says nothing
            return rtsp.STOPPED

    def _open(self) -> cv2.VideoCapture | None:
        ms = int(self.timeout_s * 1000)
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
        # Network protocols only (smartzone.net); RTSP over TCP: over UDP a reader thread
        # starved of CPU for a moment (a shared machine) loses packets, and pictures with them.
        tcp = "rtsp_transport;tcp" if self.url.lower().startswith("rtsp") else ""
        with ffmpeg_options(self.url, tcp):
            capture = cv2.VideoCapture(self.url, cv2.CAP_FFMPEG, params)
        if capture.isOpened():
            return capture
        capture.release()
        return None

    def _read(self, capture: cv2.VideoCapture) -> bool:
        """Read CAPTURE until it fails, the window ends or close(); return True if it played."""
        clock = CaptureClock()
        last_t = last_w = next_due = None
        failing_since = behind_since = None
        self._behind = False
        played = at_edge = False
        opened = time.time()
        while not self._stop.is_set():
            before = time.time()
            if before >= self.deadline:
                return played
            ok = capture.grab()
            now = time.time()
            at_edge = at_edge or now - before >= WAITED_S or now - opened >= CATCH_UP_S
            if not ok:
                failing_since = failing_since or now
                if now - failing_since >= STALL_S or not played:
                    return played
                time.sleep(0.02)
                continue
            failing_since = None
            position = capture.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if last_t is None or position > last_t:
                stream_t = position
            else:  # no timestamps (or a repeated one): the stream's clock is the arrival time
                stream_t = last_t + max(0.001, now - last_w)
            if at_edge:
                # At the live edge a frame arrives as soon as it is sent (CaptureClock).
                clock.note(stream_t, now)
                if now - clock.capture(stream_t) <= BEHIND_S:
                    behind_since = None
                elif now - (behind_since := behind_since or now) >= BEHIND_FOR_S:
                    self._behind = True
                    return played
            last_t, last_w = stream_t, now
            if not played:
                played = True
                if self._down_since is not None:
                    self._lost += max(0.0, now - self._down_since)
                    self._down_since = None
                self.state, self.reason = LIVE, ""
            if not at_edge or (next_due is not None and stream_t + 0.005 < next_due):
                continue
            next_due = next_due + self.interval if next_due is not None else stream_t
            if next_due <= stream_t:
                next_due = stream_t + self.interval
            ok, frame = capture.retrieve()
            if not ok or frame is None:
                continue
            with self._ready:
                if self._slot is not None:
                    self.dropped += 1
                self._slot = (clock.capture(stream_t), now, frame)
                self.sampled += 1
                self._ready.notify_all()
        return played
