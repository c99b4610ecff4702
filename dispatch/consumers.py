"""The officer's phone socket: only that officer's own assignment events, and their presence.

The phone page needs nothing else: not the other officers' positions nor the station's SOS and
reports (which the desk's socket carries). It shares the station's hub with the desk's sockets
(one channel-layer member per process and station), which hands each socket only what it
wants: an event crosses the layer once per process, and an officer's socket is written to only
for their own offers and steps. After a (re)connect the page reloads its assignments (the
"ready" frame), so there is no catch-up of events here.

The page sends {"type": "ping"} every presence.PING_S; connect, pings and close keep
dispatch.presence up to date (the LINE push looks at it).
"""

import uuid

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from dispatch import presence
from smartzone import access, outbox
from smartzone.consumers import StationHub

OFFICER_EVENTS = "dispatch."


def _officer_station(user) -> int | None:
    profile = access.profile_of(user)
    if profile is None or not access.is_officer(user) or not user.is_active:
        return None
    return profile.station_id


class OfficerConsumer(AsyncJsonWebsocketConsumer):
    """Messages sent: {"type": "ready"} once joined, then {"type": "event", "event": {...}} for
    each dispatch event of this officer. Anyone but a signed-in officer of a station is closed
    with 4403."""

    hub: StationHub | None = None

    async def connect(self):
        user = self.scope.get("user")
        station_id = await database_sync_to_async(_officer_station)(user)
        if station_id is None:
            await self.close(code=4403)
            return
        self.officer_id, self.page = user.pk, uuid.uuid4().hex
        self.hub = await StationHub.join(self, station_id)
        outbox.socket_opened()
        try:
            await self.accept()
            await sync_to_async(presence.page_opened, thread_sensitive=False)(
                self.officer_id, self.page
            )
            await self.send_json({"type": "ready"})
        except BaseException:
            await self.disconnect(None)
            raise

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await sync_to_async(presence.page_opened, thread_sensitive=False)(
                self.officer_id, self.page
            )

    async def disconnect(self, code):
        if self.hub:
            self.hub, hub = None, self.hub
            outbox.socket_closed()
            await hub.leave(self)
            await sync_to_async(presence.page_closed, thread_sensitive=False)(
                self.officer_id, self.page
            )

    async def deliver(self, event: dict, frame: str | None = None) -> None:
        """Called by the station's hub with each live event: pass on only this officer's."""
        if not event["kind"].startswith(OFFICER_EVENTS):
            return
        if event["payload"].get("officer") != self.officer_id:
            return
        await self.send(
            text_data=frame or await self.encode_json({"type": "event", "event": event})
        )
