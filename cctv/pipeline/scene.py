"""Tell whether a sampled frame shows anything new since the last one the detector looked at.

A fixed camera spends much of its time on an unchanged scene: an empty street, or people who
stand still. Detecting faces again in such a frame finds what the last detection found, so the
caller keeps those faces and skips the detector. The frame is compared, as a coarse grey grid
(each cell the mean of a 16 x 16 block), with the frame the detector last ran on, not with the
previous sample, so slow change adds up until it counts. Averaging a block removes sensor and
compression noise; anyone entering the view changes the cells they cover by far more. A refresh
interval runs the detector now and then whatever the grid says, and over the whole frame now
and then even while something keeps moving (the detector otherwise searches only around the
change, see detect.py), so that a face missed once is looked for again.
"""

import cv2
import numpy as np

CELL_PX = 16
# Each cell's mean is taken over every SUBSAMPLE-th pixel of every SUBSAMPLE-th row: 16 of its
# 256 pixels are still plenty against noise, and the grid costs a quarter (1.3 ms instead of
# 5.4 ms for a 1920 x 1080 frame).
SUBSAMPLE = 4
CHANGE_LEVELS = 10.0  # grey levels (0-255) a cell's mean must move to count as change
REFRESH_EVERY = 10  # samples: at 5 per second, the detector runs at least every 2 s


class SceneGate:
    def __init__(
        self,
        *,
        cell_px: int = CELL_PX,
        levels: float = CHANGE_LEVELS,
        refresh_every: int = REFRESH_EVERY,
    ):
        self.cell_px, self.levels, self.refresh_every = cell_px, levels, refresh_every
        self._reference: np.ndarray | None = None
        self._skipped = 0
        self._since_whole = 0
        self.detections = self.skips = 0
        # After needs_detection() returned True: the grid cells (True) that changed, or None
        # if the whole frame is to be searched (first frame, refresh).
        self.changed: np.ndarray | None = None

    def _grid(self, frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        size = (max(1, width // self.cell_px), max(1, height // self.cell_px))
        step = SUBSAMPLE if self.cell_px % SUBSAMPLE == 0 else 1
        sparse = np.ascontiguousarray(frame[::step, ::step])
        grey = sparse if sparse.ndim == 2 else cv2.cvtColor(sparse, cv2.COLOR_BGR2GRAY)
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA).astype(np.int16)

    def forget(self) -> None:
        """Drop the reference: the next frame goes to the detector."""
        self._reference = None

    def needs_detection(self, frame: np.ndarray) -> bool:
        """Return True if FRAME must go to the detector (and remember it as the new reference)."""
        grid = self._grid(frame)
        reference = self._reference
        whole = (
            reference is None
            or reference.shape != grid.shape
            or self._skipped + 1 >= self.refresh_every
        )
        moved = None if whole else np.abs(grid - reference) > self.levels
        if whole or moved.any():
            self._since_whole += 1
            if self._since_whole >= self.refresh_every:
                moved = None
            if moved is None:
                self._since_whole = 0
            self.changed = moved
            self._reference, self._skipped = grid, 0
            self.detections += 1
            return True
        self._skipped += 1
        self.skips += 1
        return False
