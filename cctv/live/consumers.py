"""The live view's websocket: one per tile. First a JSON state message, then the stream's
bytes (MPEG-TS chunks or JPEG frames) as binary messages, and a JSON message at every change of
state (connecting, live, reconnecting, offline). A refused viewer gets {"state": "refused"} with
the reason, and the socket closes with code 4403. So is a viewer watching when a supervisor
marks the camera "no live view" (the group `cctv-live-viewers-<camera>`, every process): the
viewing's end is audited then, as ended by it."""

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from cctv.live import services
from cctv.live.relay import Relay

log = logging.getLogger(__name__)
REFUSED = 4403


class LiveConsumer(AsyncWebsocketConsumer):
    relay: Relay | None = None
    viewer = None
    viewing: dict | None = None
    camera = None
    pump: asyncio.Task | None = None

    async def connect(self):
        user = self.scope.get("user")
        camera_id = int(self.scope["url_route"]["kwargs"]["pk"])
        await self.accept()
        camera, reason = await database_sync_to_async(services.live_camera_for)(user, camera_id)
        if reason:
            await self.send(text_data=json.dumps({"state": "refused", "reason": reason}))
            await self.close(code=REFUSED)
            return
        client = (self.scope.get("client") or [""])[0] or ""
        self.camera = camera
        self.viewing = await database_sync_to_async(services.live_view_start)(
            actor=user, camera=camera, client=client
        )
        if self.channel_layer is not None:
            await self.channel_layer.group_add(services.viewers_group(camera.pk), self.channel_name)
        self.relay, self.viewer = Relay.join(camera.pk, services.live_source)
        self.pump = asyncio.get_running_loop().create_task(self._pump())

    async def _pump(self):
        queue = self.viewer.queue
        while True:
            kind, payload = await queue.get()
            if kind == "state":
                await self.send(text_data=json.dumps(payload))
            else:
                self.viewer.bytes_sent += len(payload)
                await self.send(bytes_data=payload)

    async def receive(self, text_data=None, bytes_data=None):
        pass  # the viewer only listens

    async def live_refused(self, event):
        """The camera was closed to live viewing while this viewer watched: stop at once."""
        await self._end(ended_by=event.get("ended_by", ""))
        await self.send(text_data=json.dumps({"state": "refused", "reason": event["reason"]}))
        await self.close(code=REFUSED)

    async def _end(self, ended_by: str = "") -> None:
        if self.pump is not None:
            self.pump.cancel()
            self.pump = None
        if self.relay is not None:
            self.relay.leave(self.viewer)
            self.relay = None
        if self.camera is not None and self.channel_layer is not None:
            group = services.viewers_group(self.camera.pk)
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.viewing is not None:
            viewing, self.viewing = self.viewing, None
            await database_sync_to_async(services.live_view_end)(
                actor=self.scope["user"], camera=self.camera, viewing=viewing, ended_by=ended_by
            )

    async def disconnect(self, code):
        await self._end()
