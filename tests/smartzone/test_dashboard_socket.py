"""The dashboard socket: catch-up after a reconnect, exactly once, and only one's own station."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db.models import F
from django.utils import timezone

from smartzone import outbox, services
from smartzone.consumers import DashboardConsumer, StationHub
from smartzone.models import Event, Landmark
from tests.conftest import verified_session

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(user, after=None, station=None) -> WebsocketCommunicator:
    query = "&".join(
        f"{k}={v}" for k, v in {"after": after, "station": station}.items() if v is not None
    )
    communicator = WebsocketCommunicator(DashboardConsumer.as_asgi(), f"/ws/dashboard/?{query}")
    communicator.scope["user"] = user
    communicator.scope["session"] = await sync_to_async(verified_session)(user)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive_until_ready(communicator) -> tuple[list[dict], int]:
    events = []
    while True:
        message = await communicator.receive_json_from(timeout=5)
        if message["type"] == "ready":
            return events, message["last_id"]
        events.append(message["event"])


@sync_to_async
def add_landmarks(station, count, start=0):
    return [
        services.landmark_save(
            actor="test",
            landmark=Landmark(
                station=station, name=f"จุด {i}", kind=Landmark.Kind.OTHER, lat=16.545, lng=104.7255
            ),
        ).pk
        for i in range(start, start + count)
    ]


async def test_events_published_while_closed_arrive_on_reconnect_in_order_exactly_once(
    station, zone, officer
):
    # The fixtures' events went out when they were written (else the relay would send them to
    # the first socket, and the reconnect would send them again for the page to drop).
    await sync_to_async(Event.objects.update)(published_at=F("created_at"))
    socket = await connect(officer)
    _, last_seen = await receive_until_ready(socket)
    await socket.disconnect()

    ids = await add_landmarks(station, 5)

    socket = await connect(officer, after=last_seen)
    events, last_id = await receive_until_ready(socket)
    assert [e["payload"]["id"] for e in events] == ids
    assert [e["kind"] for e in events] == ["landmark.created"] * 5
    assert last_id == events[-1]["id"]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_live_events_arrive_once_even_when_pushed_twice(station, zone, officer):
    socket = await connect(officer)
    await receive_until_ready(socket)
    (landmark_id,) = await add_landmarks(station, 1)
    message = await socket.receive_json_from(timeout=5)
    assert message["event"]["payload"]["id"] == landmark_id
    event_id = message["event"]["id"]

    # The relay (or a second web process) sends the same event again: the socket drops it.
    await sync_to_async(Event.objects.filter(pk=event_id).update)(published_at=None)
    await outbox._send([await sync_to_async(Event.objects.get)(pk=event_id)])
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_an_older_event_relayed_while_closed_arrives_on_reconnect(
    station, zone, officer, settings
):
    # A worker wrote event A, which only the relay can send; the web process then wrote B and
    # pushed it at once. The socket saw B and closed before the relay sent A: reconnecting
    # after B must still bring A, once.
    settings.OUTBOX_RELAY_INTERVAL = 60  # the relay runs only when this test says
    socket = await connect(officer)
    await receive_until_ready(socket)
    worker_event = await sync_to_async(Event.objects.create)(
        station=station, kind="landmark.created", payload={"id": 0}
    )
    await add_landmarks(station, 1)
    pushed = (await socket.receive_json_from(timeout=5))["event"]
    await socket.disconnect()
    await sync_to_async(outbox._mark_published)([worker_event.pk])  # the relay, while closed

    socket = await connect(officer, after=pushed["id"])
    events, last_id = await receive_until_ready(socket)
    assert [e["id"] for e in events] == [worker_event.pk]
    assert last_id == pushed["id"]
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_fresh_dashboard_starts_from_now(station, zone, officer):
    await add_landmarks(station, 3)
    socket = await connect(officer)
    events, last_id = await receive_until_ready(socket)
    assert events == []
    assert last_id == await sync_to_async(lambda: Event.objects.order_by("-pk").first().pk)()
    await socket.disconnect()


async def test_another_stations_events_never_reach_a_socket(
    station, zone, other_station, other_zone, officer, other_officer
):
    mine = await connect(officer)
    await receive_until_ready(mine)
    theirs = await connect(other_officer)
    await receive_until_ready(theirs)

    ids = await add_landmarks(station, 2)
    received = [(await mine.receive_json_from(timeout=5))["event"] for _ in ids]
    assert [e["payload"]["id"] for e in received] == ids
    # Station B's socket may get B's own older events from the relay, never one of A's.
    others = []
    while not await theirs.receive_nothing(timeout=0.5):
        others.append((await theirs.receive_json_from())["event"])
    assert all(e["station"] == other_station.pk for e in others)

    # Nor through catch-up, whatever id it asks from.
    catch_up = await connect(other_officer, after=0)
    events, _ = await receive_until_ready(catch_up)
    assert {e["station"] for e in events} == {other_station.pk}
    for socket in (mine, theirs, catch_up):
        await socket.disconnect()


async def test_an_officer_cannot_ask_for_another_stations_dashboard(
    station, other_station, officer
):
    communicator = WebsocketCommunicator(
        DashboardConsumer.as_asgi(), f"/ws/dashboard/?station={other_station.pk}"
    )
    communicator.scope["user"] = officer
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4403


async def test_someone_without_a_police_role_is_refused(citizen):
    communicator = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
    communicator.scope["user"] = citizen
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4403)


async def test_an_admin_may_watch_any_station(station, other_station, admin_user):
    socket = await connect(admin_user, station=other_station.pk)
    await receive_until_ready(socket)
    await socket.disconnect()


async def test_a_process_joins_a_stations_group_once_however_many_sockets_it_holds(
    station, zone, officer, settings
):
    # The in-memory layer shows its groups; the Redis layer behaves the same way.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    layer = get_channel_layer()
    group = outbox.group_name(station.pk)
    # The fixtures' events were never pushed (no sockets then): keep the relay from sending them.
    await sync_to_async(Event.objects.update)(published_at=timezone.now())
    sockets = [await connect(officer) for _ in range(3)]
    for socket in sockets:
        await receive_until_ready(socket)
    assert len(layer.groups[group]) == 1  # one member (the hub), not one per socket

    [landmark_id] = await add_landmarks(station, 1)
    for socket in sockets:
        message = await socket.receive_json_from(timeout=5)
        assert message["event"]["payload"]["id"] == landmark_id
        assert await socket.receive_nothing(timeout=0.2)

    await sockets[0].disconnect()
    assert len(layer.groups[group]) == 1  # the others still listen
    for socket in sockets[1:]:
        await socket.disconnect()
    assert group not in layer.groups or not layer.groups[group]
    assert not StationHub.hubs
