"""Soak: mixed load for --minutes against the production shape on this machine.

Run: .venv/bin/python bench/soak.py [--minutes 8] [--sockets 100] [--scale 1.0]

The production shape: one daphne (ASGI) process, one Celery worker and Celery beat, on a
PostgreSQL database of its own (sz_bench_soak, dropped at the end) and a throwaway redis-server
on a free port (channel layer, cache, broker). Setup takes about a minute; the default load
phase is 8 minutes so that one run stays within 10 minutes of wall time (--minutes 10 is the
issue's target, about 11 minutes in all).

Load, at --scale times these rates, each kind paced on its own schedule:
- citizen reports: POST /api/v1/reports/ as a phone sends it (JSON, fresh Idempotency-Key), 1/s
- SOS: signed kiosk POSTs of /api/v1/sos/events/ (each its own event id), 1/s, with --sockets
  dashboard sockets of an officer listening
- patrol check-ins: POST /api/v1/patrol/checkins/ with a point's QR token as an officer, 1/s
- reads: the dashboard page, the timeline page, /api/v1/events/ and the reports' GeoJSON, 4/s

The submit rate limit is raised for the bench (one load generator is one client address).

Figures: requests and errors (a non-2xx answer or a failed request) per kind; lost and
duplicates: each outbox event of the station written during the load must arrive exactly once
on every socket (a socket does not reconnect; what has not arrived 20 s after the load ends is
lost), and every accepted write must be in the database; the resident memory (VmRSS) of each
process after the first minute of load and at the end. The last line is one JSON object.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from support.common import (
    PG,
    ROOT,
    cpu_seconds,
    django_shell,
    free_port,
    kiosk_headers,
    open_dashboard_socket,
    percentile,
    recreate_database,
    rss_kb,
    wait_for_port,
)

DB_NAME = "sz_bench_soak"
DATA_DIR = "/tmp/sz-bench-soak"
PASSWORD = "bench-password-42-horse"
EVENTS_PATH = "/api/v1/sos/events/"
RATES = {"report": 1.0, "sos": 1.0, "checkin": 1.0, "read": 4.0}
READS = ["/dashboard/", "/timeline/", "/api/v1/events/?limit=50", "/api/v1/reports/geojson/"]
IN_ZONE = (16.5447, 104.7256)
POINT = (16.5452, 104.7251)
BENCH_SETTINGS = """
from smartzone.settings import *  # noqa: F401,F403

INCIDENTS_SUBMIT_RATE = "100000000/s"
"""


def env(redis_url: str, settings_dir: str) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CHANNELS_PREFIX")}
    return base | {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "DJANGO_SETTINGS_MODULE": "soak_settings",
        "DATA_DIR": DATA_DIR,
        "MAP_TILES_URL": "",
        "PYTHONPATH": os.pathsep.join([settings_dir, str(ROOT)]),
        "REDIS_URL": redis_url,
        "CHANNELS_PREFIX": "soak",
        "OUTBOX_RELAY_INTERVAL": "0.5",
    }


SETUP = f"""
import json
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from patrol import services as patrol_services
from patrol.models import PatrolPoint
from patrol.tokens import make_token
from smartzone import services
from smartzone.demo import ZONE_BOUNDARY
from smartzone.models import SafetyZone, Station
from smartzone.tokens import api_token_create
from sos import services as sos_services
call_command("migrate", verbosity=0)
station = services.station_save(actor="bench", station=Station(
    code="bench", name="Bench station", lat=16.5466, lng=104.7233))
services.zone_save(actor="bench", zone=SafetyZone(
    station=station, name="Bench zone", boundary=ZONE_BOUNDARY))
user = services.officer_create(actor="bench", username="bench", password={PASSWORD!r},
    station=station).user
kiosk, secret = sos_services.kiosk_create(actor="bench", station=station, name="Bench kiosk",
    serial="SOAK-1", lat=16.5453, lng=104.7248)
