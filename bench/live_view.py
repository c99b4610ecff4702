"""Live view: one loopback RTSP camera (1080p H.264, 15 fps) watched by 1, 10 and 50 websocket
clients at once through the real ASGI server and its FFmpeg relay.

Run: .venv/bin/python bench/live_view.py [--seconds 15]

The camera is Debian's GStreamer RTSP server (tests/rtsp) fed by an appsrc (clock_launch): each
frame carries the wall-clock time (ms) it was made, as 40 black or white blocks across its top,
over a grainy picture that moves (so that the encoder spends its 4 Mbit/s as a camera would).
One client per phase pipes what it receives into an FFmpeg decoder and reads the blocks back:
delay = now - burnt time, so it covers encoding, RTSP, the relay, the websocket and a decoder
(an upper bound of what a browser adds; mpegts.js's own buffering is not in it). The others only
count bytes, as browsers would receive them.

- delay_p50_ms / delay_p95_ms: of the decoded frames during the measured seconds (per phase).
- cpu_pct_per_camera: CPU of the web process and the camera's FFmpeg, % of one core, 1 viewer.
- cpu_pct_per_viewer: (CPU with 50 viewers - CPU with 1) / 49, % of one core.
- bytes_per_viewer_s: bytes a viewer received per second.
- camera_connections: RTSP sessions the camera saw (1 if the relay never had to reconnect).
Prints the figures, then one JSON line.
"""

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support.common import (  # noqa: E402
    ROOT,
    cpu_seconds,
    django_shell,
    free_port,
    percentile,
    start_daphne,
    wait_for_port,
)

from tests.rtsp import RtspServer, clock_launch  # noqa: E402

W, H, FPS, BITS, BLOCK = 1920, 1080, 15, 40, 48
SMALL_W, SMALL_H = 480, 270
PASSWORD = "bench-Secret-1"  # noqa: S105

SEED = r"""
import json
from django.test import Client
from cctv import services
from cctv.models import Camera, CameraSite
from smartzone import services as core
from smartzone.models import Station
from tests.conftest import make_officer
station = core.station_save(
    actor="bench",
    station=Station(code="mukdahan", name="สภ.เมืองมุกดาหาร", lat=16.5466, lng=104.7233),
)
site = services.camera_site_save(
    actor="bench", site=CameraSite(station=station, name="ตลาด", lat=16.5447, lng=104.7258)
)
camera = services.camera_save(actor="bench", camera=Camera(
    station=station, site=site, code="bench", name="1080p", lat=16.5447, lng=104.7258,
    stream_url="URL", username="admin", password="PASSWORD",
))
officer = make_officer("bench", station)
client = Client()
client.force_login(officer)
print(json.dumps({"camera": camera.pk, "session": client.cookies["sessionid"].value}))
"""


def read_time(gray: np.ndarray) -> int:
    scale = SMALL_W / W
    row = int(BLOCK * scale / 2)
    value = 0
    for i in range(BITS):
        x = int((i + 0.5) * BLOCK * scale)
        value = (value << 1) | (1 if gray[row, x] > 128 else 0)
    return value


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cpu_of(pids) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError):  # an FFmpeg that ended
            total += cpu_seconds(pid)
    return total


