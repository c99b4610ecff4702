"""Judge whether a detected face is good enough to compare with the watchlist.

A face too small, too blurred, turned too far or detected too weakly gives an embedding that
lies near strangers as often as near the person (the look-alike alerts of issue 17 were all
small, low-quality faces), so such a face is tracked but never matched. The defaults were
measured with bench/face_accuracy.py on the photos in tests/cctv/photos (see cctv/README.md).
"""

from dataclasses import dataclass

import cv2
import numpy as np

# Width of the detector's box in frame pixels below which a face is not compared: at 32 px
# strangers came to 0.58 of an enrolled photo, at 40 px no nearer than 0.635.
MIN_FACE_WIDTH_PX = 36
# Variance of the Laplacian of the aligned 150 x 150 grey crop below which it is too blurred:
# sharp 40 px faces measured 15-33 (10th percentile, median), the same blurred by 1 px 4-6.
MIN_SHARPNESS = 10.0
# The nose's sideways offset from the eyes' midpoint, over the distance between the eyes: up to
# 0.73 on the (roughly frontal) test photos; a profile is above 1. Not measured on profiles.
MAX_YAW = 0.8
MIN_DETECTOR_SCORE = 0.7

SMALL, BLURRED, TURNED, WEAK = "small", "blurred", "turned", "weak"


@dataclass(frozen=True)
class QualityFloor:
    """The settings a face must meet to be compared."""

    min_width_px: int = MIN_FACE_WIDTH_PX
    min_sharpness: float = MIN_SHARPNESS
    max_yaw: float = MAX_YAW
    min_score: float = MIN_DETECTOR_SCORE

    @classmethod
    def from_settings(cls, settings) -> "QualityFloor":
        """Return the floor set by CCTV_FACE_MIN_WIDTH_PX, _MIN_SHARPNESS, _MAX_YAW, _MIN_SCORE."""
        return cls(
            min_width_px=int(getattr(settings, "CCTV_FACE_MIN_WIDTH_PX", MIN_FACE_WIDTH_PX)),
            min_sharpness=float(getattr(settings, "CCTV_FACE_MIN_SHARPNESS", MIN_SHARPNESS)),
            max_yaw=float(getattr(settings, "CCTV_FACE_MAX_YAW", MAX_YAW)),
            min_score=float(getattr(settings, "CCTV_FACE_MIN_SCORE", MIN_DETECTOR_SCORE)),
        )

    def before_alignment(self, face) -> str | None:
        """Return why FACE cannot be judged from its box and landmarks alone, or None."""
        if face.w < self.min_width_px:
            return SMALL
        if face.score < self.min_score:
            return WEAK
        if yaw(face) > self.max_yaw:
            return TURNED
        return None

    def of_chip(self, chip: np.ndarray) -> str | None:
        """Return BLURRED if the aligned crop CHIP is too blurred to judge, else None."""
        return BLURRED if sharpness(chip) < self.min_sharpness else None


def yaw(face) -> float:
    """Return how far FACE is turned: 0 frontal, about 1 in profile (0 if no landmarks)."""
    if len(face.landmarks) < 6:
        return 0.0
    rx, ry, lx, ly, nx, _ny = face.landmarks[:6]
    eyes = float(np.hypot(lx - rx, ly - ry))
    if eyes < 1.0:
        return 1.0
    return abs(nx - (rx + lx) / 2.0) / eyes


def sharpness(chip: np.ndarray) -> float:
    """Return the variance of the Laplacian of CHIP (grey or colour)."""
    grey = chip if chip.ndim == 2 else cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())
