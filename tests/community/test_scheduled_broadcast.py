"""A scheduled broadcast goes out once, at its time, however often the beat task runs."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from community import services, tasks
from community.models import Broadcast
from tests.community.test_broadcast_delivery import add_followers, zone_broadcast
from tests.conftest import need


@pytest.fixture
def scheduled(fake_line, eager_celery, channel, supervisor, station, zone):
    add_followers(station, 4, zone=zone)
    send_at = timezone.now() + timedelta(hours=2)
    broadcast = zone_broadcast(supervisor, station, zone)
    services.broadcast_schedule(actor=supervisor, broadcast_id=broadcast.pk, send_at=send_at)
    return broadcast, send_at


def test_it_is_sent_once_at_its_time_not_before_even_if_the_beat_runs_twice(
    scheduled, fake_line, django_capture_on_commit_callbacks
):
    broadcast, send_at = scheduled
    with django_capture_on_commit_callbacks(execute=True):
        assert services.broadcasts_send_due(now=send_at - timedelta(seconds=1)) == []
    assert fake_line.requests == []
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SCHEDULED

    with django_capture_on_commit_callbacks(execute=True):
        assert services.broadcasts_send_due(now=send_at) == [broadcast.pk]
        assert services.broadcasts_send_due(now=send_at + timedelta(seconds=30)) == []
    assert len(fake_line.sends("/multicast")) == 1
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.SENT


def test_the_beat_task_itself_sends_a_due_broadcast_once(
    scheduled, fake_line, django_capture_on_commit_callbacks
):
    broadcast, _ = scheduled
    tasks.broadcasts_send_due.apply()
    assert fake_line.requests == []  # two hours early
    Broadcast.objects.filter(pk=broadcast.pk).update(
        scheduled_at=timezone.now() - timedelta(seconds=1)
    )  # time passes
    with django_capture_on_commit_callbacks(execute=True):
        tasks.broadcasts_send_due.apply()
        tasks.broadcasts_send_due.apply()
    assert len(fake_line.sends("/multicast")) == 1
    assert len(fake_line.accepted) == 1


def test_a_time_in_the_past_is_refused(supervisor, station, zone):
    broadcast = zone_broadcast(supervisor, station, zone)
    with pytest.raises(ValidationError) as caught:
        services.broadcast_schedule(
            actor=supervisor,
            broadcast_id=broadcast.pk,
            send_at=timezone.now() - timedelta(minutes=1),
        )
    assert "send_at" in caught.value.message_dict
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.DRAFT


def test_a_cancelled_broadcast_is_never_sent(scheduled, supervisor, fake_line):
    broadcast, send_at = scheduled
    services.broadcast_cancel(actor=supervisor, broadcast_id=broadcast.pk)
    assert services.broadcasts_send_due(now=send_at + timedelta(hours=1)) == []
    assert fake_line.requests == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_beat_runs_at_the_same_moment_start_it_once(
    fake_line, eager_celery, channel, supervisor, station, zone
):
    need(
        connection.vendor == "postgresql", "the test database is not PostgreSQL (set DATABASE_URL)"
    )
    add_followers(station, 4, zone=zone)
    broadcast = zone_broadcast(supervisor, station, zone)
    send_at = timezone.now() + timedelta(hours=1)
    services.broadcast_schedule(actor=supervisor, broadcast_id=broadcast.pk, send_at=send_at)
    barrier, started = threading.Barrier(4), []

    def beat():
        barrier.wait()
        try:
            started.extend(services.broadcasts_send_due(now=send_at))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert started == [broadcast.pk]
    assert len(fake_line.sends("/multicast")) == 1
