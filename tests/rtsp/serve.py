"""A real RTSP server for the tests: Debian's GStreamer RTSP server, run by the system Python.

Run as `/usr/bin/python3 tests/rtsp/serve.py --port N [--user U --password P --auth
basic|digest] --mount /path=LAUNCH ...`, where LAUNCH is one of:
- a GStreamer pipeline description ending in a payloader named pay0 (tests/rtsp/__init__.py
  builds them); a pipeline with an appsrc named `clock` is fed live frames with the wall-clock
  time burnt in (see clock_frame);
- `clip:CODEC:FPS:FILE`: an H.264 or H.265 elementary stream encoded beforehand (`--encode`),
  served in a loop at FPS without encoding anything, so the camera keeps real time however busy
  the machine is (its access units are pushed on the pipeline clock with regular timestamps,
  the loop in phase with the wall clock; after a stall the stream goes on from the next
  keyframe at the current time, as a camera's clock does).
Every mount is shared: all clients of one path are served by one pipeline, as a camera does.

The server prints one line per event on stdout, which the fixture reads: `ready PORT`,
`connected N`, `closed N` (N = clients open now) and `playing PATH EPOCH` (wall time at which
that mount's pipeline started playing; for a clip, the wall time at which the loop being
served started: a multiple of the loop's length since the epoch).

`serve.py --encode OUT --frames DIR --count N --fps F --codec h264|h265 --kbps K` encodes the
JPEGs DIR/000000.jpg .. N-1 once, as a camera's encoder would (one keyframe a second, no
B-frames), into the elementary stream OUT, and exits.

It runs outside the project's virtualenv because PyGObject comes from Debian (python3-gi).
"""

import argparse
import math
import os
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def say(*words) -> None:
    print(*words, flush=True)


ENCODE = {
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={key} bitrate={kbps} "
    "! video/x-h264,profile=baseline,stream-format=byte-stream,alignment=au",
    "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max={key} bitrate={kbps} "
    "! video/x-h265,stream-format=byte-stream,alignment=au",
}


def run_to_end(pipeline) -> None:
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    message = bus.timed_pop_filtered(
        Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR
    )
    pipeline.set_state(Gst.State.NULL)
    if message.type == Gst.MessageType.ERROR:
        sys.exit(f"encoding failed: {message.parse_error()[0].message}")


def encode(args) -> None:
    """Encode the JPEGs of args.frames into args.encode (an elementary stream), as fast as
    the machine can (not live)."""
    num, den = fraction(args.fps)
    key = max(1, round(args.fps))
    launch = (
        f'multifilesrc location="{args.frames}/%06d.jpg" index=0 stop-index={args.count - 1} '
        f'caps="image/jpeg,framerate={num}/{den}" ! jpegdec ! videoconvert '
        f"! video/x-raw,format=I420 ! {ENCODE[args.codec].format(key=key, kbps=args.kbps)} "
        f'! filesink location="{args.encode}"'
    )
    run_to_end(Gst.parse_launch(launch))


def fraction(fps: float) -> tuple[int, int]:
    return (int(fps), 1) if fps == int(fps) else (round(fps * 1000), 1000)


def load_clip(codec: str, path: str) -> list[tuple[bytes, bool]]:
    """The access units of the elementary stream at PATH: (bytes, keyframe) each."""
    pipeline = Gst.parse_launch(
        f'filesrc location="{path}" ! {codec}parse config-interval=-1 '
        f"! video/x-{codec},stream-format=byte-stream,alignment=au "
        "! appsink name=sink sync=false max-buffers=0"
    )
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    units = []
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        buffer = sample.get_buffer()
        key = not buffer.has_flags(Gst.BufferFlags.DELTA_UNIT)
        units.append((buffer.extract_dup(0, buffer.get_size()), key))
    pipeline.set_state(Gst.State.NULL)
    if not units or not units[0][1]:
        sys.exit(f"{path}: no access units, or the first is not a keyframe")
    return units


def clip_launch(codec: str, fps: float) -> str:
    num, den = fraction(fps)
    return (
        "( appsrc name=clip is-live=true format=time do-timestamp=false "
        f"caps=video/x-{codec},stream-format=byte-stream,alignment=au,framerate={num}/{den} "
        f"! {codec}parse config-interval=-1 ! rtp{codec}pay name=pay0 pt=96 config-interval=1 )"
    )


def feed(appsrc, units, fps: float, path: str) -> None:
    """Push UNITS into APPSRC in a loop at FPS, on the wall clock's phase: the loop of n units
    starts at every wall time that is a multiple of n / FPS seconds since the epoch (so a test
    knows when a frame is on the stream before any client connects), from the first keyframe
    due once the pipeline plays; end when the pipeline stops."""
    playing = Gst.State.PLAYING
    deadline = time.monotonic() + 30
    while appsrc.get_state(0)[1] != playing:
        if time.monotonic() > deadline:
            return
        time.sleep(0.005)
    clock = appsrc.get_clock()
    n = len(units)
    running, wall = clock.get_time() - appsrc.get_base_time(), time.time()
    anchor = wall - wall % (n / fps)  # wall time of unit 0 of the current loop
    t0 = running + round((anchor - wall) * Gst.SECOND)  # its running time (may be < 0)
    say("playing", path, f"{anchor:.3f}")
    g = math.ceil((wall - anchor) * fps)
    while not units[g % n][1]:
        g += 1
    while True:
        state = appsrc.get_state(0)[1]
        if state != playing:
            if state in (Gst.State.NULL, Gst.State.READY):
                return
            time.sleep(0.01)
            continue
        pts = t0 + round(g * Gst.SECOND / fps)
        now = clock.get_time() - appsrc.get_base_time()
        if now > pts + Gst.SECOND // 2:
            # Paused, or starved of CPU for half a second: go on where the time says, from a
            # keyframe (the frames in between were never sent, as with a camera that stalls).
            g = math.ceil((now - t0) * fps / Gst.SECOND)
            while not units[g % n][1]:
                g += 1
            continue
        if pts > now:
            time.sleep((pts - now) / Gst.SECOND)
        data, _key = units[g % n]
        buffer = Gst.Buffer.new_wrapped(data)
        buffer.pts = buffer.dts = pts
        buffer.duration = round(Gst.SECOND / fps)
        if appsrc.emit("push-buffer", buffer) != Gst.FlowReturn.OK:
            return
        g += 1


