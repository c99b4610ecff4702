"""One connection per camera, fanned out to every viewer in this process.

A `Relay` runs FFmpeg (Debian's) against the camera: H.264 is copied into MPEG-TS without
re-encoding (mpegts.js plays it in the browser), MJPEG is copied as JPEG frames, and only a
codec the browser cannot play (H.265, say) is re-encoded to H.264. Every viewer of the camera
gets the same bytes; a viewer who joins late first gets the current group of pictures (from the
last keyframe, with the stream's PAT and PMT) so that the picture appears at once. The relay
tells its viewers its state (connecting, live, reconnecting, offline), retries a lost camera by
itself, and ends CCTV_LIVE_IDLE_S seconds after its last viewer left.

The camera's URL with its credentials exists only in FFmpeg's arguments; FFmpeg's messages are
read for the codec and for errors and never logged as they are.
"""

import asyncio
import contextlib
import logging
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings

from smartzone import net

log = logging.getLogger(__name__)

TS_PACKET = 188
PAT_PID, PMT_PID = 0x0000, 0x1000  # FFmpeg's MPEG-TS muxer puts the first PMT at 0x1000
MAX_GOP_BYTES = 8 * 1024 * 1024
VIEWER_QUEUE = 512  # messages a slow viewer may fall behind before it skips to the next keyframe
STREAM_LINE = re.compile(rb"Stream #\d+:\d+.*?: Video: (\w+)")
MJPEG_PART = re.compile(rb"--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: (\d+)\r\n\r\n")


def ffmpeg_path() -> str | None:
    """Where FFmpeg is, or None (bin/start names it if missing)."""
    return shutil.which(getattr(settings, "CCTV_LIVE_FFMPEG", "ffmpeg"))


@dataclass
class Source:
    """What the relay opens: the URL with credentials (never logged) and the secrets to hide."""

    url: str
    secrets: tuple[str, ...] = ()
    refused: str = ""  # a reason not to connect at all (address checks)


def redact(text: str, secrets) -> str:
    """Return TEXT without any of SECRETS and without a user:password@ part of a URL."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"//[^/@\s]*@", "//***@", text)


def ffmpeg_command(source: str, media: str) -> list[str]:
    """The FFmpeg command reading SOURCE and writing MEDIA ('mpegts', 'mjpeg' or 'transcode')."""
    command = [ffmpeg_path() or "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info"]
    if source.startswith(("rtsp://", "rtsps://")):
        command += ["-rtsp_transport", "tcp"]
    elif media == "mjpeg":
        command += ["-f", "mpjpeg"]
    # Socket timeout (microseconds): a camera that stops answering ends the process.
    command += ["-timeout", str(int(settings.CCTV_LIVE_STALL_S * 1_000_000))]
    command += ["-protocol_whitelist", net.FFMPEG_NETWORK_PROTOCOLS]  # never file: or concat:
    command += ["-i", source, "-map", "0:v:0", "-an"]
    if media == "mjpeg":
        return [*command, "-c:v", "copy", "-f", "mpjpeg", "pipe:1"]
    if media == "transcode":
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15"]
    else:
        # SPS/PPS before every keyframe, so that a viewer can start at any keyframe.
        command += ["-c:v", "copy", "-bsf:v", "dump_extra=freq=keyframe"]
    return [*command, "-f", "mpegts", "-muxdelay", "0", "-muxpreload", "0", "pipe:1"]


@dataclass(eq=False)
class Viewer:
    """One socket's place at a relay: a queue of ("state", dict) and ("data", bytes) messages."""

    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(VIEWER_QUEUE))
    lagging: bool = False
    bytes_sent: int = 0

    def put(self, kind: str, payload) -> None:
        if self.lagging and kind == "data":
            return
        try:
            self.queue.put_nowait((kind, payload))
        except asyncio.QueueFull:
            # Too slow for the stream: drop what waits and start again at the next keyframe.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.lagging = True
            if kind == "state":
                self.queue.put_nowait((kind, payload))


