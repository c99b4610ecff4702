"""Face detection with YuNet (libfacedetection, from the `yuface` package; weights compiled in).

YuNet finds faces down to about 16 px wide. A photo is searched whole, shrunk to
DETECT_MAX_SIDE. A video frame, where the smallest face sought (`min_face_px`, in frame
pixels) would shrink below 16 px in that view, is searched at a finer scale instead, so a
40 px face in a 2688 x 1520 frame is seen at 20 px rather than 10; a small coarse pass finds
the faces too big for the fine one. When the scene gate says where the frame changed
(`changed`), only the regions around those changes are searched, cut out at the fine scale:
a passer-by costs the detector the pixels around them, not the whole frame. Boxes are mapped
back to frame pixels and de-duplicated (non-maximum suppression).
"""

import os
from dataclasses import dataclass

# YuNet runs on OpenMP threads. On a worker that runs one job per core they only contend: a
# 640 x 640 frame took 0.83 s with the default threads and 0.15 s with one, on 2 busy cores.
# One thread unless the operator sets OMP_NUM_THREADS; it must be set before libgomp loads.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import yuface  # noqa: E402

DETECT_MAX_SIDE = 640
MIN_FACE_PX = 20  # a box narrower than this (frame pixels) is dropped as noise
FIND_FACE_PX = 32  # the smallest face width, in frame pixels, the fine pass is sized for
YUNET_MIN_PX = 16  # the smallest face YuNet finds reliably
TILE_PX = 640  # tile side at the fine scale
TILE_OVERLAP_PX = 128  # > the largest face the coarse pass could miss, at the fine scale
# The coarse pass that goes with the fine one is there for faces too big for it (cut by its
# tiles, or beyond YuNet's largest anchors): it is shrunk so that a face COARSE_FACE_PX wide at
# the fine scale is twice YUNET_MIN_PX. Smaller faces are the fine pass's. (1/8 of a 1920 x
# 1080 frame: 6 ms, against 57 ms for the 640 px view it used to search.)
COARSE_FACE_PX = TILE_OVERLAP_PX
NMS_IOU = 0.4
# Regions searched around the scene gate's changed cells: widened by this much (frame pixels)
# so that a face whose edge moved is searched whole, at least this many pixels a side at the
# detection scale, and searched so only while they cover less than this share of the frame.
REGION_MARGIN_PX = 32
REGION_MIN_PX = 96
REGION_MAX_SHARE = 0.4


@dataclass(frozen=True)
class Face:
    """One detected face: box (x, y, w, h) in frame pixels, the detector's score 0..1, and its
    five landmarks (right eye, left eye, nose, right and left mouth corner) as x, y pairs."""

    x: int
    y: int
    w: int
    h: int
    score: float
    landmarks: tuple = ()

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)

    @property
    def area(self) -> int:
        return self.w * self.h


def _yunet(image: np.ndarray, scale: float, dx: int, dy: int, min_score: float) -> list:
    """Run YuNet on IMAGE (a view of the frame shrunk by SCALE, offset DX, DY in that view)."""
    found = []
    for row in yuface.c_detect(np.ascontiguousarray(image, dtype=np.uint8)):
        score = float(row[0]) / 100.0
        if score < min_score:
            continue
        points = [float(v) for v in row[1:15]]  # x, y, w, h, then 5 landmarks (x, y)
        for i in (0, *range(4, 14, 2)):
            points[i] += dx
            points[i + 1] += dy
        found.append((score, [v / scale for v in points]))
    return found


def _tiles(length: int, tile: int, step: int) -> list[int]:
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, step))
    return starts + [length - tile]


def _nms(found: list, iou_max: float) -> list:
    from cctv.pipeline.track import iou

    kept: list = []
    for item in sorted(found, key=lambda f: f[0], reverse=True):
        box = item[1][:4]
        if all(iou(box, other[1][:4]) <= iou_max for other in kept):
            kept.append(item)
    return kept


def detect_faces(
    frame: np.ndarray,
    *,
    min_score: float = 0.6,
    max_side: int = DETECT_MAX_SIDE,
    min_face_px: int | None = FIND_FACE_PX,
    changed: np.ndarray | None = None,
) -> list[Face]:
    """Return the faces in FRAME (H x W x 3 BGR uint8, or H x W grey), best first.

    CHANGED, if given, is a boolean grid over the frame (any shape): only the regions around
    True cells are searched (at the fine scale), or, when those regions are most of the frame,
    the fine-pass tiles that cover a True cell. MIN_FACE_PX None: the coarse pass only (photos).
    """
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    height, width = frame.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    fine = min(1.0, YUNET_MIN_PX / max(1, min_face_px)) if min_face_px else 0.0
    regions = None
    if changed is not None:
        regions = _regions(changed, width, height, max(scale, fine))
    if regions is not None:
        found = _search_regions(frame, regions, max(scale, fine), min_score)
    else:
        found = _search_whole(frame, scale, fine, changed, min_score)
    faces = []
    for score, points in found:
        x, y, w, h = points[:4]
        x0, y0 = max(0, int(round(x))), max(0, int(round(y)))
        x1, y1 = min(width, int(round(x + w))), min(height, int(round(y + h)))
        if x1 - x0 < MIN_FACE_PX or y1 - y0 < MIN_FACE_PX:
            continue
        faces.append(Face(x0, y0, x1 - x0, y1 - y0, score, tuple(points[4:14])))
    faces.sort(key=lambda f: f.score, reverse=True)
    return faces


