"""An event written by another process with no dashboard (the embedded Celery worker) reaches
the ASGI server's dashboard sockets.

With the in-memory layer (no REDIS_URL) the writing process cannot reach any socket: the event
stays unpublished and the server's relay loop sends it. With REDIS_URL the writer pushes it
through Redis itself.
"""

import asyncio
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from smartzone.models import Event
from tests.conftest import ROOT, database_url_for_subprocess

pytestmark = pytest.mark.django_db(transaction=True)

websockets = pytest.importorskip("websockets")

WRITER = """
from smartzone import services
from smartzone.models import Landmark, Station
station = Station.objects.get(pk={station})
landmark = services.landmark_save(actor="worker", landmark=Landmark(
    station=station, name="ร้านทองจากงานเบื้องหลัง", kind=Landmark.Kind.GOLD_SHOP,
    lat=16.5449, lng=104.7256))
print(landmark.pk)
"""


def write_in_another_process(station_id: int) -> int:
    """Run a service in a child process like the embedded Celery worker: no dashboard in it."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CHANNELS_PREFIX")}
    env |= {
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
    }
    layer = settings.CHANNEL_LAYERS["default"]
    if layer["BACKEND"].startswith("channels_redis"):
        env["REDIS_URL"] = layer["CONFIG"]["hosts"][0]["address"]
        env["CHANNELS_PREFIX"] = layer["CONFIG"].get("prefix", "asgi")
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", WRITER.format(station=station_id)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def session_cookie(server, user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def receive(socket, timeout=10.0) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), timeout))


def test_an_event_written_by_a_process_without_dashboards_reaches_a_live_socket(
    asgi_server, station, zone, officer
):
    cookie = session_cookie(asgi_server, officer)

    async def scenario():
        ws_url = asgi_server.url.replace("http://", "ws://") + "/ws/dashboard/"
        async with websockets.connect(
            ws_url, additional_headers={"Cookie": cookie}, origin=asgi_server.url
        ) as socket:
            ready = await receive(socket)
            assert ready["type"] == "ready"

            landmark_id = await asyncio.to_thread(write_in_another_process, station.pk)
            # The relay may first send the fixtures' own older events (this test process wrote
            # them with no socket to push to); they are not the one we wait for.
            received = []
            while not any(e["kind"] == "landmark.created" for e in received):
                message = await receive(socket)
                assert message["type"] == "event"
                received.append(message["event"])
            # Exactly once, though push and relay may both have sent it.
            with pytest.raises(TimeoutError):
                received.append((await receive(socket, timeout=1.0))["event"])
            ours = [e for e in received if e["kind"] == "landmark.created"]
            assert [e["payload"]["id"] for e in ours] == [landmark_id]
            assert ours[0]["id"] > ready["last_id"]
            assert len({e["id"] for e in received}) == len(received)
            assert {e["station"] for e in received} == {station.pk}
            return ours[0]["id"]

    event_id = asyncio.run(scenario())
    assert Event.objects.get(pk=event_id).published_at is not None
