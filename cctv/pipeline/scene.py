"""Tell whether a sampled frame shows anything new since the last one the detector looked at.

A fixed camera spends much of its time on an unchanged scene: an empty street, or people who
stand still. Detecting faces again in such a frame finds what the last detection found, so the
caller keeps those faces and skips the detector. The frame is compared, as a coarse grey grid
(each cell the mean of a 16 x 16 block), with the frame the detector last ran on, not with the
previous sample, so slow change adds up until it counts. Averaging a block removes sensor and
compression noise; anyone entering the view changes the cells they cover by far more.

The detector otherwise searches only around the change (see detect.py), so now and then the
whole frame is searched whatever the grid says: every WHOLE_EVERY_S seconds of stream time
(or, for callers that give no times, every `refresh_every` samples). A face that stands still
and was missed, or was never seen moving, is thus found within WHOLE_EVERY_S seconds however
fast the stream is sampled and however much else moves.
"""

import cv2
import numpy as np

CELL_PX = 16
# Each cell's mean is taken over every SUBSAMPLE-th pixel of every SUBSAMPLE-th row: 16 of its
# 256 pixels are still plenty against noise. The sparse picture is taken with a nearest-pixel
# resize (0.4 ms for a 1920 x 1080 frame, against 1.6 ms for a numpy strided copy and 5.4 ms
# for averaging every pixel).
SUBSAMPLE = 4
CHANGE_LEVELS = 10.0  # grey levels (0-255) a cell's mean must move to count as change
# Seconds of stream time between whole-frame searches. A whole 1920 x 1080 search costs about
# 0.12 s of a core (bench/face_pipeline.py), against about 0.013 s for the region around one
# passer-by: every 3 s it is about a fifth of a quiet camera's cost, every 2 s a quarter. It
# bounds how long a face that stands still and was never detected goes unseen.
WHOLE_EVERY_S = 3.0
REFRESH_EVERY = 15  # samples, for callers without stream times: 3 s at 5 sampled fps


class SceneGate:
    def __init__(
        self,
        *,
        cell_px: int = CELL_PX,
        levels: float = CHANGE_LEVELS,
        whole_every_s: float = WHOLE_EVERY_S,
        refresh_every: int | None = None,
    ):
        """REFRESH_EVERY, if given, counts samples instead of seconds (1: search every sampled
        frame whole, the baseline the benches compare with)."""
        self.cell_px, self.levels = cell_px, levels
        self.whole_every_s, self.refresh_every = whole_every_s, refresh_every
        self._reference: np.ndarray | None = None
        self._since_whole = 0  # samples since the last whole-frame search
        self._whole_at: float | None = None  # stream time of the last whole-frame search
        self.detections = self.skips = self.wholes = 0
        # After needs_detection() returned True: the grid cells (True) that changed, or None
        # if the whole frame is to be searched (first frame, refresh).
        self.changed: np.ndarray | None = None

    def _grid(self, frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        size = (max(1, width // self.cell_px), max(1, height // self.cell_px))
        sparse = frame
        if self.cell_px % SUBSAMPLE == 0 and min(height, width) >= SUBSAMPLE * self.cell_px:
            sparse_size = (max(1, width // SUBSAMPLE), max(1, height // SUBSAMPLE))
            sparse = cv2.resize(frame, sparse_size, interpolation=cv2.INTER_NEAREST)
        grey = sparse if sparse.ndim == 2 else cv2.cvtColor(sparse, cv2.COLOR_BGR2GRAY)
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.int16)

    def forget(self) -> None:
        """Drop the reference: the next frame goes to the detector, searched whole."""
        self._reference = None

    def _whole_due(self, time_s: float | None) -> bool:
        if self.refresh_every is not None or time_s is None:
            return self._since_whole + 1 >= (self.refresh_every or REFRESH_EVERY)
        return self._whole_at is None or not (0 <= time_s - self._whole_at < self.whole_every_s)

    def needs_detection(self, frame: np.ndarray, time_s: float | None = None) -> bool:
        """Return True if FRAME (sampled at stream time TIME_S) must go to the detector, and
        remember it as the new reference; `changed` then says where to search."""
        grid = self._grid(frame)
        reference = self._reference
        whole = reference is None or reference.shape != grid.shape or self._whole_due(time_s)
        moved = None if whole else np.abs(grid - reference) > self.levels
        if not whole and not moved.any():
            self._since_whole += 1
            self.skips += 1
            return False
        if whole:
            self._since_whole, self._whole_at = 0, time_s
            self.wholes += 1
        else:
            self._since_whole += 1
        self.changed = moved
        self._reference = grid
        self.detections += 1
        return True