class Decoder:
    """FFmpeg decoding one client's stream to small grey frames; records the delays."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-fflags",
                "nobuffer",
                "-flags",
                "low_delay",
                "-probesize",
                "65536",
                "-analyzeduration",
                "0",
                "-f",
                "mpegts",
                "-i",
                "pipe:0",
                "-vf",
                f"scale={SMALL_W}:{SMALL_H}",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "pipe:1",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.delays: list[float] = []
        self.recording = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        size = SMALL_W * SMALL_H
        while True:
            data = self.proc.stdout.read(size)
            if len(data) < size:
                return
            burnt = read_time(np.frombuffer(data, np.uint8).reshape(SMALL_H, SMALL_W))
            now = int(time.time() * 1000) % (1 << BITS)
            if self.recording and 0 <= now - burnt < 60_000:
                self.delays.append(now - burnt)

    def feed(self, data: bytes):
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass

    def close(self):
        self.proc.kill()


async def client(url, cookie, origin, counter, decoder, stop):
    import websockets

    async with websockets.connect(
        url,
        additional_headers={"Cookie": f"sessionid={cookie}", "Origin": origin},
        max_size=None,
    ) as ws:
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(ws.recv(), 1)
            except TimeoutError:
                continue
            if isinstance(message, str) and decoder is not None:
                print("state:", message, file=sys.stderr, flush=True)
            if isinstance(message, bytes):
                counter[0] += len(message)
                if decoder is not None:
                    await asyncio.to_thread(decoder.feed, message)


async def phase(n, url, cookie, origin, daphne_pid, seconds):
    stop = asyncio.Event()
    decoder = Decoder()
    counters = [[0] for _ in range(n)]
    tasks = [
        asyncio.create_task(
            client(url, cookie, origin, counters[i], decoder if i == 0 else None, stop)
        )
        for i in range(n)
    ]
    await asyncio.sleep(12)  # every client live, the decoder past its start
    pids = [daphne_pid, *children(daphne_pid)]
    cpu0 = cpu_of(pids)
    bytes0 = sum(c[0] for c in counters)
    t0 = time.monotonic()
    decoder.recording = True
    await asyncio.sleep(seconds)
    decoder.recording = False
    elapsed = time.monotonic() - t0
    cpu = cpu_of(pids) - cpu0
    received = sum(c[0] for c in counters) - bytes0
    stop.set()
    for failure in await asyncio.gather(*tasks, return_exceptions=True):
        if failure is not None:
            print("client:", repr(failure)[:300], file=sys.stderr, flush=True)
    decoder.close()
    return {
        "viewers": n,
        "delay_p50_ms": round(percentile(decoder.delays, 50)) if decoder.delays else None,
        "delay_p95_ms": round(percentile(decoder.delays, 95)) if decoder.delays else None,
        "decoded_frames": len(decoder.delays),
        "cpu_pct": round(100 * cpu / elapsed, 1),
        "bytes_per_viewer_s": round(received / n / elapsed),
        "ffmpeg_processes": len(pids) - 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="live-bench-"))
    camera = RtspServer(
        {"/cam": clock_launch(width=W, height=H, fps=FPS, kbps=4000, texture=True)},
        user="admin",
        password=PASSWORD,
    )
    camera.start()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "CAMERA_NETWORKS": "127.0.0.0/8",
        "CCTV_LIVE_IDLE_S": "60",
        "CCTV_LIVE_STALL_S": "20",
        "CCTV_LIVE_OFFLINE_AFTER_S": "60",
        "MAP_TILES_URL": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    seed = SEED.replace("URL", f"rtsp://127.0.0.1:{camera.port}/cam").replace("PASSWORD", PASSWORD)
    made = django_shell(seed, env)
    print("seeded; starting the server", file=sys.stderr, flush=True)
    port = free_port()
    daphne = start_daphne(port, env)
    results = []
    try:
        wait_for_port(port, daphne)
        url = f"ws://127.0.0.1:{port}/ws/cctv/cameras/{made['camera']}/live/"
        for n in (1, 10, 50):
            result = asyncio.run(
                phase(n, url, made["session"], f"http://127.0.0.1:{port}", daphne.pid, args.seconds)
            )
            results.append(result)
            print(json.dumps(result), flush=True)
        camera_connections = camera.connections
    finally:
        daphne.kill()
        camera.stop()
    one, fifty = results[0], results[-1]
    print(
        json.dumps(
            {
                "delay_p50_ms": one["delay_p50_ms"],
                "delay_p50_ms_50_viewers": fifty["delay_p50_ms"],
                "delay_p95_ms": one["delay_p95_ms"],
                "cpu_pct_per_camera": one["cpu_pct"],
                "cpu_pct_per_viewer": round((fifty["cpu_pct"] - one["cpu_pct"]) / 49, 2),
                "bytes_per_viewer_s": one["bytes_per_viewer_s"],
                "camera_connections": camera_connections,
                "phases": results,
            }
        )
    )


if __name__ == "__main__":
    main()
