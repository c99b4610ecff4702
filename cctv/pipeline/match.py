"""Match embeddings against the enrolled watchlist: one matrix, vectorised distances."""

from dataclasses import dataclass

import numpy as np

# Thresholds on the distance between a face and its nearest enrolment photo, measured with
# bench/face_accuracy.py (cctv/README.md): at 40 px and wider, different people came no nearer
# than 0.635; other photos of the same person lay at a median 0.44 (90 % below 0.52).
POSSIBLE_THRESHOLD = 0.55
STRONG_THRESHOLD = 0.47
DEFAULT_THRESHOLD = POSSIBLE_THRESHOLD
EVIDENCE_FRAMES = 3  # sampled frames of one track that must match the same entry
MAX_EMBEDS_PER_TRACK = 12  # then the track is judged on what it showed


@dataclass(frozen=True)
class Evidence:
    """How much a track must show before it raises an alert, and of which tier."""

    frames: int = EVIDENCE_FRAMES
    strong: float = STRONG_THRESHOLD
    possible: float = POSSIBLE_THRESHOLD
    max_embeds: int = MAX_EMBEDS_PER_TRACK

    @classmethod
    def from_settings(cls, settings) -> "Evidence":
        """Return the evidence set by CCTV_MATCH_FRAMES, _STRONG, _THRESHOLD, _MAX_EMBEDS."""
        return cls(
            frames=int(getattr(settings, "CCTV_MATCH_FRAMES", EVIDENCE_FRAMES)),
            strong=float(getattr(settings, "CCTV_MATCH_STRONG", STRONG_THRESHOLD)),
            possible=float(getattr(settings, "CCTV_MATCH_THRESHOLD", POSSIBLE_THRESHOLD)),
            max_embeds=int(getattr(settings, "CCTV_MATCH_MAX_EMBEDS", MAX_EMBEDS_PER_TRACK)),
        )


@dataclass(frozen=True)
class Match:
    entry_id: int
    distance: float

    @property
    def score(self) -> float:
        """Similarity 0..1 shown to officers: 1 - distance, floored at 0."""
        return max(0.0, 1.0 - self.distance)


class WatchlistMatcher:
    """Hold N enrolled embeddings (N x 128) with the watchlist entry id of each."""

    def __init__(self, embeddings, entry_ids, *, threshold: float = DEFAULT_THRESHOLD):
        self.embeddings = np.asarray(embeddings, dtype=np.float32).reshape(-1, 128)
        self.entry_ids = np.asarray(entry_ids, dtype=np.int64)
        if len(self.entry_ids) != len(self.embeddings):
            raise ValueError("one entry id per embedding")
        self.threshold = threshold
        self._sq = np.einsum("ij,ij->i", self.embeddings, self.embeddings)

    def __len__(self) -> int:
        return len(self.entry_ids)

    def best(self, embedding: np.ndarray) -> Match | None:
        """Return the nearest enrolled entry closer than the threshold, or None."""
        if not len(self):
            return None
        query = np.asarray(embedding, dtype=np.float32).reshape(128)
        # |a-b|^2 = |a|^2 - 2ab + |b|^2, one matrix-vector product for all N.
        sq = self._sq - 2.0 * (self.embeddings @ query) + float(query @ query)
        index = int(np.argmin(sq))
        distance = float(np.sqrt(max(0.0, float(sq[index]))))
        if distance >= self.threshold:
            return None
        return Match(int(self.entry_ids[index]), distance)