point = patrol_services.point_save(actor="bench", point=PatrolPoint(
    station=station, name="Bench point", lat={POINT[0]}, lng={POINT[1]}, kind="market"))
client = Client()
client.force_login(user)
name = settings.SESSION_COOKIE_NAME
print(json.dumps({{"station": station.pk, "cookie": name + "=" + client.cookies[name].value,
    "token": api_token_create(actor="bench", user=user, name="soak")[1],
    "serial": kiosk.serial, "secret": secret,
    "qr": make_token(point)}}))
"""

COUNT = """
import json
from incidents.models import Report
from patrol.models import CheckIn
from smartzone.models import Event
from sos.models import SosEvent
print(json.dumps({"reports": Report.objects.count(), "sos": SosEvent.objects.count(),
    "checkins": CheckIn.objects.count(),
    "events": list(Event.objects.filter(station_id=STATION, id__gt=AFTER)
                   .values_list("id", flat=True))}))
"""


class Processes:
    """The servers of the production shape, started and stopped together."""

    def __init__(self, environment: dict):
        self.env, self.procs, self.logs = environment, {}, []
        self.port = free_port()

    def start(self) -> None:
        python = sys.executable
        self.logs = [open(f"{DATA_DIR}/{n}.log", "wb") for n in ("daphne", "worker", "beat")]  # noqa: SIM115
        celery = [python, "-m", "celery", "-A", "smartzone"]
        self.procs["daphne"] = subprocess.Popen(
            [python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
            + ["--verbosity", "0", "smartzone.asgi:application"],
            cwd=ROOT,
            env=self.env | {"DB_POOL_SIZE": "10"},  # as docker-compose.yml runs web
            stdout=self.logs[0],
            stderr=subprocess.STDOUT,
        )
        self.procs["worker"] = subprocess.Popen(
            celery
            + ["worker", "--pool=solo", "--loglevel=warning", "--without-gossip"]
            + ["--without-mingle", "-n", "soak@%h"],
            cwd=ROOT,
            env=self.env,
            stdout=self.logs[1],
            stderr=subprocess.STDOUT,
        )
        self.procs["beat"] = subprocess.Popen(
            celery + ["beat", "--loglevel=warning", "-s", f"{DATA_DIR}/celerybeat-schedule"],
            cwd=ROOT,
            env=self.env,
            stdout=self.logs[2],
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, self.procs["daphne"], timeout=180)

    def rss(self) -> dict[str, int]:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}")
        return {name: rss_kb(proc.pid) for name, proc in self.procs.items()}

    def cpu(self) -> dict[str, float]:
        return {name: round(cpu_seconds(p.pid), 1) for name, p in self.procs.items()}

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        for log in self.logs:
            log.close()


class Tally:
    def __init__(self):
        self.requests: dict[str, int] = dict.fromkeys(RATES, 0)
        self.errors: dict[str, int] = dict.fromkeys(RATES, 0)
        self.accepted: dict[str, int] = dict.fromkeys(RATES, 0)
        self.latency_ms: dict[str, list[float]] = {kind: [] for kind in RATES}
        self.samples: list[str] = []

    def record(self, kind: str, status: int | None, started: float, detail: str = "") -> None:
        self.requests[kind] += 1
        self.latency_ms[kind].append((time.monotonic() - started) * 1000)
        if status is not None and 200 <= status < 300:
            self.accepted[kind] += 1
        else:
            self.errors[kind] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind}: {status} {detail[:200]}")


async def load(port: int, info: dict, args, tally: Tally, on_first_minute) -> None:
    import aiohttp

    origin = f"http://127.0.0.1:{port}"
    end = time.monotonic() + args.minutes * 60
    officer = {"Authorization": f"Token {info['token']}"}
    session_cookie = {"Cookie": info["cookie"]}

    def report():
        lat, lng = IN_ZONE if random.random() < 0.5 else (16.60, 104.70)
        body = {
            "category": "theft",
            "description": "สังเกตเห็นคนแปลกหน้าในตลาด (soak)",
            "lat": lat,
            "lng": lng,
            "anonymous": True,
        }
        return (
            "POST",
            "/api/v1/reports/",
            json.dumps(body).encode(),
            {
                "Content-Type": "application/json",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )

    def sos():
        body = json.dumps({"event_id": str(uuid.uuid4()), "message": "soak"}).encode()
        headers = kiosk_headers(info["serial"], info["secret"], EVENTS_PATH, body, int(time.time()))
        return "POST", EVENTS_PATH, body, headers

    def checkin():
        body = {"token": info["qr"], "lat": POINT[0], "lng": POINT[1], "accuracy_m": 8}
        return (
            "POST",
            "/api/v1/patrol/checkins/",
            json.dumps(body).encode(),
            officer | {"Content-Type": "application/json"},
        )

    def read():
        path = random.choice(READS)
        return "GET", path, None, officer if path.startswith("/api/") else session_cookie

    makers = {"report": report, "sos": sos, "checkin": checkin, "read": read}

    async def one(session, kind):
        method, path, body, headers = makers[kind]()
        started = time.monotonic()
        try:
            async with session.request(method, origin + path, data=body, headers=headers) as r:
                text = await r.text()
                tally.record(kind, r.status, started, text)
        except (aiohttp.ClientError, TimeoutError) as exc:
            tally.record(kind, None, started, repr(exc))

    async def pace(session, kind, rate):
        start, i, running = time.monotonic(), 0, set()
        while time.monotonic() < end:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(session, kind))
            running.add(task)
            task.add_done_callback(running.discard)
            i += 1
        await asyncio.gather(*running)

    async def first_minute():
        await asyncio.sleep(min(60, args.minutes * 30))
        on_first_minute()

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as s:
        marker = asyncio.create_task(first_minute())
        await asyncio.gather(
            *(pace(s, kind, rate * args.scale) for kind, rate in RATES.items() if rate)
        )
        await marker


async def soak(procs: Processes, info: dict, args, tally: Tally, env_: dict):
    frames: list[list[int]] = [[] for _ in range(args.sockets)]
    closed = [False] * args.sockets

    def collector(k):
        def on_frame(_t, raw):
            message = json.loads(raw)
            if message.get("type") == "event":
                frames[k].append(message["event"]["id"])

        return on_frame

    before = django_shell(
        COUNT.replace("STATION", str(info["station"])).replace("AFTER", "0"), env_
    )
    after_id = max(before["events"], default=0)
    sockets = []
    limit = asyncio.Semaphore(20)

    async def connect(k):
        async with limit:
            sockets.append(
                await open_dashboard_socket(
                    procs.port, info["cookie"], collector(k), after=str(after_id)
                )
            )

    await asyncio.gather(*(connect(k) for k in range(args.sockets)))
    print(f"{args.sockets} sockets connected; load for {args.minutes} min", flush=True)
    rss: dict[str, dict[str, int]] = {}

    def on_first_minute():
        rss["first_minute"] = procs.rss()
        print(f"rss after the first minute (kB): {rss['first_minute']}", flush=True)

    started = time.monotonic()
    await load(procs.port, info, args, tally, on_first_minute)
    load_s = time.monotonic() - started
    rss["end"] = procs.rss()
    # In a thread: the sockets must keep answering the server's pings meanwhile.
    counts = await asyncio.to_thread(
        django_shell,
        COUNT.replace("STATION", str(info["station"])).replace("AFTER", str(after_id)),
        env_,
    )
    expected = set(counts["events"])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(expected - set(f) for f in frames):
        await asyncio.sleep(0.5)
    why_closed = []
    for k, (sock, reader) in enumerate(sockets):
        # A reader that ended before we close its socket: the server closed it, or it failed.
        closed[k] = reader.done()
        if closed[k]:
            error = None if reader.cancelled() else reader.exception()
            why_closed.append(f"close code {sock.close_code}, {error!r}")
        await sock.close()
        reader.cancel()
    if why_closed:
        print(f"sockets that ended early: {why_closed[:3]}", flush=True)
    lost = sum(len(expected - set(f)) for f in frames)
    duplicates = sum(len(f) - len(set(f)) for f in frames)
    # Every write the server accepted is in the database (before the load it was empty).
    lost += max(0, tally.accepted["report"] - counts["reports"])
    lost += max(0, tally.accepted["sos"] - counts["sos"])
    lost += max(0, tally.accepted["checkin"] - counts["checkins"])
    return {
        "load_s": load_s,
        "events": len(expected),
        "lost": lost,
        "duplicates": duplicates,
        "sockets_closed_early": sum(closed),
        "rss": rss,
        "db": {k: counts[k] for k in ("reports", "sos", "checkins")},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=8.0, help="length of the load phase")
    parser.add_argument("--sockets", type=int, default=100)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every rate")
    args = parser.parse_args()
    wall = time.monotonic()
    redis_binary = shutil.which("redis-server")
    if redis_binary is None:
        sys.exit("needs a redis-server binary (apt-get install redis-server)")
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    os.makedirs(DATA_DIR)
    settings_dir = tempfile.mkdtemp(prefix="sz-soak-")
    Path(settings_dir, "soak_settings.py").write_text(BENCH_SETTINGS)
    redis_port = free_port()
    redis = subprocess.Popen(
        [redis_binary, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(redis_port, redis)
    environment = env(f"redis://127.0.0.1:{redis_port}/0", settings_dir)
    recreate_database(DB_NAME)
    procs = Processes(environment)
    tally = Tally()
    try:
        info = django_shell(SETUP, environment)
        migrated = time.monotonic() - wall
        procs.start()
        print(
            f"setup done in {time.monotonic() - wall:.0f} s (database {migrated:.0f} s)",
            flush=True,
        )
        outcome = asyncio.run(soak(procs, info, args, tally, environment))
        cpu = procs.cpu()
    finally:
        procs.stop()
        redis.terminate()
        redis.wait(timeout=10)
        recreate_database(DB_NAME, drop_only=True)
        shutil.rmtree(settings_dir, ignore_errors=True)

    first, last = outcome["rss"]["first_minute"], outcome["rss"]["end"]
    growth = {name: round((last[name] - first[name]) / first[name] * 100, 1) for name in first}
    requests, errors = sum(tally.requests.values()), sum(tally.errors.values())
    for kind in RATES:
        ms = tally.latency_ms[kind]
        print(
            f"{kind:8} requests={tally.requests[kind]:6} errors={tally.errors[kind]:4} "
            f"p50={percentile(ms, 50):.0f}ms p99={percentile(ms, 99):.0f}ms",
            flush=True,
        )
    for sample in tally.samples:
        print(f"  error: {sample}")
    for name in first:
        print(f"rss {name:6} first minute {first[name]} kB, end {last[name]} kB: {growth[name]}%")
    print(
        f"events={outcome['events']} x {args.sockets} sockets: lost={outcome['lost']} "
        f"duplicates={outcome['duplicates']} closed early={outcome['sockets_closed_early']}; "
        f"db={outcome['db']}; cpu s={cpu}; wall={time.monotonic() - wall:.0f} s",
        flush=True,
    )
    print(
        json.dumps(
            {
                "minutes": args.minutes,
                "sockets": args.sockets,
                "requests": requests,
                "errors": errors,
                "lost": outcome["lost"],
                "duplicates": outcome["duplicates"],
                "max_rss_growth_pct": max(growth.values()),
                "rss_growth_pct": growth,
                "per_kind": {
                    kind: {
                        "requests": tally.requests[kind],
                        "errors": tally.errors[kind],
                        "p99_ms": round(percentile(tally.latency_ms[kind], 99), 1),
                    }
                    for kind in RATES
                },
                "events": outcome["events"],
                "sockets_closed_early": outcome["sockets_closed_early"],
                "wall_s": round(time.monotonic() - wall),
            }
        )
    )


if __name__ == "__main__":
    main()
