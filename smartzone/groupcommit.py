"""Group commit: writes that threads of this process ask for at the same time, in one transaction.

Under a burst (a crowded market, a festival) many citizens submit at once. Each report alone
is a transaction of its own: a few round trips to the database, the audit chain's lock taken
and given back, a commit. A `GroupCommit` lets the first thread that asks write, and the
threads that ask while it writes wait; when it is done, the first of those writes everything
that queued up meanwhile in one transaction (one chain lock, one statement per table, one
commit), and so on. Nothing waits on a timer: alone, a write goes at once, as before.

If a group's transaction fails (a taken tracking code, an idempotency key sent twice, a full
disk), nothing of it was kept, and every thread of that group writes its own item alone, in
its own thread and transaction, which gives each caller its own answer or error. A caller
already inside a transaction always writes alone (its write must commit or roll back with the
caller's own).
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

log = logging.getLogger(__name__)

# The outcomes a waiting thread is woken with.
WRITTEN, ALONE, LEAD = "written", "alone", "lead"


@dataclass
class _Slot:
    item: object
    write_one: Callable
    woken: threading.Event = field(default_factory=threading.Event)
    outcome: str = ""
    result: object = None
    error: BaseException | None = None


class GroupCommit:
    """Write items with WRITE_MANY(items) -> results (one per item, in order, inside one
    transaction), at most MAX_BATCH at a time; see the module docstring."""

    def __init__(self, write_many: Callable[[list], list], *, max_batch: int = 64):
        self.write_many = write_many
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Slot] = []
        self._leading = False

    def run(self, item, write_one: Callable):
        """Return ITEM's result, written with whatever other threads queued meanwhile, or by
        WRITE_ONE(item) in this thread (alone, or when its group's transaction failed)."""
        if transaction.get_connection().in_atomic_block:
            return write_one(item)
        slot = _Slot(item, write_one)
        with self._lock:
            self._queue.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            slot.woken.wait()
        if lead or slot.outcome == LEAD:
            self._lead()
        if slot.outcome == ALONE:
            return write_one(item)
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _lead(self) -> None:
        # The leader's own slot is first in the queue (only a leader takes slots out of it).
        # Whoever asks while it writes queues up for the next group.
        with self._lock:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        try:
            if len(batch) == 1:
                slot = batch[0]
                try:
                    slot.result = slot.write_one(slot.item)
                except BaseException as exc:  # raised again in the slot's own thread: run()
                    slot.error = exc
                slot.outcome = WRITTEN
            else:
                results = self.write_many([slot.item for slot in batch])
                for slot, result in zip(batch, results, strict=True):
                    slot.outcome, slot.result = WRITTEN, result
        except Exception as exc:
            log.info("group of %d failed (%s); each is written alone", len(batch), exc)
        finally:
            for slot in batch:
                if slot.outcome != WRITTEN:
                    slot.outcome = ALONE
            with self._lock:
                if self._queue:
                    self._queue[0].outcome = LEAD
                    self._queue[0].woken.set()
                else:
                    self._leading = False
            for slot in batch:
                slot.woken.set()


def insert_all(objs: list) -> list:
    """Insert OBJS (new instances of one model) and give them their ids: in one statement where
    the database says the ids of a many-row insert (PostgreSQL, SQLite 3.35 and newer), else
    one row at a time."""
    if len(objs) > 1 and connection.features.can_return_rows_from_bulk_insert:
        return type(objs[0]).objects.bulk_create(objs)
    for obj in objs:
        obj.save(force_insert=True)
    return objs
