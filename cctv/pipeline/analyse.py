"""Run detect -> track -> embed (once per track) -> match over sampled frames."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from cctv.pipeline.detect import detect_faces
from cctv.pipeline.embed import FaceEmbedder, crop_face
from cctv.pipeline.match import Match, WatchlistMatcher
from cctv.pipeline.scene import SceneGate
from cctv.pipeline.track import Track, Tracker


@dataclass
class Appearance:
    """One appearance of a watch-listed person: the track's best crop and its match."""

    match: Match
    start_frame: int
    start_time: float
    end_time: float
    best_frame_index: int
    crop: np.ndarray
    detector_score: float
    final: bool = True  # False: raised as soon as the track matched; its best crop follows


def analyse_frames(
    frames: Iterable[tuple[int, float, np.ndarray]],
    matcher: WatchlistMatcher,
    *,
    embedder: FaceEmbedder | None = None,
    min_score: float = 0.6,
    max_gap: int = 5,
    on_frame: Callable[[int, float, Tracker], None] | None = None,
    early: bool = False,
    gate: SceneGate | None = None,
) -> Iterator[Appearance]:
    """Yield an Appearance each time a track that matched the watchlist ends.

    With EARLY, also yield it (final=False) as soon as the track matches, for live streams.
    Faces that match nothing are dropped with their embeddings. ON_FRAME(index, time, tracker)
    is called after each frame (progress, cancellation; it may raise to stop). A frame that
    GATE finds unchanged since the last detection keeps that detection's faces.
    """
    embedder = embedder or FaceEmbedder()
    tracker = Tracker(max_gap=max_gap)
    gate = gate or SceneGate()
    faces = []

    def finished(tracks: list[Track], final: bool = True) -> Iterator[Appearance]:
        for track in tracks:
            match = track.data.get("match")
            if match is None:
                continue
            yield Appearance(
                match=match,
                start_frame=track.start_frame,
                start_time=track.start_time,
                end_time=track.last_time,
                best_frame_index=track.best_frame_index,
                crop=crop_face(track.best_frame, track.best_face),
                detector_score=track.best_face.score,
                final=final,
            )

    for index, time_s, frame in frames:
        if not len(matcher):
            faces = []
            gate.forget()  # once someone is on the watchlist again, look afresh
        elif gate.needs_detection(frame):
            faces = detect_faces(frame, min_score=min_score)
        new, closed = tracker.update(index, time_s, frame, faces)
        for track in new:
            track.data["match"] = matcher.best(embedder.embed(frame, track.face))
            if track.data["match"] is None:
                # Nobody we look for: keep no picture of this face.
                track.best_frame = np.empty((0, 0, 3), np.uint8)
        if early:
            yield from finished(new, final=False)
        yield from finished(closed)
        if on_frame is not None:
            on_frame(index, time_s, tracker)
    yield from finished(tracker.close_all())
