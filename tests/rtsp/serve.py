"""A real RTSP server for the tests: Debian's GStreamer RTSP server, run by the system Python.

Run as `/usr/bin/python3 tests/rtsp/serve.py --port N [--user U --password P --auth
basic|digest] --mount /path=LAUNCH ...`, where LAUNCH is a GStreamer pipeline description ending
in a payloader named pay0 (tests/rtsp/__init__.py builds them); a pipeline with an appsrc named
`clock` is fed live frames with the wall-clock time burnt in (see clock_frame). Every mount is
shared: all clients of one path are served by one pipeline, as a camera does. The server prints
one line per event on stdout, which the fixture reads: `ready PORT`, `connected N`, `closed N`
(N = clients open now) and `playing PATH EPOCH` (wall time at which that mount's pipeline
started playing).

It runs outside the project's virtualenv because PyGObject comes from Debian (python3-gi).
"""

import argparse
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
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--auth", choices=["basic", "digest"], default="basic")
    parser.add_argument("--mount", action="append", default=[], help="/path=LAUNCH")
    args = parser.parse_args()

    Gst.init(None)
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
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch)
        factory.set_shared(True)
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
        if args.user:
            role = Gst.Structure.from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )[0]
            factory.add_role_from_structure(role)

        def configured(_factory, media, path=path):
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
