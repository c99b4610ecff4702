"""The dashboard socket: a station's events, live, with catch-up after a reconnect."""

from collections import deque
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from smartzone import access, outbox, selectors

# Ids this socket has sent, kept to drop an event that two senders pushed (push and relay).
SENT_MEMORY = 10_000


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    """Connect with `?after=<last event id seen>`; receive the missed events, then live ones.

    Messages sent: {"type": "event", "event": {...}} per event, and once after the catch-up
    {"type": "ready", "last_id": N}. Officers get their own station; an admin may pass
    `station=<id>`. Others are closed with code 4403.
    """

    group = None

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode())
        station = await database_sync_to_async(access.dashboard_station)(
            self.scope.get("user"), query.get("station", [None])[0]
        )
        if station is None:
            await self.close(code=4403)
            return
        self.station_id = station.pk
        self.sent_ids: set[int] = set()
        self.sent_order: deque[int] = deque()
        self.group = outbox.group_name(station.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        outbox.socket_opened()
        try:
            after = int(query.get("after", [""])[0])
        except ValueError:
            after = None
        if after is None:  # a fresh dashboard starts from now
            after = await database_sync_to_async(selectors.last_event_id)(station_id=station.pk)
        last = after
        while True:
            events = await database_sync_to_async(selectors.events_after)(
                station_id=station.pk, after_id=last
            )
            for event in events:
                await self._send_event(event.as_message())
            if len(events) < selectors.CATCH_UP_BATCH:
                break
            last = events[-1].pk
        await self.send_json({"type": "ready", "last_id": max([after, *self.sent_ids])})

    async def disconnect(self, code):
        if self.group:
            self.group, group = None, self.group
            outbox.socket_closed()
            await self.channel_layer.group_discard(group, self.channel_name)

    async def dispatch(self, message):
        # A pushed event touches no database, so it skips the base class's per-message
        # close_old_connections(), which costs a thread hop for every event and socket.
        if message["type"] == "event.message":
            await self.event_message(message)
        else:
            await super().dispatch(message)

    async def event_message(self, message):
        await self._send_event(message["event"])

    async def _send_event(self, event: dict) -> None:
        if event["id"] in self.sent_ids:
            return
        self.sent_ids.add(event["id"])
        self.sent_order.append(event["id"])
        if len(self.sent_order) > SENT_MEMORY:
            self.sent_ids.discard(self.sent_order.popleft())
        await self.send_json({"type": "event", "event": event})
