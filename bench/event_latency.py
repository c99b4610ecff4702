"""Latency from commit to receipt on 200 dashboard sockets, Redis layer and in-memory layer.

Run: .venv/bin/python bench/event_latency.py [--sockets 200] [--events 1000] [--rate 10]

It makes its own PostgreSQL database (sz_bench_events, dropped at the end), migrates it, adds a
station and an officer, starts one daphne on a free port and connects the sockets with one
officer's session. Events are written by a publisher child process through the service path
(smartzone.services.landmark_save), at --rate events per second; the commit time is taken by an
on_commit hook registered before the service's own, so it is the moment of commit, before the
push. The receipt time is taken on every socket as the frame arrives (parsed afterwards).

- Redis phase: daphne and the publisher share REDIS_URL; the service's on_commit push goes
  through Redis to daphne's sockets (the production path).
- In-memory phase: daphne runs without REDIS_URL. A publisher in another process cannot reach
  an in-memory layer, so its events are delivered by daphne's relay loop, run here with
  OUTBOX_RELAY_INTERVAL=0.05 and OUTBOX_RELAY_GRACE=0 (safe: that publisher never pushes
  itself). This is the embedded default's path for events written outside the web process
  (Celery worker); it measures the relay's polling, not an in-process push.

A socket here does not reconnect: an event it did not get (its socket closed, or it was still
queued 15 s after the last commit) counts as lost. The CPU time daphne and the clients used is
printed to show which side saturates. BENCH_DAPHNE_RUNNER=<script> runs daphne through a wrapper
script (a cProfile wrapper, say) instead of `python -m daphne`.

Prints p50/p99/max, lost and duplicates per phase, then one JSON line.
"""

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from support.common import (
    PG,
    ROOT,
    cpu_seconds,
    free_port,
    percentile,
    recreate_database,
    wait_for_port,
)

DB_NAME = "sz_bench_events"
REDIS_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "bench-password-42-horse"


def base_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CHANNELS_PREFIX")}
    return env | {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "DB_POOL_SIZE": "10",  # as docker-compose.yml runs the web processes
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "DATA_DIR": "/tmp/sz-bench-events",
        "MAP_TILES_URL": "",
        "PYTHONPATH": str(ROOT),
    }


def redis_env() -> dict:
    return base_env() | {"REDIS_URL": REDIS_URL, "CHANNELS_PREFIX": "bench"}


# --- database and fixtures -------------------------------------------------------------------


def setup_data() -> dict:
    """In a child process: migrate, add a station, zone and officer; return ids and a cookie."""
    code = f"""
import json
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from smartzone import services
from smartzone.demo import ZONE_BOUNDARY
from smartzone.models import SafetyZone, Station
call_command("migrate", verbosity=0)
station = services.station_save(actor="bench", station=Station(
    code="bench", name="Bench station", lat=16.5466, lng=104.7233))
services.zone_save(actor="bench", zone=SafetyZone(
    station=station, name="Bench zone", boundary=ZONE_BOUNDARY))
user = services.officer_create(actor="bench", username="bench", password={PASSWORD!r},
    station=station).user
client = Client()
client.force_login(user)
name = settings.SESSION_COOKIE_NAME
print(json.dumps({{"station": station.pk, "cookie": name + "=" + client.cookies[name].value}}))
"""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the publisher (child process) -----------------------------------------------------------


def publish(station_id: int, count: int, rate: float, tag: str, out: str) -> None:
    import django

    django.setup()
    from django.db import transaction

    from smartzone import services
    from smartzone.models import Landmark, Station

    station = Station.objects.get(pk=station_id)
    commit_at: dict[str, float] = {}
    push_s: list[float] = []
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        name = f"{tag}-{i}"
        with transaction.atomic():
            # Registered before the service's own on_commit push: runs first, at commit.
            transaction.on_commit(lambda name=name: commit_at.__setitem__(name, time.time()))
            services.landmark_save(
                actor="bench",
                landmark=Landmark(
                    station=station, name=name, kind=Landmark.Kind.OTHER, lat=16.545, lng=104.7255
                ),
            )
        push_s.append(time.time() - commit_at[name])
    Path(out).write_text(json.dumps({"commit_at": commit_at, "push_s": push_s}))


# --- the sockets -----------------------------------------------------------------------------