def _shrink(image: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return image
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _search_whole(frame, scale: float, fine: float, changed, min_score: float) -> list:
    """The frame shrunk to SCALE; or, if FINE is finer, shrunk to FINE and searched whole (or
    in the tiles that cover a changed cell, when CHANGED leaves some out), plus a coarse pass
    for the faces too big for the fine view (see COARSE_FACE_PX)."""
    if fine <= scale * 1.01:
        return _yunet(_shrink(frame, scale), scale, 0, 0, min_score)
    view = _shrink(frame, fine)
    vh, vw = view.shape[:2]
    coarse = min(scale, fine * 2 * YUNET_MIN_PX / COARSE_FACE_PX)
    found = _yunet(_shrink(view, coarse / fine), coarse, 0, 0, min_score)
    step = TILE_PX - TILE_OVERLAP_PX
    tiles = [(tx, ty) for ty in _tiles(vh, TILE_PX, step) for tx in _tiles(vw, TILE_PX, step)]
    if changed is not None:
        tiles = [(tx, ty) for tx, ty in tiles if _any_change(changed, tx, ty, vw, vh)]
    if len(tiles) == len(_tiles(vh, TILE_PX, step)) * len(_tiles(vw, TILE_PX, step)):
        # Every tile: one search of the whole view costs its pixels once, not the overlaps.
        found += _yunet(view, fine, 0, 0, min_score)
    else:
        for tx, ty in tiles:
            found += _yunet(view[ty : ty + TILE_PX, tx : tx + TILE_PX], fine, tx, ty, min_score)
    return _nms(found, NMS_IOU)


def _search_regions(frame, regions: list, scale: float, min_score: float) -> list:
    """Each region (x0, y0, x1, y1 in frame pixels) cut out and shrunk to SCALE."""
    found = []
    for x0, y0, x1, y1 in regions:
        view = _shrink(frame[y0:y1, x0:x1], scale)
        found += _yunet(view, scale, x0 * scale, y0 * scale, min_score)
    return _nms(found, NMS_IOU) if len(regions) > 1 else found


def _regions(changed: np.ndarray, width: int, height: int, scale: float) -> list | None:
    """Return the boxes (frame pixels) around the changed cells' clusters, each widened by
    REGION_MARGIN_PX and at least REGION_MIN_PX (at SCALE) a side; [] if nothing changed; None
    if the boxes would cost more than REGION_MAX_SHARE of searching the whole frame."""
    grid = np.ascontiguousarray(changed, dtype=np.uint8)
    if not grid.any():
        return []
    gh, gw = grid.shape
    cell_w, cell_h = width / gw, height / gh
    count, _labels, stats, _centres = cv2.connectedComponentsWithStats(grid, connectivity=8)
    margin = REGION_MARGIN_PX
    least = REGION_MIN_PX / scale
    boxes = []
    for gx, gy, cw, ch, _area in stats[1:count]:
        x0, x1 = gx * cell_w - margin, (gx + cw) * cell_w + margin
        y0, y1 = gy * cell_h - margin, (gy + ch) * cell_h + margin
        if x1 - x0 < least:
            x0, x1 = (x0 + x1 - least) / 2, (x0 + x1 + least) / 2
        if y1 - y0 < least:
            y0, y1 = (y0 + y1 - least) / 2, (y0 + y1 + least) / 2
        boxes.append([max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1))])
    boxes = _merge(boxes)
    area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in boxes)
    if area > REGION_MAX_SHARE * width * height:
        return None
    return [tuple(box) for box in boxes]


def _merge(boxes: list) -> list:
    """Merge boxes that overlap until none do (a face cut by two boxes is found in one)."""
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def _any_change(changed: np.ndarray, tx: int, ty: int, vw: int, vh: int) -> bool:
    """Return True if the tile at TX, TY (of a VW x VH view) covers a changed grid cell."""
    gh, gw = changed.shape
    x0, x1 = tx * gw // vw, min(gw, -(-(tx + TILE_PX) * gw // vw))
    y0, y1 = ty * gh // vh, min(gh, -(-(ty + TILE_PX) * gh // vh))
    return bool(changed[y0:y1, x0:x1].any())
