"""Match embeddings against the enrolled watchlist: one matrix, vectorised distances."""

from dataclasses import dataclass

import numpy as np

DEFAULT_THRESHOLD = 0.6


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
