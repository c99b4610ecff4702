"""Per-process copies of rows that rarely change and are read on every report and SOS.

Which station and zone a point belongs to, and the cameras and patrol points near it, are
read on every report or SOS; those rows change a few times a month. A `Memo` keeps what its
loader read for at most MEMO_SECONDS. Saving or deleting a row of a model it watches, in this
process, drops the copy at once (and again when that transaction commits); another process (a
second web server, the worker) sees the change within MEMO_SECONDS.
"""

import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

_memos: list["Memo"] = []


class Memo:
    """LOADER(*key) read at most once per SECONDS (default MEMO_SECONDS) per key; any change
    to a row of the WATCH models in this process forgets every key."""

    def __init__(self, loader, *, watch: tuple, seconds: float | None = None):
        self.loader = loader
        self.seconds = seconds
        self._values: dict[tuple, tuple[float, object]] = {}
        self._lock = threading.Lock()
        for model in watch:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        _memos.append(self)

    def get(self, *key):
        with self._lock:
            now = time.monotonic()
            loaded = self._values.get(key)
            ttl = settings.MEMO_SECONDS if self.seconds is None else self.seconds
            if loaded is None or now - loaded[0] > ttl:
                loaded = self._values[key] = (now, self.loader(*key))
            return loaded[1]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def _changed(self, **_kwargs) -> None:
        self.clear()
        # A read between the write and its commit would keep the old rows: clear again then.
        transaction.on_commit(self.clear)


def clear_all() -> None:
    """Forget every copy (tests do this between tests, whose rollbacks send no signals)."""
    for memo in _memos:
        memo.clear()
