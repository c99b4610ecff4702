"""A real Celery worker killed during a LINE broadcast: each batch still goes out exactly once.

The stand-in for LINE takes each request at once and answers it slowly, so the worker is killed
while LINE holds a batch it has accepted and the worker has not recorded. The batches it left
behind are found stalled (COMMUNITY_BATCH_STALE_SECONDS), enqueued again by the beat task and
sent by a second worker with their own retry keys: LINE refuses the repeated key (409) and
every follower gets the message once. Broker from settings: the filesystem transport by
default, Redis with REDIS_URL (CI's second pass).
"""

import signal
import sys
from collections import Counter

import pytest

from community import services, tasks
from community.models import Broadcast, DeliveryBatch
from tests.community.test_broadcast_delivery import MULTICAST, add_followers, zone_broadcast
from tests.conftest import need, start_worker, stop_process, wait_until

STALE_SECONDS = 2
FOLLOWERS = 2300  # five multicasts of at most 500


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_broadcast_whose_worker_was_killed_sends_each_batch_exactly_once(
    settings, tmp_path, fake_line, channel, supervisor, station, zone
):
    need(sys.platform.startswith("linux"), "needs POSIX signals")
    settings.COMMUNITY_BATCH_STALE_SECONDS = STALE_SECONDS
    worker_env = {
        "LINE_API_HOST": fake_line.url,
        "COMMUNITY_BATCH_STALE_SECONDS": str(STALE_SECONDS),
    }
    ids = add_followers(station, FOLLOWERS, zone=zone)
    fake_line.answer_delay_s = 3.0
    broadcast = zone_broadcast(supervisor, station, zone)

    worker = start_worker(tmp_path, "first", **worker_env)
    try:
        services.broadcast_send_now(actor=supervisor, broadcast_id=broadcast.pk)
        # The second batch is taken by LINE; its answer is on the way when the worker dies.
        wait_until(lambda: len(fake_line.accepted) >= 2, 120, "two batches at LINE", worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        stop_process(worker, grace=20)
    batches = DeliveryBatch.objects.filter(broadcast=broadcast).order_by("number")
    assert batches.count() == 5
    left = [b.pk for b in batches if not b.finished]
    need(len(left) >= 3, "the first worker got further than expected before it was killed")
    # The batch LINE took while its worker died (the queue does not keep the batches' order:
    # the filesystem broker orders messages of the same millisecond at random).
    taken = {r.retry_key for r in fake_line.accepted if r.path.endswith(MULTICAST)}
    [held] = [b for b in batches if not b.finished and str(b.retry_key) in taken]
    assert held.state == DeliveryBatch.State.SENDING

    # What beat does every 30 s: unfinished batches untouched for STALE_SECONDS are enqueued.
    wait_until(lambda: set(services.delivery_batches_stalled()) == set(left), 30, "stalled batches")
    fake_line.answer_delay_s = 0.0
    tasks.broadcasts_send_due()
    worker = start_worker(tmp_path, "second", **worker_env)
    try:
        wait_until(
            lambda: Broadcast.objects.get(pk=broadcast.pk).state != Broadcast.State.SENDING,
            120,
            "the broadcast to finish",
            worker,
        )
    finally:
        stop_process(worker, grace=20)

    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENT
    batches = list(batches.all())
    assert [b.state for b in batches] == [DeliveryBatch.State.DELIVERED] * 5
    accepted = [r for r in fake_line.accepted if r.path.endswith(MULTICAST)]
    received = Counter(uid for r in accepted for uid in r.body["to"])
    assert set(received) == set(ids)
    assert set(received.values()) == {1}, "a follower got the broadcast twice"
    assert sorted(r.retry_key for r in accepted) == sorted(str(b.retry_key) for b in batches)
    # The batch LINE took while its worker died was tried again and refused as a repeat.
    in_flight = DeliveryBatch.objects.get(pk=held.pk)
    repeats = [r.status for r in fake_line.requests if r.retry_key == str(in_flight.retry_key)]
    assert repeats == [200, 409]
    assert in_flight.attempts == 2
