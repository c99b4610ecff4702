"""Redis goes away and comes back: writes still succeed, their events wait, then arrive once.

Runs against a throwaway redis-server of the test's own (never the machine's Redis).
"""

import asyncio

import pytest
import redis.exceptions
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections

from smartzone import outbox, services
from smartzone.consumers import LAYER_LOST, DashboardConsumer
from smartzone.models import Event, Landmark
from tests.conftest import redis_layer_settings

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("close_thread_connections"),
]


@pytest.fixture
async def close_thread_connections():
    """Close the ORM connections sync_to_async opened, so the test database can be dropped."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture
def redis_layer(settings, redis_server):
    settings.CHANNEL_LAYERS = redis_layer_settings(redis_server.url)
    settings.OUTBOX_RELAY_INTERVAL = 0.1
    settings.OUTBOX_RELAY_GRACE = 0.1
    return redis_server


async def connect(user, after=None) -> WebsocketCommunicator:
    query = f"?after={after}" if after is not None else ""
    communicator = WebsocketCommunicator(DashboardConsumer.as_asgi(), f"/ws/dashboard/{query}")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def receive_until_ready(communicator) -> tuple[list[dict], int]:
    events = []
    while True:
        message = await communicator.receive_json_from(timeout=5)
        if message["type"] == "ready":
            return events, message["last_id"]
        events.append(message["event"])


async def reconnect(user, after, timeout=10.0) -> WebsocketCommunicator:
    """Connect like dashboard.js does after a drop: retry until Redis answers again.

    The first command on a pooled connection from before the restart fails ("Connection
    closed by server"), so the first attempt may be refused.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await connect(user, after=after)
        except redis.exceptions.ConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)  # the dashboard's back-off


async def socket_dies(socket) -> None:
    """Wait for the socket to die with Redis: its station hub closes it with LAYER_LOST, or its
    consumer's own read fails first (daphne then closes it with 1011). Either way the dashboard
    reconnects from the last id it saw."""
    try:
        message = await socket.receive_output(timeout=10)
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        return
    assert message == {"type": "websocket.close", "code": LAYER_LOST}


@sync_to_async
def add_landmark(station, name) -> Landmark:
    return services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=station, name=name, kind=Landmark.Kind.GOLD_SHOP, lat=16.545, lng=104.7255
        ),
    )


@sync_to_async
def event_for(landmark) -> Event:
    return Event.objects.get(kind="landmark.created", payload__id=landmark.pk)


async def wait_published(event, timeout=15.0) -> Event:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        event = await sync_to_async(Event.objects.get)(pk=event.pk)
        if event.published_at is not None or asyncio.get_running_loop().time() > deadline:
            return event
        await asyncio.sleep(0.05)  # polling the row with a deadline: no signal to await


async def test_a_write_during_an_outage_waits_and_reaches_the_dashboard_once_redis_returns(
    redis_layer, station, zone, officer
):
    socket = await connect(officer)
    _, last_seen = await receive_until_ready(socket)

    redis_layer.stop()
    landmark = await add_landmark(station, "ร้านทองระหว่างไฟดับ")
    event = await event_for(landmark)
    assert event.published_at is None

    redis_layer.start()
    await socket_dies(socket)
    socket = await reconnect(officer, after=last_seen)
    received, _ = await receive_until_ready(socket)
    if not received:  # not yet relayed when the catch-up ran: it comes live
        received.append((await socket.receive_json_from(timeout=10))["event"])

    assert [e["id"] for e in received] == [event.pk]
    assert received[0]["payload"]["name"] == "ร้านทองระหว่างไฟดับ"
    assert (await wait_published(event)).published_at is not None
    assert await socket.receive_nothing(timeout=0.5)
    await socket.disconnect()


async def test_the_relay_sends_pending_events_to_a_group_member_once_redis_is_back(
    redis_layer, station, zone, settings
):
    settings.OUTBOX_RELAY_GRACE = 0
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(outbox.group_name(station.pk), channel)

    redis_layer.stop()
    landmark = await add_landmark(station, "ร้านทองรอส่ง")
    event = await event_for(landmark)
    assert event.published_at is None
    with pytest.raises(redis.exceptions.ConnectionError):
        await outbox.relay_once()
    assert (await sync_to_async(Event.objects.get)(pk=event.pk)).published_at is None

    redis_layer.start()
    # A restarted throwaway Redis kept nothing: the group membership went with it.
    await layer.group_add(outbox.group_name(station.pk), channel)
    assert await outbox.relay_once() == 1
    message = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert message["type"] == "event.message"
    assert message["event"]["id"] == event.pk
    assert (await sync_to_async(Event.objects.get)(pk=event.pk)).published_at is not None
    assert await outbox.relay_once() == 0
