"""A signed SOS reaches the station's dashboard socket; a Redis outage loses none of 200."""

import asyncio
import contextlib
import json
import time

import pytest
import redis.exceptions
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from smartzone.consumers import DashboardConsumer
from sos.models import SosEvent
from sos.signing import signed_headers
from tests.conftest import redis_layer_settings
from tests.sos.conftest import EVENTS_PATH

pytestmark = pytest.mark.django_db(transaction=True)


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
        message = await communicator.receive_json_from(timeout=10)
        if message["type"] == "ready":
            return events, message["last_id"]
        events.append(message["event"])


@sync_to_async
def post_sos(kiosk, event_ids):
    client = Client()
    codes = []
    for i, event_id in enumerate(event_ids):
        body = json.dumps({"event_id": event_id}).encode()
        headers = signed_headers(
            kiosk.secret, kiosk.serial, EVENTS_PATH, body, timestamp=int(time.time()) - i % 100
        )
        codes.append(
            client.post(EVENTS_PATH, body, content_type="application/json", **headers).status_code
        )
    return codes


async def test_a_signed_sos_arrives_on_the_stations_dashboard_with_kiosk_and_location(
    kiosk, officer, other_officer
):
    socket = await connect(officer)
    other = await connect(other_officer)
    await receive_until_ready(socket)
    await receive_until_ready(other)
    assert await post_sos(kiosk, ["live-1"]) == [201]
    message = await socket.receive_json_from(timeout=5)
    event = message["event"]
    assert event["kind"] == "sos.raised"
    assert event["payload"]["name"] == kiosk.name
    assert (event["payload"]["lat"], event["payload"]["lng"]) == (kiosk.lat, kiosk.lng)
    # The other station's socket may get its own station's setup events, never this SOS.
    other_kinds = []
    while not await other.receive_nothing(timeout=0.3):
        other_kinds.append((await other.receive_json_from())["event"]["kind"])
    assert "sos.raised" not in other_kinds
    await socket.disconnect()
    await other.disconnect()


@pytest.mark.redis
@pytest.mark.timeout(300)
async def test_200_sos_during_a_redis_outage_are_stored_and_reach_the_dashboard_once(
    settings, redis_server, kiosk, officer
):
    settings.CHANNEL_LAYERS = redis_layer_settings(redis_server.url)
    settings.OUTBOX_RELAY_INTERVAL = 0.1
    settings.OUTBOX_RELAY_GRACE = 0.1
    socket = await connect(officer)
    _, last_seen = await receive_until_ready(socket)

    redis_server.stop()
    codes = await post_sos(kiosk, [f"burst-{i}" for i in range(200)])
    assert codes == [201] * 200
    assert await sync_to_async(SosEvent.objects.count)() == 200
    redis_server.start()

    received: list[dict] = []
    deadline = asyncio.get_running_loop().time() + 30

    def sos_count() -> int:
        return len([e for e in received if e["kind"] == "sos.raised"])

    while True:
        assert asyncio.get_running_loop().time() < deadline, f"{sos_count()} of 200 SOS arrived"
        try:
            # Read until all 200 came and the socket is then quiet (a repeat would show here).
            if sos_count() >= 200 and await socket.receive_nothing(timeout=0.5):
                break
            message = await socket.receive_json_from(timeout=10)
            if message["type"] == "event":
                received.append(message["event"])
                last_seen = max(last_seen, message["event"]["id"])
        except (TimeoutError, redis.exceptions.ConnectionError, AssertionError):
            # The socket died with Redis: reconnect from the last id seen, as dashboard.js does.
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)  # the dashboard's back-off
            try:
                socket = await connect(officer, after=last_seen)
            except redis.exceptions.ConnectionError:
                continue
    # The last socket may still be the one whose Redis connection the restart closed; its
    # consumer then ends with that error, as the browser's socket would (and reconnect).
    with contextlib.suppress(redis.exceptions.ConnectionError):
        await socket.disconnect()
    ids = [e["payload"]["id"] for e in received if e["kind"] == "sos.raised"]
    assert len(ids) == 200 and len(set(ids)) == 200
    assert sorted(ids) == sorted(
        await sync_to_async(list)(SosEvent.objects.values_list("pk", flat=True))
    )
