"""Redis stops under mixed load and comes back on the same port: every write is stored once and
every event reaches a connected dashboard once.

The app (daphne) runs on a throwaway redis-server of the test's own (channel layer, cache and
broker, as settings make them from REDIS_URL); citizens' reports, kiosk SOS and officers'
check-ins arrive before, during and after the outage. A dashboard socket stays connected the way
dashboard.js does: when it drops it reconnects with the last event id it saw. Writes refused
with a retryable 503 are sent again with the same idempotency key (report) or event id (SOS),
as the clients do. tests/integration/test_redis_outage.py covers one write and the relay in
process; this is the whole server under several kinds of writes.
"""

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.test import Client

from incidents.models import Report
from patrol.models import CheckIn
from patrol.tokens import make_token
from smartzone.models import Event
from smartzone.tokens import api_token_create
from sos import services as sos_services
from sos.models import SosEvent
from sos.signing import signed_headers
from tests.conftest import ROOT, database_url_for_subprocess, free_port, stop_process, wait_for_port
from tests.faults.conftest import App
from tests.incidents.conftest import IN_ZONE
from tests.patrol.conftest import MARKET, make_point
from tests.sos.conftest import EVENTS_PATH

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

websockets = pytest.importorskip("websockets")

KINDS = ("report.submitted", "sos.raised", "patrol.checkin")


