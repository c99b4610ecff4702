"""The dashboard socket: a station's events, live, with catch-up after a reconnect."""

import asyncio
import logging
from collections import deque
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from smartzone import access, auth, outbox, selectors

log = logging.getLogger(__name__)

# Ids this socket has sent, kept to drop an event that two senders pushed (push and relay).
SENT_MEMORY = 10_000
# Close code of a socket whose process lost the channel layer: the page reconnects and catches up.
LAYER_LOST = 4503
# Group memberships expire (channels_redis: after a day); a hub renews its own this often.
GROUP_RENEW_S = 3600


class StationHub:
    """The one group member of a station in this process: each event of the station crosses the
    channel layer once per process and reaches the process's sockets from memory.

    (A group member per socket costs one Redis round trip per event and socket: the 200th socket
    of a process waited for 199 others.) If the layer fails, the hub closes its sockets, so that
    each dashboard reconnects and catches up from the last event it saw: nothing is lost.
    """

    # (channel layer, event loop, station id) -> hub; a test may change the layer or the loop.
    hubs: dict[tuple, "StationHub"] = {}

    def __init__(self, layer, station_id: int):
        self.layer, self.station_id = layer, station_id
        self.sockets: set[DashboardConsumer] = set()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.renewal: asyncio.Task | None = None

    @classmethod
    async def join(cls, consumer: "DashboardConsumer", station_id: int) -> "StationHub":
        key = (id(consumer.channel_layer), id(asyncio.get_running_loop()), station_id)
        hub = cls.hubs.get(key)
        if hub is None:
            hub = cls.hubs[key] = cls(consumer.channel_layer, station_id)
        hub.sockets.add(consumer)
        if hub.task is None:
            try:
                hub.channel = await hub.layer.new_channel()
                await hub.layer.group_add(outbox.group_name(station_id), hub.channel)
            except BaseException:
                hub.sockets.discard(consumer)
                cls.hubs.pop(key, None)
                raise
            hub.task = asyncio.get_running_loop().create_task(hub._run(key))
            hub.renewal = asyncio.get_running_loop().create_task(hub._renew())
        return hub

    async def leave(self, consumer: "DashboardConsumer") -> None:
        self.sockets.discard(consumer)
        if self.sockets or self.task is None:
            return
        self.task.cancel()
        self.renewal.cancel()
        for key, hub in list(self.hubs.items()):
            if hub is self:
                del self.hubs[key]
        try:
            await self.layer.group_discard(outbox.group_name(self.station_id), self.channel)
        except Exception as exc:  # Redis is down: the membership expires on its own.
            log.info("dashboard hub of station %s left its group: %s", self.station_id, exc)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(GROUP_RENEW_S)
            try:
                await self.layer.group_add(outbox.group_name(self.station_id), self.channel)
            except Exception as exc:  # the receive loop notices a lost layer and closes sockets
                log.info("dashboard hub of station %s could not renew: %s", self.station_id, exc)

    async def _run(self, key) -> None:
        try:
            while True:
                message = await self.layer.receive(self.channel)
                if message.get("type") == "event.message":
                    event = message["event"]
                    frame = await DashboardConsumer.event_frame(event)  # once for all sockets
                    for consumer in list(self.sockets):
                        try:
                            await consumer.deliver(event, frame)
                        except Exception as exc:  # that socket is closing; the others go on
                            log.info("dashboard socket dropped an event: %s", exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("dashboard hub of station %s lost its layer: %s", self.station_id, exc)
            if self.hubs.get(key) is self:
                del self.hubs[key]
            self.renewal.cancel()
            for consumer in list(self.sockets):
                await consumer.close(code=LAYER_LOST)
            self.sockets.clear()


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Connect with `?after=<last event id seen>`; receive the missed events (also older ones
    the relay sent late, which the page drops if it has them), then live ones.

    Messages sent: {"type": "event", "event": {...}} per event, and once after the catch-up
    {"type": "ready", "last_id": N}. Officers get their own station; an admin may pass
    `station=<id>`. Others, and supervisors or admins whose session has not passed the second
    factor, are closed with code 4403; a socket whose process lost the channel
    layer is closed with 4503 (reconnect and catch up).
    """

    hub: StationHub | None = None

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode())
        user = self.scope.get("user")
        station = await database_sync_to_async(access.dashboard_station)(
            user, query.get("station", [None])[0]
        )
        verified = await database_sync_to_async(auth.session_verified)(
            user, self.scope.get("session")
        )
        if station is None or not verified:
            await self.close(code=4403)
            return
        self.sent_ids: set[int] = set()
        self.sent_order: deque[int] = deque()
        self.live: list[dict] | None = []  # live events held back until the catch-up is sent
        # Join before accepting: if the layer is down the connection is refused and retried.
        self.hub = await StationHub.join(self, station.pk)
        outbox.socket_opened()
        try:
            await self.accept()
            await self._catch_up(station.pk, query.get("after", [""])[0])
        except BaseException:
            await self.disconnect(None)
            raise

    async def _catch_up(self, station_id: int, after_text: str) -> None:
        if after_text == "0":
            after = 0
        elif (after := access.parse_id(after_text)) is None:  # a fresh dashboard starts from now
            after = await database_sync_to_async(selectors.last_event_id)(station_id=station_id)
        else:  # a reconnect: first what was sent late, older than the last event seen
            late = await database_sync_to_async(selectors.events_relayed_late)(
                station_id=station_id, after_id=after
            )
            for event in late:
                await self._send_event(event.as_message())
        last = after
        while True:
            events = await database_sync_to_async(selectors.events_after)(
                station_id=station_id, after_id=last
            )
            for event in events:
                await self._send_event(event.as_message())
            if len(events) < selectors.CATCH_UP_BATCH:
                break
            last = events[-1].pk
        await self.send_json({"type": "ready", "last_id": max([after, *self.sent_ids])})
        live, self.live = self.live, None
        for event in live:  # then what came live meanwhile (the catch-up may have sent it)
            await self._send_event(event)

    async def disconnect(self, code):
        if self.hub:
            self.hub, hub = None, self.hub
            outbox.socket_closed()
            await hub.leave(self)

    @classmethod
    async def event_frame(cls, event: dict) -> str:
        return await cls.encode_json({"type": "event", "event": event})

    async def deliver(self, event: dict, frame: str | None = None) -> None:
        """Called by the station's hub with each live event (and its encoded FRAME)."""
        if self.live is not None:
            self.live.append(event)
        else:
            await self._send_event(event, frame)

    async def _send_event(self, event: dict, frame: str | None = None) -> None:
        if event["id"] in self.sent_ids:
            return
        self.sent_ids.add(event["id"])
        self.sent_order.append(event["id"])
        if len(self.sent_order) > SENT_MEMORY:
            self.sent_ids.discard(self.sent_order.popleft())
        await self.send(text_data=frame or await self.event_frame(event))
