import asyncio

import pytest
from django.db import transaction

from smartzone import outbox, services
from smartzone.models import AuditEntry, Event, Landmark


def new_landmark(station, name="ร้านทอง 1"):
    return Landmark(
        station=station, name=name, kind=Landmark.Kind.GOLD_SHOP, lat=16.545, lng=104.7255
    )


def test_a_service_write_records_one_event_with_its_payload(
    station, zone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        landmark = services.landmark_save(actor="test", landmark=new_landmark(station))
    event = Event.objects.get(kind="landmark.created")
    assert event.station == station
    assert event.payload["id"] == landmark.pk
    assert event.payload["lat"] == 16.545
    assert len(callbacks) == 1  # the push waits for the commit


def test_a_rolled_back_write_leaves_no_event_and_no_audit_entry(
    station, zone, django_capture_on_commit_callbacks
):
    events, entries = Event.objects.count(), AuditEntry.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.landmark_save(actor="test", landmark=new_landmark(station))
        raise RuntimeError("something later in the same transaction failed")
    assert Event.objects.count() == events
    assert AuditEntry.objects.count() == entries
    assert not Landmark.objects.filter(name="ร้านทอง 1").exists()
    assert callbacks == []


def test_an_invalid_write_leaves_nothing(station, zone):
    events, entries = Event.objects.count(), AuditEntry.objects.count()
    bad = new_landmark(station)
    bad.lat = 123
    with pytest.raises(Exception, match="lat"):
        services.landmark_save(actor="test", landmark=bad)
    assert (Event.objects.count(), AuditEntry.objects.count()) == (events, entries)


def test_with_no_dashboard_in_this_process_the_event_waits_for_the_relay(
    station, zone, django_capture_on_commit_callbacks, settings
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # In-memory layer and no socket here: pushing would reach nobody, so it is left unpublished.
    with django_capture_on_commit_callbacks(execute=True):
        services.landmark_save(actor="test", landmark=new_landmark(station))
    assert Event.objects.get(kind="landmark.created").published_at is None


async def test_the_relay_loop_ends_when_a_call_below_it_swallows_its_cancel(monkeypatch, settings):
    # A cancel may be swallowed below the loop (by a library that waits for its own work and
    # returns); the loop must still end, or a closing event loop waits for it forever.
    settings.OUTBOX_RELAY_INTERVAL = 0
    entered = asyncio.Event()

    async def relay_once():
        entered.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            return 0

    monkeypatch.setattr(outbox, "relay_once", relay_once)
    monkeypatch.setitem(outbox._local, "sockets", 1)
    loop = asyncio.create_task(outbox._relay_loop())
    await entered.wait()
    loop.cancel()
    await asyncio.wait([loop], timeout=5)
    assert loop.done()
