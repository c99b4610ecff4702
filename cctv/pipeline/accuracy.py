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
            enrolled += 1
            strangers += 1
            if probe.distances is None:
                continue
            own = persons == probe.person
            others = np.where(own, np.inf, probe.distances)
            mine = probe.distances.copy()
            mine[probe.photo] = np.inf  # never the probe's own photo
            if np.isfinite(mine[own]).any():
                nearest = int(np.argmin(mine))
                if persons[nearest] == probe.person and mine[nearest] < threshold:
                    found += 1
            else:
                enrolled -= 1  # a person with one photo can only be a stranger
            if float(others.min()) < threshold:
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
