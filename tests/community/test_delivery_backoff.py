"""The delivery task's real retry countdown: LINE's Retry-After, else doubling per attempt.

The other delivery tests run Celery eagerly, where a retry runs at once; here the countdown the
task hands to Celery (Retry.when) is read from the Retry it raises.
"""

import pytest
from celery.exceptions import Retry

from community import services, tasks
from community.models import DeliveryBatch
from tests.community.test_broadcast_delivery import add_followers, zone_broadcast

MULTICAST = "/v2/bot/message/multicast"


@pytest.fixture
def batch(fake_line, channel, supervisor, station, zone):
    add_followers(station, 3, zone=zone)
    broadcast = zone_broadcast(supervisor, station, zone)
    services.broadcast_send_now(actor=supervisor, broadcast_id=broadcast.pk)  # not yet committed
    return DeliveryBatch.objects.get(broadcast=broadcast)


def run_task(batch_id: int) -> Retry | None:
    """Run the task once as a worker would; return the Retry it asked for, if any."""
    try:
        tasks.delivery_batch_send.apply(args=[batch_id], throw=True)
    except Retry as retry:
        return retry
    return None


def test_a_429_is_retried_after_the_seconds_its_retry_after_header_asks(fake_line, batch):
    fake_line.then(429, headers={"Retry-After": "37"})
    retry = run_task(batch.pk)
    assert retry is not None and retry.when == 37
    assert [r.status for r in fake_line.sends(MULTICAST)][:1] == [429]


def test_a_retry_after_beyond_the_cap_waits_only_the_cap(fake_line, batch):
    fake_line.then(429, headers={"Retry-After": "86400"})
    assert run_task(batch.pk).when == services.BACKOFF_MAX_S


@pytest.mark.parametrize(("attempts_before", "countdown"), [(0, 10), (1, 20), (3, 80)])
def test_a_5xx_without_retry_after_waits_longer_each_attempt(
    fake_line, batch, attempts_before, countdown
):
    DeliveryBatch.objects.filter(pk=batch.pk).update(attempts=attempts_before)
    fake_line.then(503)
    assert run_task(batch.pk).when == countdown
    batch.refresh_from_db()
    assert batch.attempts >= attempts_before + 1


def test_a_delivered_batch_asks_for_no_retry(fake_line, batch):
    assert run_task(batch.pk) is None
    batch.refresh_from_db()
    assert batch.state == DeliveryBatch.State.DELIVERED
