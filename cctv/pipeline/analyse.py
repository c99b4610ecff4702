"""Run detect -> track -> judge quality -> embed -> match over sampled frames.

A face is compared with the watchlist only if it passes the quality floor (size, detector
score, pose, sharpness); faces below it are tracked but never matched, and counted. A track
raises an alert only when several of its sampled frames (Evidence.frames) match the same entry;
its tier is "strong" if that many matched below the strong threshold, else "possible".
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from cctv.pipeline.detect import FIND_FACE_PX, detect_faces
from cctv.pipeline.embed import FaceEmbedder, crop_face
from cctv.pipeline.match import Evidence, Match, WatchlistMatcher
from cctv.pipeline.quality import QualityFloor, yaw
from cctv.pipeline.scene import SceneGate
from cctv.pipeline.track import Track, Tracker
from cctv.pipeline.video import VideoError

STRONG, POSSIBLE = "strong", "possible"
CROPS_KEPT = 3
# A track that matched nobody is compared again after RECHECK_S seconds of its own time, or
# sooner if its face is BETTER_WIDTH times wider or BETTER_YAW less turned (yaw, see quality.py)
# than the best one compared so far: never often (embeddings are the costliest step), never
# never (a face that joined another's track must still be checked). A track already settled
# (a strong match, or as many embeddings as evidence allows) has nothing left to prove: it is
# compared again only when its face is clearly better, or after RECHECK_SETTLED_S.
RECHECK_S = 2.0
RECHECK_SETTLED_S = 10.0
BETTER_WIDTH = 1.2
BETTER_YAW = 0.15
CROP_HEIGHT = 160


@dataclass
class Appearance:
    """One appearance of a watch-listed person: the track's best crops and its match."""

    match: Match
    start_frame: int
    start_time: float
    end_time: float
    best_frame_index: int
    crop: np.ndarray  # the best matching crops side by side, best first
    detector_score: float
    tier: str = POSSIBLE
    frames: int = 1  # sampled frames that matched the entry
    final: bool = True  # False: raised as soon as the track matched; its best crops follow


@dataclass
class FaceCounts:
    """Tracks seen in a job: compared with the watchlist, or never, and why not."""

    compared: int = 0
    unjudged: Counter = field(default_factory=Counter)  # small, blurred, turned, weak

    def as_dict(self) -> dict:
        return {"compared": self.compared, **{k: int(v) for k, v in self.unjudged.items()}}


def _worth_a_look(track: Track, face) -> bool:
    """Whether FACE, now on TRACK, should be compared again (see RECHECK_S)."""
    data = track.data
    wait = RECHECK_SETTLED_S if data.get("settled") else RECHECK_S
    if track.last_time - data["embedded_time"] >= wait:
        return True
    widest, straightest = data["best_look"]
    return face.w >= widest * BETTER_WIDTH or yaw(face) <= straightest - BETTER_YAW


def crop_strip(crops: list[np.ndarray], height: int = CROP_HEIGHT) -> np.ndarray:
    """Return CROPS scaled to one HEIGHT and set side by side."""
    scaled = [
        cv2.resize(c, (max(1, round(c.shape[1] * height / c.shape[0])), height)) for c in crops
    ]
    return np.hstack(scaled) if scaled else np.zeros((height, height, 3), np.uint8)


class _Judge:
    """Compare the faces of tracks with the watchlist and gather each track's evidence."""

    def __init__(self, matcher, embedder, floor: QualityFloor, evidence: Evidence):
        self.matcher, self.embedder = matcher, embedder
        self.floor, self.evidence = floor, evidence
        self.counts = FaceCounts()

    def look(self, track: Track, frame: np.ndarray, index: int) -> bool:
        """Judge TRACK's face in FRAME; return True if the track has just reached an alert."""
        data = track.data
        data["looks"] = data.get("looks", 0) + 1
        face = track.face
        # Compared and like nobody, or compared as often as evidence allows: look again only at
        # a face clearly better than the best one compared (nearer, or turned towards the
        # camera), or now and then. A track still gathering evidence for someone is looked at
        # every time, as its evidence is counted in frames.
        quiet = data.get("settled") or not data.get("votes")
        if data.get("embeds") and quiet and not _worth_a_look(track, face):
            return False
        reason = self.floor.before_alignment(face)
        chip = None
        if reason is None:
            chip = self.embedder.align(frame, face)
            reason = self.floor.of_chip(chip)
        if reason is not None:
            data.setdefault("unjudged", Counter())[reason] += 1
            return False
        data["embeds"] = data.get("embeds", 0) + 1
        data["embedded_time"] = track.last_time
        widest, straightest = data.get("best_look", (0, float("inf")))
        data["best_look"] = (max(widest, face.w), min(straightest, yaw(face)))
        match = self.matcher.best(self.embedder.embed_chip(chip))
        if data["embeds"] >= self.evidence.max_embeds:
            data["settled"] = True
        if match is None:
            return False
        votes = data.setdefault("votes", {}).setdefault(match.entry_id, [])
        votes.append((match.distance, index, face.score, crop_face(frame, face)))
        votes.sort(key=lambda vote: vote[0])
        # Keep every distance (they are counted) but only the best crops.
        for i in range(CROPS_KEPT, len(votes)):
            votes[i] = (*votes[i][:3], None)
        had = data.get("match")
        self._decide(data)
        return had is None and data.get("match") is not None

    def _decide(self, data: dict) -> None:
        entry, votes = max(data["votes"].items(), key=lambda kv: (len(kv[1]), -kv[1][0][0]))
        if len(votes) < self.evidence.frames:
            return
        strong = sum(1 for vote in votes if vote[0] < self.evidence.strong)
        data["match"] = Match(entry, votes[0][0])
        data["tier"] = STRONG if strong >= self.evidence.frames else POSSIBLE
        data["entry_votes"] = votes
        if data["tier"] == STRONG:
            data["settled"] = True

    def closed(self, track: Track) -> None:
        if track.data.get("embeds"):
            self.counts.compared += 1
        elif track.data.get("unjudged"):
            self.counts.unjudged[track.data["unjudged"].most_common(1)[0][0]] += 1