# --- clock mounts: live frames carrying the wall-clock time (tests/rtsp clock_launch) ---------

CLOCK_BITS = 40  # the time in ms, most significant bit first, as CLOCK_BITS blocks on the top


def clock_frame(width: int, height: int, ms: int, chroma: bytes, texture: bytes = b"") -> bytes:
    """An I420 frame: the time MS as black (0) or white (1) blocks of width // CLOCK_BITS
    pixels across its top rows (as many rows), grey elsewhere, and a bar that moves; with
    TEXTURE (random bytes, twice the picture), the picture below the blocks is that noise,
    moved on at every frame, so that the encoder spends its whole bitrate as a camera does."""
    block = width // CLOCK_BITS
    bits = [(ms >> (CLOCK_BITS - 1 - i)) & 1 for i in range(CLOCK_BITS)]
    top = b"".join((b"\xeb" if bit else b"\x10") * block for bit in bits)
    top += b"\x5a" * (width - len(top))
    x = (ms // 10) % width
    bar = min(40, width - x)
    moving = b"\x5a" * x + b"\xc8" * bar + b"\x5a" * (width - x - bar)
    body = height - block - 40
    if texture:
        size = width * (height - block)
        offset = (ms * 7919) % (len(texture) - size) // width * width
        return top * block + texture[offset : offset + size] + chroma
    return top * block + b"\x5a" * (width * 40) + moving * body + chroma


def feed_clock(appsrc, stop, textured: bool = False) -> None:
    """Push a frame with the current time into APPSRC at its caps' frame rate until STOP is set
    or the pipeline stops taking buffers (it was unprepared)."""
    caps = appsrc.get_property("caps").get_structure(0)
    width, height = caps.get_value("width"), caps.get_value("height")
    _, num, den = caps.get_fraction("framerate")
    period = den / num
    chroma = b"\x80" * (width * height // 2)
    # Noise of low amplitude (a grainy picture), not white noise the encoder cannot follow.
    grain = bytes(80 + i % 24 for i in range(256))
    texture = os.urandom(2 * width * height).translate(grain) if textured else b""
    start, n = time.monotonic(), 0
    while not stop.is_set():
        ms = int(time.time() * 1000) % (1 << CLOCK_BITS)
        frame = clock_frame(width, height, ms, chroma, texture)
        if appsrc.emit("push-buffer", Gst.Buffer.new_wrapped(frame)) != Gst.FlowReturn.OK:
            return
        n += 1
        delay = start + n * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            start, n = time.monotonic(), 0  # fell behind: do not burst to catch up


def start_clock(media) -> None:
    """If MEDIA's pipeline has an appsrc named clock (clock_launch), feed it from a thread."""
    element = media.get_element()
    appsrc, textured = element.get_by_name("clock"), False
    if appsrc is None:
        appsrc, textured = element.get_by_name("clocktexture"), True
    if appsrc is None:
        return
    stop = threading.Event()
    media.connect("unprepared", lambda _media: stop.set())
    threading.Thread(target=feed_clock, args=(appsrc, stop, textured), daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--encode", help="encode --frames into this file and exit")
    parser.add_argument("--frames")
    parser.add_argument("--count", type=int)
    parser.add_argument("--fps", type=float)
    parser.add_argument("--codec", choices=sorted(ENCODE))
    parser.add_argument("--kbps", type=int, default=2000)
    parser.add_argument("--port", type=int)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--auth", choices=["basic", "digest"], default="basic")
    parser.add_argument("--mount", action="append", default=[], help="/path=LAUNCH")
    args = parser.parse_args()

    Gst.init(None)
    if args.encode:
        encode(args)
        return
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))

    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if args.auth == "digest":
            auth.add_digest(args.user, args.password, token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        else:
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        server.set_auth(auth)

    mounts = server.get_mount_points()
    for spec in args.mount:
        path, launch = spec.split("=", 1)
        clip = None
        if launch.startswith("clip:"):
            _, codec, fps, file = launch.split(":", 3)
            clip = (load_clip(codec, file), float(fps))
            launch = clip_launch(codec, float(fps))
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(True)
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
        if args.user:
            role = Gst.Structure.from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )[0]
            factory.add_role_from_structure(role)

        def configured(_factory, media, path=path, clip=clip):
            if clip is not None:
                appsrc = media.get_element().get_by_name("clip")
                units, fps = clip
                threading.Thread(target=feed, args=(appsrc, units, fps, path), daemon=True).start()
                return

            def state_changed(_media, state):
                if state == Gst.State.PLAYING:
                    say("playing", path, f"{time.time():.3f}")

            media.connect("new-state", state_changed)
            start_clock(media)

        factory.connect("media-configure", configured)
        mounts.add_factory(path, factory)

    open_clients = set()

    def client_connected(_server, client):
        open_clients.add(id(client))
        say("connected", len(open_clients))

        def closed(_client):
            open_clients.discard(id(client))
            say("closed", len(open_clients))

        client.connect("closed", closed)

    server.connect("client-connected", client_connected)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on port {args.port}")
    say("ready", args.port)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