class Relay:
    """The camera's one connection in this process, shared by all of its viewers here."""

    relays: dict[tuple, "Relay"] = {}

    def __init__(self, camera_id: int, source_for: Callable[[int], Source]):
        self.camera_id, self.source_for = camera_id, source_for
        self.viewers: set[Viewer] = set()
        self.state, self.reason, self.epoch, self.media = "connecting", "", 0, ""
        self.proc: asyncio.subprocess.Process | None = None
        self.task: asyncio.Task | None = None
        self.idle_task: asyncio.Task | None = None
        self.codec_of: dict[str, str] = {}  # remembered per relay: which FFmpeg mode fits
        self.gop = bytearray()
        self.pat = self.pmt = b""
        self.last_jpeg = b""
        self.last_data_at = time.monotonic()
        self.connections = 0  # camera connections opened (FFmpeg processes started)

    # --- viewers ---------------------------------------------------------------------------

    @classmethod
    def join(cls, camera_id: int, source_for: Callable[[int], Source]) -> tuple["Relay", Viewer]:
        """Add a viewer to the camera's relay in this process, starting the relay if needed."""
        key = (id(asyncio.get_running_loop()), camera_id)
        relay = cls.relays.get(key)
        if relay is None:
            relay = cls.relays[key] = cls(camera_id, source_for)
        viewer = Viewer()
        relay.viewers.add(viewer)
        if relay.idle_task is not None:
            relay.idle_task.cancel()
            relay.idle_task = None
        if relay.task is None:
            relay.task = asyncio.get_running_loop().create_task(relay._run(key))
        else:
            viewer.put("state", relay.state_message())
            if relay.state == "live":
                relay._send_start(viewer)
        return relay, viewer

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers and self.task is not None and self.idle_task is None:
            self.idle_task = asyncio.get_running_loop().create_task(self._idle_close())

    async def _idle_close(self) -> None:
        await asyncio.sleep(settings.CCTV_LIVE_IDLE_S)
        if not self.viewers:
            await self.close()

    async def close(self) -> None:
        """Stop the relay: end FFmpeg (the camera connection) and forget the relay."""
        for key, relay in list(self.relays.items()):
            if relay is self:
                del self.relays[key]
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # told to stop
                await self.task
            self.task = None
        await self._kill()

    def state_message(self) -> dict:
        return {
            "state": self.state,
            "reason": self.reason,
            "epoch": self.epoch,
            "media": self.media,
        }

    def _set_state(self, state: str, reason: str = "") -> None:
        if (state, reason) == (self.state, self.reason) and state != "live":
            return
        self.state, self.reason = state, reason
        for viewer in self.viewers:
            viewer.put("state", self.state_message())

    def _send_start(self, viewer: Viewer) -> None:
        """Give a viewer joining a running stream what lets it start at once."""
        if self.media == "mjpeg" and self.last_jpeg:
            viewer.put("data", self.last_jpeg)
        elif self.gop:
            viewer.put("data", bytes(self.gop))

    # --- the camera connection -------------------------------------------------------------

    async def _run(self, key) -> None:
        started = time.monotonic()
        self.last_data_at = started
        was_live = False
        while True:
            source = await database_sync_to_async(self.source_for)(self.camera_id)
            if source.refused:
                self._set_state("offline", source.refused)
            else:
                media = self.codec_of.get(
                    "media", "mjpeg" if source.url.startswith("http") else "mpegts"
                )
                got_data = await self._stream(source, media)
                was_live = was_live or got_data
            since = time.monotonic() - self.last_data_at
            if since >= settings.CCTV_LIVE_OFFLINE_AFTER_S:
                self._set_state("offline")
            elif was_live:
                self._set_state("reconnecting")
            await asyncio.sleep(settings.CCTV_LIVE_RETRY_S)

    async def _stream(self, source: Source, media: str) -> bool:
        """Run FFmpeg once until the stream ends; return whether any picture came."""
        self.connections += 1
        self.proc = proc = await asyncio.create_subprocess_exec(
            *ffmpeg_command(source.url, media),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        codec: asyncio.Future = asyncio.get_running_loop().create_future()
        errors: list[str] = []
        stderr_task = asyncio.get_running_loop().create_task(
            self._read_stderr(proc, codec, errors, source.secrets)
        )
        got_data = False
        try:
            if media == "mpegts":
                try:
                    name = await asyncio.wait_for(
                        asyncio.shield(codec), settings.CCTV_LIVE_STALL_S * 2
                    )
                except TimeoutError:
                    name = ""
                if name and name != "h264":
                    # Not playable as it is: MJPEG is relayed as JPEG frames, the rest re-encoded.
                    self.codec_of["media"] = "mjpeg" if name == "mjpeg" else "transcode"
                    return False
            got_data = await self._pump(proc, media)
        finally:
            await self._kill()
            stderr_task.cancel()
            if errors and not got_data:
                log.info("camera %s live: %s", self.camera_id, errors[-1][:200])
        return got_data

    async def _pump(self, proc, media: str) -> bool:
        got_data, rest = False, b""
        while True:
            try:
                chunk = await asyncio.wait_for(proc.stdout.read(65536), settings.CCTV_LIVE_STALL_S)
            except TimeoutError:
                return got_data
            if not chunk:
                return got_data
            if not got_data:
                got_data = True
                self.epoch += 1
                self.media = "mjpeg" if media == "mjpeg" else "mpegts"
                self.gop, self.last_jpeg = bytearray(), b""
                self._set_state("live")
            self.last_data_at = time.monotonic()
            rest += chunk
            if media == "mjpeg":
                rest = self._split_jpegs(rest)
            else:
                cut = len(rest) - len(rest) % TS_PACKET
                packets, rest = rest[:cut], rest[cut:]
                if packets:
                    self._ts_packets(packets)

    def _ts_packets(self, packets: bytes) -> None:
        """Keep the current group of pictures for late viewers; send the packets to all."""
        for i in range(0, len(packets), TS_PACKET):
            packet = packets[i : i + TS_PACKET]
            pid = ((packet[1] & 0x1F) << 8) | packet[2]
            if pid == PAT_PID:
                self.pat = packet
            elif pid == PMT_PID:
                self.pmt = packet
            keyframe = (packet[3] & 0x20) and packet[4] > 0 and packet[5] & 0x40
            if keyframe and pid not in (PAT_PID, PMT_PID):
                self.gop = bytearray(self.pat + self.pmt)
                for viewer in self.viewers:
                    if viewer.lagging:
                        viewer.lagging = False
                        viewer.put("data", self.pat + self.pmt)
            if len(self.gop) < MAX_GOP_BYTES:
                self.gop += packet
        for viewer in self.viewers:
            viewer.put("data", packets)

    def _split_jpegs(self, buffer: bytes) -> bytes:
        while True:
            head = MJPEG_PART.search(buffer)
            if head is None:
                return buffer[-4096:] if len(buffer) > 4096 and b"--" not in buffer else buffer
            size = int(head[1])
            end = head.end() + size
            if len(buffer) < end:
                return buffer[head.start() :]
            jpeg = buffer[head.end() : end]
            self.last_jpeg = jpeg
            for viewer in self.viewers:
                viewer.lagging = False
                viewer.put("data", jpeg)
            buffer = buffer[end:]

    async def _read_stderr(self, proc, codec: asyncio.Future, errors: list, secrets) -> None:
        async for line in proc.stderr:
            if not codec.done() and (match := STREAM_LINE.search(line)):
                codec.set_result(match[1].decode())
            text = line.decode(errors="replace").strip()
            if "rror" in text or "refused" in text or "401" in text or "404" in text:
                errors.append(redact(text, secrets))
        if not codec.done():
            codec.set_result("")

    async def _kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
