"""Measure face-ID accuracy on labelled photos rendered as a street camera would see them.

A folder holds one sub-folder per person with two or more different photos. Each photo is
enrolled as it is and, separately, rendered as a probe: shrunk so that the face is a given
width in pixels, JPEG-compressed at a given quality, on a grey street-like background. A probe
is compared with every enrolled photo except itself (an enrolment photo is never its own probe):

- as an *enrolled* face: it is found if it passes the quality floor and its nearest enrolled
  photo is the same person, closer than the threshold;
- as a *non-enrolled* face: its person's photos are left out of the watchlist, and any
  enrolled photo closer than the threshold is a false alert.

Figures are per face and per sampled frame: an alert in the pipeline needs several frames of
one track to agree, so the rates of alerts are lower still.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from cctv.pipeline.detect import detect_faces
from cctv.pipeline.embed import FaceEmbedder
from cctv.pipeline.quality import QualityFloor

SIZES = (32, 40, 64, 112)
QUALITIES = (50, 70, 95)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}


@dataclass
class Probe:
    person: str
    photo: int  # index into the enrolled photos
    width: int
    quality: int
    verdict: str | None  # None: good enough to compare; else why not ("missed" if not found)
    distances: np.ndarray | None = None  # to every enrolled photo


@dataclass
class Measurement:
    people: list[str]
    photo_person: list[str]
    probes: list[Probe] = field(default_factory=list)

    def at(self, width: int, threshold: float) -> dict:
        """Return found share and false alerts per 1000 non-enrolled faces at THRESHOLD."""
        persons = np.asarray(self.photo_person)
        found = enrolled = alerts = strangers = 0
        for probe in self.probes:
            if probe.width != width:
                continue
            strangers += 1
            own = persons == probe.person
            if own.sum() >= 2:  # a person with one photo can only be a stranger
                enrolled += 1
            if probe.distances is None:
                continue
            mine = probe.distances.copy()
            mine[probe.photo] = np.inf  # never the probe's own photo
            nearest = int(np.argmin(mine))
            if own.sum() >= 2 and persons[nearest] == probe.person and mine[nearest] < threshold:
                found += 1
            if float(np.where(own, np.inf, probe.distances).min()) < threshold:
                alerts += 1
        return {
            "found_share": found / enrolled if enrolled else 0.0,
            "false_alerts_per_1000": 1000.0 * alerts / strangers if strangers else 0.0,
            "enrolled_probes": enrolled,
            "stranger_probes": strangers,
            "false_alerts": alerts,
        }

    def verdicts(self, width: int) -> dict:
        counts: dict = {}
        for probe in self.probes:
            if probe.width == width:
                key = probe.verdict or "compared"
                counts[key] = counts.get(key, 0) + 1
        return counts

    def distances(self, width: int, same: bool) -> list[float]:
        """Return distances of compared probes at WIDTH to other photos of the same person, or
        (SAME False) to the nearest photo of anybody else."""
        persons = np.asarray(self.photo_person)
        out = []
        for probe in self.probes:
            if probe.width != width or probe.distances is None:
                continue
            own = persons == probe.person
            if same:
                mine = probe.distances.copy()
                mine[probe.photo] = np.inf
                mine[~own] = np.inf
                if np.isfinite(mine).any():
                    out.append(float(mine.min()))
            else:
                out.append(float(np.where(own, np.inf, probe.distances).min()))
        return out


def people_in(folder: Path) -> dict[str, list[Path]]:
    """Return {person: photo paths} for the sub-folders of FOLDER that hold photos."""
    people = {}
    for sub in sorted(p for p in Path(folder).iterdir() if p.is_dir()):
        photos = sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if photos:
            people[sub.name] = photos
    return people


def render(photo: np.ndarray, face, width: int, quality: int, rng) -> np.ndarray:
    """Return PHOTO shrunk so that FACE is WIDTH px wide, JPEG'd at QUALITY, on a 640 x 360
    grey, noisy background (a street camera's view of a passer-by)."""
    scale = width / face.w
    small = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = rng.normal(110, 12, (360, 640, 3)).clip(0, 255).astype(np.uint8)
    h, w = min(small.shape[0], 360), min(small.shape[1], 640)
    y, x = (360 - h) // 2, int(rng.integers(0, 640 - w + 1))
    canvas[y : y + h, x : x + w] = small[:h, :w]
    ok, data = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def measure(
    folder: Path,
    *,
    sizes: Iterable[int] = SIZES,
    qualities: Iterable[int] = QUALITIES,
    floor: QualityFloor | None = None,
    embedder: FaceEmbedder | None = None,
    seed: int = 17,
) -> Measurement:
    """Enrol every photo in FOLDER and compare renders of each with the rest (see module)."""
    floor = floor or QualityFloor()
    embedder = embedder or FaceEmbedder()
    rng = np.random.default_rng(seed)
    people = people_in(folder)
    photos, photo_person, faces, enrolled = [], [], [], []
    for person, paths in people.items():
        for path in paths:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            found = detect_faces(image, min_face_px=None) if image is not None else []
            if not found:
                continue
            photos.append(image)
            photo_person.append(person)
            faces.append(found[0])
            enrolled.append(embedder.embed(image, found[0]))
    matrix = np.asarray(enrolled, dtype=np.float32).reshape(-1, 128)
    result = Measurement(people=list(people), photo_person=photo_person)
    for index, (image, face) in enumerate(zip(photos, faces, strict=True)):
        for width in sizes:
            for quality in qualities:
                frame = render(image, face, width, quality, rng)
                found = detect_faces(frame, min_face_px=min(width, 32))
                probe = Probe(photo_person[index], index, width, quality, "missed")
                if found:
                    best = found[0]
                    probe.verdict = floor.before_alignment(best)
                    if probe.verdict is None:
                        chip = embedder.align(frame, best)
                        probe.verdict = floor.of_chip(chip)
                        if probe.verdict is None:
                            vector = embedder.embed_chip(chip)
                            probe.distances = np.linalg.norm(matrix - vector, axis=1)
                result.probes.append(probe)
    return result


THRESHOLDS = tuple(round(0.30 + 0.01 * i, 2) for i in range(41))  # 0.30 .. 0.70


def figures(result: Measurement, threshold: float) -> dict:
    """Return the figures at THRESHOLD: per face size, and the JSON keys of the bench."""
    sizes = sorted({probe.width for probe in result.probes})
    per_size = {width: result.at(width, threshold) for width in sizes}
    alerts = sum(row["false_alerts"] for row in per_size.values())
    strangers = sum(row["stranger_probes"] for row in per_size.values())
    summary = {
        "threshold": threshold,
        "false_alerts_per_1000": round(1000.0 * alerts / strangers, 2) if strangers else 0.0,
        "non_enrolled_faces": strangers,
    }
    for width in sizes:
        summary[f"found_share_{width}px"] = round(per_size[width]["found_share"], 3)
    return {"per_size": per_size, "summary": summary}


def draw_curve(result: Measurement, path: Path, threshold: float) -> None:
    """Write a PNG of found share against false alerts per 1000 faces as the threshold moves,
    one line per face size; the dot on each line is THRESHOLD (drawn with OpenCV)."""
    width, height, left, bottom, top, right = 760, 520, 80, 60, 40, 150
    image = np.full((height, width, 3), 255, np.uint8)
    plot_w, plot_h = width - left - right, height - top - bottom
    curves = {
        w: [result.at(w, t) for t in THRESHOLDS] for w in sorted({p.width for p in result.probes})
    }
    # Past 50 false alerts per 1000 no threshold is of use: the axis stops there.
    x_max = 50.0

    def at(false_alerts: float, found: float) -> tuple[int, int]:
        return (
            int(left + plot_w * min(false_alerts, x_max) / x_max),
            int(top + plot_h * (1.0 - found)),
        )

    black, grey = (0, 0, 0), (200, 200, 200)
    font = cv2.FONT_HERSHEY_SIMPLEX
    for i in range(6):
        y = top + plot_h * i // 5
        cv2.line(image, (left, y), (left + plot_w, y), grey, 1)
        cv2.putText(image, f"{1 - i / 5:.1f}", (left - 40, y + 5), font, 0.45, black, 1)
        x = left + plot_w * i // 5
        cv2.putText(image, f"{x_max * i / 5:.0f}", (x - 8, top + plot_h + 20), font, 0.45, black, 1)
    cv2.rectangle(image, (left, top), (left + plot_w, top + plot_h), black, 1)
    cv2.putText(
        image,
        "false alerts per 1000 non-enrolled faces",
        (left + 60, height - 12),
        font,
        0.5,
        black,
        1,
    )
    cv2.putText(image, "share of enrolled faces found", (8, 24), font, 0.5, black, 1)
    colours = [
        (200, 60, 30),
        (30, 140, 30),
        (30, 30, 200),
        (160, 30, 160),
        (30, 160, 200),
        (90, 90, 90),
    ]
    for n, (face_px, rows) in enumerate(curves.items()):
        colour = colours[n % len(colours)]
        points = [at(r["false_alerts_per_1000"], r["found_share"]) for r in rows]
        cv2.polylines(image, [np.asarray(points, np.int32)], False, colour, 2, cv2.LINE_AA)
        chosen = min(range(len(THRESHOLDS)), key=lambda i: abs(THRESHOLDS[i] - threshold))
        cv2.circle(image, points[chosen], 5, colour, -1, cv2.LINE_AA)
        y = top + 20 + 22 * n
        cv2.line(image, (left + plot_w + 15, y - 5), (left + plot_w + 40, y - 5), colour, 2)
        cv2.putText(image, f"{face_px} px face", (left + plot_w + 45, y), font, 0.45, black, 1)
    cv2.putText(
        image,
        f"dot: threshold {threshold:.2f}",
        (left + plot_w + 15, top + 20 + 22 * len(curves) + 10),
        font,
        0.4,
        black,
        1,
    )
    cv2.imwrite(str(path), image)
