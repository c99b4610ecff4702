"""Group consecutive detections of one person on one camera into tracks.

A detection joins the open track whose last box overlaps it most (IoU) or whose centre is near,
provided the face still looks alike (a cheap grey-thumbnail correlation, so that a cut from one
person to another at the same spot starts a new track). A track not seen for `max_gap` sampled
frames, or for more than `max_gap_s` seconds (a live reader may skip frames, or a camera drop
for a while), is closed before the next frame's faces are assigned, so a face never joins a
track from seconds ago.
"""

from dataclasses import dataclass, field

import cv2
import numpy as np

from cctv.pipeline.detect import Face

THUMB = 24


def iou(a: tuple, b: tuple) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


def thumbnail(frame: np.ndarray, face: Face) -> np.ndarray:
    """Return a small zero-mean, unit-norm grey thumbnail of FACE for look-alike checks."""
    crop = frame[face.y : face.y + face.h, face.x : face.x + face.w]
    if crop.ndim == 3:
        crop = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(crop, (THUMB, THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return small / norm if norm else small


@dataclass
class Track:
    id: int
    start_frame: int
    start_time: float
    last_frame: int
    last_time: float
    face: Face
    thumb: np.ndarray
    best_face: Face
    best_frame: np.ndarray
    best_frame_index: int
    hits: int = 1
    data: dict = field(default_factory=dict)  # the caller's: embedding, match, ...

    def quality(self, face: Face) -> float:
        return face.score * face.area


class Tracker:
    """Assign detections of each sampled frame to tracks; report tracks as they close."""

    def __init__(
        self,
        *,
        max_gap: int = 5,
        max_gap_s: float | None = None,
        min_iou: float = 0.2,
        min_alike: float = 0.45,
    ):
        self.max_gap, self.min_iou, self.min_alike = max_gap, min_iou, min_alike
        self.max_gap_s = max_gap_s
        self.open: list[Track] = []
        self._next_id = 1
        self._sample = 0
        self._last_sample_of: dict[int, int] = {}

    def update(
        self, frame_index: int, time_s: float, frame: np.ndarray, faces: list[Face]
    ) -> tuple[list[Track], list[Track]]:
        """Feed one sampled frame; return (new tracks, closed tracks)."""
        self._sample += 1
        new, taken = [], set()
        stale = []
        if self.max_gap_s is not None:
            stale = [t for t in self.open if time_s - t.last_time > self.max_gap_s]
            self.open = [t for t in self.open if t not in stale]
        for face in faces:
            thumb = thumbnail(frame, face)
            best, best_overlap = None, 0.0
            for track in self.open:
                if track.id in taken:
                    continue
                overlap = iou(track.face.box, face.box)
                if overlap < self.min_iou and not self._near(track.face, face):
                    continue
                if float((track.thumb * thumb).sum()) < self.min_alike:
                    continue
                if overlap >= best_overlap:
                    best, best_overlap = track, overlap
            if best is None:
                track = Track(
                    id=self._next_id,
                    start_frame=frame_index,
                    start_time=time_s,
                    last_frame=frame_index,
                    last_time=time_s,
                    face=face,
                    thumb=thumb,
                    best_face=face,
                    best_frame=frame,
                    best_frame_index=frame_index,
                )
                self._next_id += 1
                self.open.append(track)
                new.append(track)
                taken.add(track.id)
                self._last_sample_of[track.id] = self._sample
                continue
            taken.add(best.id)
            best.face, best.thumb, best.hits = face, thumb, best.hits + 1
            best.last_frame, best.last_time = frame_index, time_s
            self._last_sample_of[best.id] = self._sample
            if best.quality(face) > best.quality(best.best_face):
                best.best_face, best.best_frame, best.best_frame_index = face, frame, frame_index
        closed = [t for t in self.open if self._sample - self._last_sample_of[t.id] >= self.max_gap]
        self.open = [t for t in self.open if t not in closed]
        return new, stale + closed

    def close_all(self) -> list[Track]:
        closed, self.open = self.open, []
        return closed

    def earliest_open_frame(self) -> int | None:
        return min((t.start_frame for t in self.open), default=None)

    @staticmethod
    def _near(a: Face, b: Face) -> bool:
        ax, ay = a.x + a.w / 2, a.y + a.h / 2
        bx, by = b.x + b.w / 2, b.y + b.h / 2
        return abs(ax - bx) < max(a.w, b.w) and abs(ay - by) < max(a.h, b.h)