def analyse_frames(
    frames: Iterable[tuple[int, float, np.ndarray]],
    matcher: WatchlistMatcher,
    *,
    embedder: FaceEmbedder | None = None,
    min_score: float = 0.6,
    max_gap: int = 5,
    max_gap_s: float | None = None,
    on_frame: Callable[[int, float, Tracker], None] | None = None,
    early: bool = False,
    gate: SceneGate | None = None,
    floor: QualityFloor | None = None,
    evidence: Evidence | None = None,
    find_face_px: int = FIND_FACE_PX,
    counts: FaceCounts | None = None,
) -> Iterator[Appearance]:
    """Yield an Appearance each time a track that matched the watchlist ends.

    With EARLY, also yield it (final=False) as soon as the track has its evidence, for live
    streams. Faces that match nothing are dropped with their embeddings. ON_FRAME(index, time,
    tracker) is called after each frame (progress, cancellation; it may raise to stop). A frame
    that GATE finds unchanged since the last detection keeps that detection's faces and adds no
    evidence. COUNTS, if given, is filled with the tracks compared and those never judged.
    """
    judge = _Judge(
        matcher, embedder or FaceEmbedder(), floor or QualityFloor(), evidence or Evidence()
    )
    if counts is not None:
        judge.counts = counts
    tracker = Tracker(max_gap=max_gap, max_gap_s=max_gap_s)
    gate = gate or SceneGate()
    faces = []

    def finished(tracks: list[Track], final: bool = True) -> Iterator[Appearance]:
        for track in tracks:
            if final:
                judge.closed(track)
            match = track.data.get("match")
            if match is None:
                continue
            votes = track.data["entry_votes"]
            best = votes[0]
            yield Appearance(
                match=match,
                start_frame=track.start_frame,
                start_time=track.start_time,
                end_time=track.last_time,
                best_frame_index=best[1],
                crop=crop_strip([vote[3] for vote in votes if vote[3] is not None]),
                detector_score=best[2],
                tier=track.data["tier"],
                frames=len(votes),
                final=final,
            )

    try:
        for index, time_s, frame in frames:
            fresh = False
            if not len(matcher):
                faces = []
                gate.forget()  # once someone is on the watchlist again, look afresh
            elif gate.needs_detection(frame, time_s):
                faces = detect_faces(
                    frame,
                    min_score=min_score,
                    min_face_px=find_face_px,
                    changed=_with_tracks(gate.changed, tracker, frame.shape),
                )
                fresh = True
            _new, closed = tracker.update(index, time_s, frame, faces)
            raised = []
            if fresh:
                for track in tracker.open:
                    if track.last_frame == index and judge.look(track, frame, index):
                        raised.append(track)
            if early:
                yield from finished(raised, final=False)
            yield from finished(closed)
            if on_frame is not None:
                on_frame(index, time_s, tracker)
    except VideoError:
        # The video broke part way: what was seen up to there still counts.
        yield from finished(tracker.close_all())
        raise
    yield from finished(tracker.close_all())


def _with_tracks(changed: np.ndarray | None, tracker: Tracker, shape: tuple) -> np.ndarray | None:
    """Return CHANGED with the cells of the open tracks' faces set too, so that a face that
    stands still while something else moves is looked for again."""
    if changed is None or not tracker.open:
        return changed
    changed = changed.copy()
    gh, gw = changed.shape
    height, width = shape[:2]
    for track in tracker.open:
        face = track.face
        x0, x1 = face.x * gw // width, -(-(face.x + face.w) * gw // width)
        y0, y1 = face.y * gh // height, -(-(face.y + face.h) * gh // height)
        changed[max(0, y0 - 1) : y1 + 1, max(0, x0 - 1) : x1 + 1] = True
    return changed
