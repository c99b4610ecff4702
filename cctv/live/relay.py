"""One connection per camera, fanned out to every viewer in this process.

A `Relay` runs FFmpeg (Debian's) against the camera: H.264 is copied into MPEG-TS without
re-encoding (mpegts.js plays it in the browser), MJPEG is copied as JPEG frames, and only a
codec the browser cannot play (H.265, say) is re-encoded to H.264. Every viewer of the camera
gets the same bytes; a viewer who joins late first gets the current group of pictures (from the
last keyframe, with the stream's PAT and PMT) so that the picture appears at once. The relay
tells its viewers its state (connecting, live, reconnecting, offline), retries a lost camera by
itself, and ends CCTV_LIVE_IDLE_S seconds after its last viewer left.

Several web processes (production: daphne processes on the Redis channel layer) share one
connection per camera: a lease in Redis (SET NX with a TTL, renewed by its holder) names the
process that runs FFmpeg, the *owner*; it publishes the stream's chunks and states to the
camera's channel-layer group, and the camera's relay in every other process (a *follower*)
relays them to its own viewers. A follower that starts asks the owner for the current group of
pictures (its picture appears at once) and otherwise starts at the next keyframe. Every process
with viewers marks the camera watched in Redis; the owner stops CCTV_LIVE_IDLE_S after the
camera was last watched anywhere. If the owner dies, its lease expires within CCTV_LIVE_LEASE_S
and a follower with viewers takes the camera over. With the in-memory layer (the embedded
default, one process) there is no lease: the process's relay is the owner.

The camera's URL with its credentials never is in FFmpeg's arguments (anyone on the machine
reads those in /proc/PID/cmdline): FFmpeg reads it from its standard input, as the one entry of
an ffconcat list. FFmpeg's messages are read for the codec and for errors and never logged as
they are.
"""

import asyncio
import contextlib
import ctypes
import logging
import re
import shutil
import signal
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


def ffconcat(source: str, options: dict[str, str]) -> bytes:
    """The ffconcat list FFmpeg reads on its standard input: SOURCE, opened with OPTIONS."""
    # Inside single quotes everything is literal but the quote; a line break would end the entry.
    quoted = source.replace("'", "'\\''").replace("\n", "%0A").replace("\r", "%0D")
    lines = ["ffconcat version 1.0", f"file '{quoted}'"]
    lines += [f"option {name} {value}" for name, value in options.items()]
    return ("\n".join(lines) + "\n").encode()


def ffmpeg_command(source: str, media: str) -> tuple[list[str], bytes]:
    """The FFmpeg command reading SOURCE and writing MEDIA ('mpegts', 'mjpeg' or 'transcode'),
    and what to write on its standard input: SOURCE (with its credentials) is not in the
    command, which anyone on the machine can read, but in an ffconcat list read from stdin."""
    options = {}
    if source.startswith(("rtsp://", "rtsps://")):
        options["rtsp_transport"] = "tcp"
    # Socket timeout (microseconds): a camera that stops answering ends the process.
    options["timeout"] = str(int(settings.CCTV_LIVE_STALL_S * 1_000_000))
    options["protocol_whitelist"] = net.FFMPEG_NETWORK_PROTOCOLS  # never file: or concat:
    command = [ffmpeg_path() or "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info"]
    # Only the list itself comes from a pipe; what it names may use network protocols only.
    command += ["-protocol_whitelist", f"pipe,{net.FFMPEG_NETWORK_PROTOCOLS}"]
    command += ["-f", "concat", "-safe", "0", "-i", "pipe:0", "-map", "0:v:0", "-an"]
    stdin = ffconcat(source, options)
    if media == "mjpeg":
        return [*command, "-c:v", "copy", "-f", "mpjpeg", "pipe:1"], stdin
    if media == "transcode":
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15"]
    else:
        # SPS/PPS before every keyframe, so that a viewer can start at any keyframe.
        command += ["-c:v", "copy", "-bsf:v", "dump_extra=freq=keyframe"]
    command += ["-f", "mpegts", "-muxdelay", "0", "-muxpreload", "0", "pipe:1"]
    return command, stdin