@pytest.fixture
def app_on_throwaway_redis(redis_server, transactional_db, tmp_path):
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": redis_server.url,
        "CHANNELS_PREFIX": f"faults-{uuid.uuid4().hex[:8]}",
        "DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "MAP_TILES_URL": "",
        "DEBUG": "0",
        "OUTBOX_RELAY_INTERVAL": "0.2",
        "OUTBOX_RELAY_GRACE": "0.2",
    }
    env.pop("CELERY_BROKER_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
        + ["smartzone.asgi:application"],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(port, proc=proc)
        yield App(f"http://127.0.0.1:{port}", tmp_path / "data")
    finally:
        stop_process(proc)


class Dashboard:
    """A dashboard socket that reconnects after a drop, asking for events after the last seen.

    Like dashboard.js it drops an event it already shows: a reconnect also sends the events
    relayed late below `after` (see selectors.events_relayed_late). A repeat within one
    connection is the server's fault and is counted in REPEATS_IN_A_CONNECTION."""

    def __init__(self, url: str, cookie: str):
        self.url, self.cookie = url, cookie
        self.events: list[dict] = []
        self.last_id: int | None = None
        self.connects = 0
        self.repeats_in_a_connection = 0
        self.stopping = False

    async def run(self) -> None:
        ws_url = self.url.replace("http://", "ws://") + "/ws/dashboard/"
        while not self.stopping:
            query = f"?after={self.last_id}" if self.last_id is not None else ""
            try:
                async with websockets.connect(
                    ws_url + query, additional_headers={"Cookie": self.cookie}, origin=self.url
                ) as socket:
                    self.connects += 1
                    this_connection = set()
                    async for raw in socket:
                        message = json.loads(raw)
                        if message["type"] == "ready":
                            self.last_id = max(self.last_id or 0, message["last_id"])
                        elif message["type"] == "event":
                            event_id = message["event"]["id"]
                            self.repeats_in_a_connection += event_id in this_connection
                            this_connection.add(event_id)
                            if all(e["id"] != event_id for e in self.events):
                                self.events.append(message["event"])
                            self.last_id = max(self.last_id or 0, event_id)
            except (OSError, websockets.exceptions.WebSocketException):
                pass
            await asyncio.sleep(0.2)  # dashboard.js backs off before reconnecting


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class Writers:
    """The three kinds of client, each able to retry a write the way the real client does."""

    def __init__(self, app: App, kiosk, kiosk_secret: str, point, token: str):
        self.app, self.kiosk, self.secret, self.point = app, kiosk, kiosk_secret, point
        self.auth = {"Authorization": f"Token {token}"}
        self.answers: list[tuple[str, str, int]] = []

    def report(self, key: str) -> int:
        data = {
            "kind": "report",
            "category": "theft",
            "description": f"รายงานระหว่างทดสอบ {key}",
            "lat": IN_ZONE[0],
            "lng": IN_ZONE[1],
        }
        status = self.app.post("/api/v1/reports/", data=data, headers={"Idempotency-Key": key})
        return self._note("report", key, status.status)

    def sos(self, event_id: str) -> int:
        body = json.dumps({"event_id": event_id, "message": "ช่วยด้วย"}).encode()
        meta = signed_headers(self.secret, self.kiosk.serial, EVENTS_PATH, body)
        headers = {k[5:].replace("_", "-").title(): v for k, v in meta.items()}
        headers["Content-Type"] = "application/json"
        answer = self.app.request("POST", EVENTS_PATH, raw=body, headers=headers)
        return self._note("sos", event_id, answer.status)

    def checkin(self, note: str) -> int:
        data = {
            "token": make_token(self.point),
            "lat": MARKET[0],
            "lng": MARKET[1],
            "accuracy_m": 5,
            "note": note,
        }
        answer = self.app.post("/api/v1/patrol/checkins/", data=data, headers=self.auth)
        return self._note("checkin", note, answer.status)

    def _note(self, kind, key, status) -> int:
        self.answers.append((kind, key, status))
        return status


def retry_until_stored(write, key, deadline_s=30.0) -> int:
    """Send the write again, as the client does after a 503, until it is stored."""
    loop_deadline = time.monotonic() + deadline_s
    while True:
        status = write(key)
        if status in (200, 201) or time.monotonic() > loop_deadline:
            return status
        time.sleep(0.2)  # the clients' back-off


def test_writes_during_a_redis_restart_are_stored_once_and_reach_the_dashboard_once(
    app_on_throwaway_redis, redis_server, station, zone, categories, officer
):
    app = app_on_throwaway_redis
    kiosk, secret = sos_services.kiosk_create(
        actor="test",
        station=station,
        name="ตู้ SOS ตลาดอินโดจีน",
        serial="K-001",
        lat=16.5453,
        lng=104.7248,
    )
    point = make_point(station, "ตู้แดง ตลาดอินโดจีน", *MARKET)
    writers = Writers(
        app, kiosk, secret, point, api_token_create(actor="test", user=officer, name="load")[1]
    )
    dashboard = Dashboard(app.url, session_cookie(officer))
    rounds = ("before", "during-1", "during-2", "after")
    refused: list[tuple] = []

    def write_round(tag: str) -> None:
        for write, key in (
            (writers.report, f"r-{tag}"),
            (writers.sos, f"s-{tag}"),
            (writers.checkin, f"c-{tag}"),
        ):
            status = write(key)
            assert status in (200, 201, 503), (key, status)
            if status == 503:
                refused.append((write, key))

    async def scenario() -> None:
        task = asyncio.create_task(dashboard.run())
        ready_by = asyncio.get_running_loop().time() + 20
        while dashboard.last_id is None:  # connected and caught up
            assert asyncio.get_running_loop().time() < ready_by, "the dashboard never connected"
            await asyncio.sleep(0.05)
        await asyncio.to_thread(write_round, rounds[0])
        redis_server.stop()
        await asyncio.to_thread(write_round, rounds[1])
        await asyncio.to_thread(write_round, rounds[2])
        redis_server.start()
        for write, key in refused:
            assert await asyncio.to_thread(retry_until_stored, write, key) in (200, 201), key
        await asyncio.to_thread(write_round, rounds[3])
        deadline = asyncio.get_running_loop().time() + 30
        while len(ours(dashboard.events)) < 3 * len(rounds):
            assert asyncio.get_running_loop().time() < deadline, ours(dashboard.events)
            await asyncio.sleep(0.05)  # events arrive on the socket task; poll its list
        # A late duplicate (push and relay both sending) would arrive within a relay round.
        await asyncio.sleep(1.0)
        dashboard.stopping = True
        task.cancel()

    asyncio.run(scenario())

    # Every write stored exactly once.
    assert sorted(Report.objects.values_list("idempotency_key", flat=True)) == sorted(
        f"r-{tag}" for tag in rounds
    )
    assert sorted(SosEvent.objects.values_list("client_event_id", flat=True)) == sorted(
        f"s-{tag}" for tag in rounds
    )
    assert sorted(CheckIn.objects.values_list("note", flat=True)) == sorted(
        f"c-{tag}" for tag in rounds
    )
    # One event per write, all published, each received by the dashboard exactly once.
    events = Event.objects.filter(kind__in=KINDS)
    assert events.count() == 3 * len(rounds)
    assert not events.filter(published_at__isnull=True).exists()
    assert dashboard.repeats_in_a_connection == 0
    received = Counter(e["id"] for e in ours(dashboard.events))
    assert set(received) == set(events.values_list("pk", flat=True))
    assert set(received.values()) == {1}, received
    assert dashboard.connects >= 2  # the socket really dropped with Redis and came back
    # No write needs Redis: each is accepted at the first try even during the outage (the rate
    # limits of reports let them through while their cache is away).
    first = {}
    for _kind, key, status in writers.answers:
        first.setdefault(key, status)
    assert first == {f"{p}-{tag}": 201 for p in ("r", "s", "c") for tag in rounds}


def ours(events: list[dict]) -> list[dict]:
    return [e for e in events if e["kind"] in KINDS]