async def run_sockets(port, cookie, n_sockets, expected, start_publisher):
    import websockets

    url = f"ws://127.0.0.1:{port}/ws/dashboard/"
    origin = f"http://127.0.0.1:{port}"
    received: list[list[tuple[float, str]]] = [[] for _ in range(n_sockets)]
    counts = [0] * n_sockets
    all_done = asyncio.Event()
    done_count = 0
    connect_limit = asyncio.Semaphore(20)

    async def one(k: int, ready: asyncio.Event):
        nonlocal done_count
        async with connect_limit:
            sock = await websockets.connect(
                url,
                additional_headers={"Cookie": cookie},
                origin=origin,
                max_queue=None,
                open_timeout=30,
            )
        first = json.loads(await sock.recv())
        assert first["type"] == "ready", first
        ready.set()
        try:
            async for raw in sock:
                received[k].append((time.time(), raw))
                counts[k] += 1
                if counts[k] == expected:
                    done_count += 1
                    if done_count == n_sockets:
                        all_done.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            await sock.close()

    readies = [asyncio.Event() for _ in range(n_sockets)]
    tasks = [asyncio.create_task(one(k, readies[k])) for k in range(n_sockets)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    publisher = await start_publisher()
    await asyncio.to_thread(publisher.wait)
    if publisher.returncode:
        raise RuntimeError("publisher failed")
    with contextlib.suppress(TimeoutError):  # what has not arrived by then counts as lost
        await asyncio.wait_for(all_done.wait(), 15)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return received


def run_phase(label, env, info, args):
    port = free_port()
    runner = ["-m", "daphne"]
    if os.environ.get("BENCH_DAPHNE_RUNNER"):  # e.g. a cProfile wrapper, to find the hot spots
        runner = [os.environ["BENCH_DAPHNE_RUNNER"]]
        env = env | {"PROFILE_OUT": f"/tmp/sz-bench-events/daphne-{label}.prof"}
    daphne = subprocess.Popen(
        [sys.executable, *runner, "-b", "127.0.0.1", "-p", str(port)]
        + ["--verbosity", "0", "smartzone.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    out = f"/tmp/sz-bench-events/{label}.json"
    try:
        wait_for_port(port, daphne)

        async def start_publisher():
            return subprocess.Popen(
                [sys.executable, __file__, "--publish", str(info["station"])]
                + ["--events", str(args.events), "--rate", str(args.rate), "--tag", label]
                + ["--out", out],
                cwd=ROOT,
                env=env_pub[label],
            )

        env_pub = {"redis": redis_env(), "inmemory": base_env()}
        t0, daphne_cpu0, own_cpu0 = time.monotonic(), cpu_seconds(daphne.pid), time.process_time()
        received = asyncio.run(
            run_sockets(port, info["cookie"], args.sockets, args.events, start_publisher)
        )
        wall = time.monotonic() - t0
        daphne_cpu = cpu_seconds(daphne.pid) - daphne_cpu0
        clients_cpu = time.process_time() - own_cpu0
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)

    published = json.loads(Path(out).read_text())
    commit_at = published["commit_at"]
    latencies, lost, duplicates = [], 0, 0
    for frames in received:
        seen = set()
        for t, raw in frames:
            msg = json.loads(raw)
            name = msg.get("event", {}).get("payload", {}).get("name", "")
            if msg.get("type") != "event" or name not in commit_at:
                continue
            if name in seen:
                duplicates += 1
                continue
            seen.add(name)
            latencies.append((t - commit_at[name]) * 1000)
        lost += len(commit_at) - len(seen)
    push_ms = [s * 1000 for s in published["push_s"]]
    figures = {
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
        "lost": lost,
        "duplicates": duplicates,
        "receipts": len(latencies),
        "push_p50_ms": round(percentile(push_ms, 50), 2),
        "push_p99_ms": round(percentile(push_ms, 99), 2),
        "wall_s": round(wall, 1),
        "daphne_cpu_s": round(daphne_cpu, 1),
        "clients_cpu_s": round(clients_cpu, 1),
    }
    print(
        f"{label:9s} sockets={args.sockets} events={len(commit_at)} rate={args.rate}/s "
        f"receipts={figures['receipts']} p50={figures['p50_ms']}ms p99={figures['p99_ms']}ms "
        f"max={figures['max_ms']}ms lost={lost} duplicates={duplicates} "
        f"(publisher's on_commit push p50={figures['push_p50_ms']}ms "
        f"p99={figures['push_p99_ms']}ms; {figures['wall_s']}s wall, CPU daphne "
        f"{figures['daphne_cpu_s']}s, clients {figures['clients_cpu_s']}s)",
        flush=True,
    )
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0, help="events per second")
    parser.add_argument("--publish", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish is not None:
        publish(args.publish, args.events, args.rate, args.tag, args.out)
        return

    os.makedirs("/tmp/sz-bench-events", exist_ok=True)
    recreate_database(DB_NAME)
    try:
        info = setup_data()
        redis = run_phase("redis", redis_env(), info, args)
        inmemory_env = base_env() | {"OUTBOX_RELAY_INTERVAL": "0.05", "OUTBOX_RELAY_GRACE": "0"}
        inmemory = run_phase("inmemory", inmemory_env, info, args)
    finally:
        recreate_database(DB_NAME, drop_only=True)
    result = {
        "sockets": args.sockets,
        "events": args.events,
        "rate_per_s": args.rate,
        "p50_ms": redis["p50_ms"],
        "p99_ms": redis["p99_ms"],
        "max_ms": redis["max_ms"],
        "lost": redis["lost"] + inmemory["lost"],
        "duplicates": redis["duplicates"] + inmemory["duplicates"],
        "push_p99_ms": redis["push_p99_ms"],
        "inmemory_p50_ms": inmemory["p50_ms"],
        "inmemory_p99_ms": inmemory["p99_ms"],
        "inmemory_max_ms": inmemory["max_ms"],
        "inmemory_relay": "daphne relay loop, OUTBOX_RELAY_INTERVAL=0.05 GRACE=0",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