def _die_with_parent() -> None:
    """In the FFmpeg child: be killed when the web process dies (its camera connection with
    it), so that another process can take the camera over at once."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


OUTBOX_SIZE = 256  # messages an owner may have waiting for the channel layer
# The lease: renewed or released only by its holder (the value is its channel on the layer).
RENEW = """if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"""
RELEASE = """if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1]) else return 0 end"""


def shared_mode() -> bool:
    """Whether several web processes share the cameras: the channel layer is Redis."""
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    return bool(getattr(settings, "REDIS_URL", "")) and "redis" in backend.lower()


def layer_prefix() -> str:
    config = settings.CHANNEL_LAYERS.get("default", {}).get("CONFIG", {})
    return config.get("prefix", "asgi")


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
    """The camera's relay in this process, shared by all of its viewers here: the owner of the
    camera's one connection, or (several processes, Redis) a follower of the owner's stream."""

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
        self.synced = True  # self.gop starts at a keyframe (a follower that joined: not yet)
        self.pat = self.pmt = b""
        self.last_jpeg = b""
        self.last_data_at = time.monotonic()
        self.connections = 0  # camera connections opened (FFmpeg processes started)
        # Shared between processes (Redis): the role, the stream task of an owner, the queue of
        # what it publishes, this relay's channel on the layer and its Redis client.
        self.shared = shared_mode()
        self.role = "owner" if not self.shared else ""
        self.run_task: asyncio.Task | None = None
        self.outbox: asyncio.Queue | None = None
        self.layer = self.channel = self.redis = None
        self.watched_at = time.monotonic()

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
        relay.watched_at = time.monotonic()
        if relay.idle_task is not None:
            relay.idle_task.cancel()
            relay.idle_task = None
        if relay.task is None:
            work = relay._coordinate(key) if relay.shared else relay._run(key)
            relay.task = asyncio.get_running_loop().create_task(work)
            if relay.shared:
                relay._send_start(viewer)  # not synced: the viewer waits for a keyframe
        else:
            viewer.put("state", relay.state_message())
            if relay.state == "live":
                relay._send_start(viewer)
        return relay, viewer

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if self.shared:
            self.watched_at = time.monotonic()  # the coordinator ends an idle relay
            return
        if not self.viewers and self.task is not None and self.idle_task is None:
            self.idle_task = asyncio.get_running_loop().create_task(self._idle_close())

    async def _idle_close(self) -> None:
        await asyncio.sleep(settings.CCTV_LIVE_IDLE_S)
        if not self.viewers:
            await self.close()

    def _forget(self) -> None:
        for key, relay in list(self.relays.items()):
            if relay is self:
                del self.relays[key]

    async def close(self) -> None:
        """Stop the relay: end FFmpeg (the camera connection) and forget the relay."""
        self._forget()
        for task in (self.task, self.run_task):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):  # told to stop
                    await task
        self.task = self.run_task = None
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
        self._publish({"type": "live.state", "state": self.state_message()})

    def _send_start(self, viewer: Viewer) -> None:
        """Give a viewer joining a running stream what lets it start at once."""
        if self.media == "mjpeg":
            if self.last_jpeg:
                viewer.put("data", self.last_jpeg)
        elif not self.synced:
            viewer.lagging = True  # starts at the next keyframe (or the owner's picture)
        elif self.gop:
            viewer.put("data", bytes(self.gop))

    # --- one connection for several processes (Redis) --------------------------------------

    def _key(self, what: str) -> str:
        return f"{layer_prefix()}:cctv-live:{what}:{self.camera_id}"

    @property
    def group(self) -> str:
        return f"cctv-live-{self.camera_id}"

    def _publish(self, message: dict, to: str | None = None) -> None:
        """As the owner, send MESSAGE to the followers (or to the channel TO), in order."""
        if self.role != "owner" or self.outbox is None:
            return
        # The layer too slow: the message is dropped, the followers' decoders recover.
        with contextlib.suppress(asyncio.QueueFull):
            self.outbox.put_nowait((to, message))

    async def _send_out(self) -> None:
        while True:
            to, message = await self.outbox.get()
            try:
                if to is None:
                    await self.layer.group_send(self.group, message)
                else:
                    await self.layer.send(to, message)
            except Exception as exc:  # Redis down: the followers see a gap
                log.warning("camera %s live: publishing failed: %s", self.camera_id, exc)

    async def _coordinate(self, key) -> None:
        """Hold or follow the camera's lease until the camera is watched nowhere any more."""
        import redis.asyncio as aioredis
        from channels.layers import get_channel_layer

        self.layer = get_channel_layer()
        self.channel = await self.layer.new_channel()
        self.redis = aioredis.Redis.from_url(settings.REDIS_URL)
        self.outbox = asyncio.Queue(OUTBOX_SIZE)
        loop = asyncio.get_running_loop()
        listener = loop.create_task(self._listen())
        sender = loop.create_task(self._send_out())
        tick = settings.CCTV_LIVE_LEASE_S / 3
        try:
            while True:
                try:
                    if not await self._tick():
                        return
                except (OSError, aioredis.RedisError) as exc:
                    log.warning("camera %s live: Redis: %s", self.camera_id, exc)
                await asyncio.sleep(tick)
        finally:
            self._forget()
            listener.cancel()
            if self.run_task is not None:
                self.run_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self.run_task
            await self._kill()
            sender.cancel()
            with contextlib.suppress(Exception):
                if self.role == "owner":
                    await self.redis.eval(RELEASE, 1, self._key("lease"), self.channel)
                await self.layer.group_discard(self.group, self.channel)
            with contextlib.suppress(Exception):
                await self.redis.aclose()

    async def _tick(self) -> bool:
        """One beat of the coordinator; False when the relay ends."""
        now = time.monotonic()
        lease_ms = int(settings.CCTV_LIVE_LEASE_S * 1000)
        watched = self._key("watched")
        if self.viewers:
            self.watched_at = now
            await self.redis.set(watched, "1", px=lease_ms)
        elif self.role == "owner" and await self.redis.exists(watched):
            self.watched_at = now  # viewers in other processes
        if not self.viewers and now - self.watched_at >= settings.CCTV_LIVE_IDLE_S:
            self._forget()
            return False
        lease = self._key("lease")
        if self.role == "owner":
            if not await self.redis.eval(RENEW, 1, lease, self.channel, lease_ms):
                log.info("camera %s live: lease lost, following", self.camera_id)
                await self._follow()
            return True
        if self.viewers and await self.redis.set(lease, self.channel, nx=True, px=lease_ms):
            await self._own()
        elif self.role != "follower":
            await self._follow()
        return True

    async def _own(self) -> None:
        """Take the camera: run FFmpeg here and publish its stream."""
        self.role = "owner"
        with contextlib.suppress(Exception):
            await self.layer.group_discard(self.group, self.channel)
        self.synced = True
        if self.state == "live":  # the previous owner's stream stopped
            self._set_state("reconnecting")
        self.run_task = asyncio.get_running_loop().create_task(self._run(None))

    async def _follow(self) -> None:
        """Relay the owner's stream; ask it for the current group of pictures."""
        if self.run_task is not None:
            self.run_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.run_task
            self.run_task = None
            await self._kill()
        self.role = "follower"
        self.synced = False
        for viewer in self.viewers:
            viewer.lagging = True  # until the owner's picture or the next keyframe
        await self.layer.group_add(self.group, self.channel)
        owner = await self.redis.get(self._key("lease"))
        if owner:
            hello = {"type": "live.hello", "reply": self.channel}
            await self.layer.send(owner.decode(), hello)

    async def _listen(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception as exc:  # Redis down: the lease decides what happens next
                log.warning("camera %s live: layer: %s", self.camera_id, exc)
                await asyncio.sleep(settings.CCTV_LIVE_LEASE_S / 3)
                continue
            kind = message.get("type")
            if kind == "live.hello" and self.role == "owner":
                start = {"type": "live.start", "state": self.state_message()}
                start["picture"] = self.last_jpeg if self.media == "mjpeg" else bytes(self.gop)
                self._publish(start, to=message["reply"])
            elif self.role != "follower":
                continue
            elif kind == "live.data":
                self._follow_data(message["data"])
            elif kind == "live.state":
                self._follow_state(message["state"])
            elif kind == "live.start":
                self._follow_state(message["state"], new_stream=False)
                picture = message.get("picture") or b""
                if self.state == "live" and picture and not self.synced:
                    self.gop, self.synced = bytearray(picture), True
                    for viewer in self.viewers:
                        if viewer.lagging:
                            viewer.lagging = False
                            viewer.put("data", picture)

    def _follow_state(self, state: dict, new_stream: bool = True) -> None:
        """Take the owner's STATE; NEW_STREAM: its stream starts now (else it is under way)."""
        if state["epoch"] != self.epoch:
            self.epoch, self.media = state["epoch"], state["media"]
            self.gop, self.last_jpeg = bytearray(), b""
            # A stream that starts now is whole from here; one joined midway waits.
            self.synced = new_stream and state["state"] == "live"
            for viewer in self.viewers:
                viewer.lagging = not self.synced
        self.last_data_at = time.monotonic()
        self._set_state(state["state"], state["reason"])

    def _follow_data(self, data: bytes) -> None:
        self.last_data_at = time.monotonic()
        if self.media == "mjpeg":
            self.last_jpeg = data
            for viewer in self.viewers:
                viewer.lagging = False
                viewer.put("data", data)
        else:
            self._ts_packets(data)

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
        command, list_ = ffmpeg_command(source.url, media)
        self.proc = proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=_die_with_parent,
        )
        proc.stdin.write(list_)
        with contextlib.suppress(ConnectionError):
            await proc.stdin.drain()
        proc.stdin.close()
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
                # Unique across processes too (a follower compares it with the one it had).
                self.epoch = max(self.epoch + 1, int(time.time() * 1000))
                self.media = "mjpeg" if media == "mjpeg" else "mpegts"
                self.gop, self.last_jpeg, self.synced = bytearray(), b"", True
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
                self.gop, self.synced = bytearray(self.pat + self.pmt), True
                for viewer in self.viewers:
                    if viewer.lagging:
                        viewer.lagging = False
                        viewer.put("data", self.pat + self.pmt)
            if self.synced and len(self.gop) < MAX_GOP_BYTES:
                self.gop += packet
        for viewer in self.viewers:
            viewer.put("data", packets)
        self._publish({"type": "live.data", "data": packets})

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
            self._publish({"type": "live.data", "data": jpeg})
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
