"""Face detection with YuNet (libfacedetection, from the `yuface` package; weights compiled in)."""

from dataclasses import dataclass

import cv2
import numpy as np
import yuface

# YuNet works best on frames up to about 640 px; larger frames are scaled down for detection
# and the boxes scaled back up.
DETECT_MAX_SIDE = 640
MIN_FACE_PX = 20


@dataclass(frozen=True)
class Face:
    """One detected face: box (x, y, w, h) in frame pixels and the detector's score 0..1."""

    x: int
    y: int
    w: int
    h: int
    score: float

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)

    @property
    def area(self) -> int:
        return self.w * self.h


def detect_faces(
    frame: np.ndarray, *, min_score: float = 0.6, max_side: int = DETECT_MAX_SIDE
) -> list[Face]:
    """Return the faces in FRAME (H x W x 3 BGR uint8, or H x W grey), best first."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    height, width = frame.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    small = frame
    if scale < 1.0:
        small = cv2.resize(frame, (round(width * scale), round(height * scale)), cv2.INTER_AREA)
    small = np.ascontiguousarray(small, dtype=np.uint8)
    result = yuface.c_detect(small)
    faces = []
    for row in result:
        score = float(row[0]) / 100.0
        if score < min_score:
            continue
        x, y, w, h = (float(v) / scale for v in row[1:5])
        x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
        x1, y1 = min(width, int(round(x + w))), min(height, int(round(y + h)))
        if x1 - x0 < MIN_FACE_PX or y1 - y0 < MIN_FACE_PX:
            continue
        faces.append(Face(x0, y0, x1 - x0, y1 - y0, score))
    faces.sort(key=lambda f: f.score, reverse=True)
    return faces
