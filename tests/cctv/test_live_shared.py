"""Several web processes share one connection per camera (production: daphne processes on the
Redis channel layer): two real daphne processes, viewers on both, a real RTSP camera that counts
its clients; the process holding the camera is killed and the other one takes it over. The
converter's command line (readable by anyone on the machine) holds no password."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client

from cctv import services
from cctv.models import Camera
from tests.cctv.conftest import STREAM_SECRET
from tests.conftest import (
    ROOT,
    database_url_for_subprocess,
    free_port,
    need,
    stop_process,
    wait_for_port,
)
from tests.rtsp import RtspServer, need_rtsp, pattern_launch

pytestmark = [pytest.mark.rtsp, pytest.mark.django_db(transaction=True)]
websockets = pytest.importorskip("websockets")

IDLE_S, LEASE_S = 1.5, 1.5


@pytest.fixture
def rtsp_camera():
    need_rtsp()
    need(subprocess.run(["which", "ffmpeg"], capture_output=True).returncode == 0, "no ffmpeg")
    server = RtspServer(
        {"/live": pattern_launch(width=320, height=240, fps=10, kbps=300)},
        user="admin",
        password=STREAM_SECRET,
        auth="digest",
    )
    server.start()
    yield server
    server.stop()


def start_web(redis_url: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "MAP_TILES_URL": "",
        "REDIS_URL": redis_url,
        "CHANNELS_PREFIX": "live-shared",
        "CAMERA_NETWORKS": "127.0.0.0/8",
        "CCTV_LIVE_IDLE_S": str(IDLE_S),
        "CCTV_LIVE_LEASE_S": str(LEASE_S),
        "CCTV_LIVE_RETRY_S": "0.3",
        "CCTV_LIVE_OFFLINE_AFTER_S": "10",
        "CCTV_LIVE_STALL_S": "5",  # a loaded CI machine must not look like a lost camera
    }
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen([*command, "smartzone.asgi:application"], cwd=ROOT, env=env)
    return proc, port


def converters(pid: int) -> list[str]:
    """The command lines of the FFmpeg processes PID started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and "ffmpeg" in cmdline:
            found.append(cmdline)
    return found


class Viewer:
    """A websocket client of the live view: its states and the bytes it received."""

    def __init__(self, port: int, camera_id: int, cookie: str):
        self.url = f"ws://127.0.0.1:{port}/ws/cctv/cameras/{camera_id}/live/"
        self.origin, self.cookie = f"http://127.0.0.1:{port}", cookie
        self.states: list[dict] = []
        self.chunks: list[tuple[int, bytes]] = []  # (number of states before it, data)

    async def run(self):
        async with websockets.connect(
            self.url, additional_headers={"Cookie": self.cookie}, origin=self.origin, max_size=None
        ) as socket:
            self.socket = socket
            async for message in socket:
                if isinstance(message, str):
                    self.states.append(json.loads(message))
                else:
                    self.chunks.append((len(self.states), message))

    def live_epochs(self) -> list:
        return [s["epoch"] for s in self.states if s["state"] == "live"]

    def bytes_after(self, states: int) -> int:
        return sum(len(data) for n, data in self.chunks if n >= states)


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


def starts_a_picture(data: bytes) -> bool:
    """Whether DATA (MPEG-TS) starts with the PAT and its first video packet is a keyframe's
    (random access indicator): what a decoder can start from."""
    pids = [(data[i + 1] & 0x1F) << 8 | data[i + 2] for i in range(0, len(data), 188)]
    if data[0] != 0x47 or pids[0] != 0:
        return False
    first = next(i for i, pid in enumerate(pids) if pid not in (0, 0x1000)) * 188
    return bool(data[first + 3] & 0x20 and data[first + 4] > 0 and data[first + 5] & 0x40)


def test_two_web_processes_share_one_camera_connection_and_survive_the_owners_death(
    redis_server, rtsp_camera, site, officer
):
    camera = services.camera_save(
        actor="test",
        camera=Camera(
            station=site.station,
            site=site,
            code="shared-01",
            name="ตลาด",
            lat=16.5447,
            lng=104.7258,
            stream_url=f"rtsp://127.0.0.1:{rtsp_camera.port}/live",
            username="admin",
            password=STREAM_SECRET,
        ),
    )
    client = Client()
    client.force_login(officer)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    (one, port_one), (two, port_two) = start_web(redis_server.url), start_web(redis_server.url)
    try:
        wait_for_port(port_one, timeout=60, proc=one)
        wait_for_port(port_two, timeout=60, proc=two)

        async def scenario():
            first = Viewer(port_one, camera.pk, cookie)
            tasks = [asyncio.create_task(first.run())]
            await until(lambda: first.live_epochs() and first.bytes_after(1) > 0, 30, "live")
            # Viewers on the other process: relayed from the first's camera connection, and
            # the late joiner starts with the current group of pictures (PAT first).
            others = [Viewer(port_two, camera.pk, cookie) for _ in range(2)]
            tasks += [asyncio.create_task(v.run()) for v in others]
            for viewer in others:
                await until(lambda v=viewer: v.live_epochs() and v.chunks, 15, "a follower")
                assert starts_a_picture(viewer.chunks[0][1])
            assert others[0].live_epochs()[-1] == first.live_epochs()[-1]
            assert rtsp_camera.connections == 1 and rtsp_camera.open_clients == 1
            (command,) = converters(one.pid)
            assert converters(two.pid) == []
            assert STREAM_SECRET not in command and quote(STREAM_SECRET, safe="") not in command

            # The owner dies: the other process takes the camera over, its viewers play again.
            old_epoch = others[0].live_epochs()[-1]
            os.kill(one.pid, signal.SIGKILL)
            one.wait(timeout=10)
            for viewer in others:
                await until(
                    lambda v=viewer: (
                        v.live_epochs()[-1] != old_epoch and v.bytes_after(len(v.states)) > 0
                    ),
                    20,
                    "the other process to take the camera over",
                )
            await until(lambda: rtsp_camera.open_clients == 1, 10, "one camera connection")
            assert rtsp_camera.connections == 2
            (command,) = converters(two.pid)
            assert STREAM_SECRET not in command

            # Nobody watches any more: the connection ends within the idle time.
            for viewer in others:
                await viewer.socket.close()
            await until(lambda: rtsp_camera.open_clients == 0, IDLE_S + LEASE_S + 10, "idle")
            assert rtsp_camera.connections == 2
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run(scenario())
    finally:
        stop_process(one)
        stop_process(two)
