"""SOS latency: signed kiosk POST -> receipt on 200 dashboard sockets, on the Redis layer.

Run: .venv/bin/python bench/sos_latency.py [--sockets 200] [--posts 1000] [--clients 8] [--rate 10]

Makes its own PostgreSQL database (sz_bench_sos, dropped at the end), migrates it, adds a
station, an officer and a kiosk, starts one daphne on a free port with REDIS_URL on its own db,
connects the sockets with the officer's session, then --clients concurrent HTTP clients post
--posts signed SOS (each its own event id) at --rate posts per second in total (0 = as fast as
they can). Latency is from just before the POST is sent to the frame's arrival on each socket.
A socket does not reconnect: an SOS it did not get within 15 s of the last POST is lost.

Prints figures, then one JSON line with p50_ms, p99_ms, max_ms, posts_per_s, lost, duplicates.
"""

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time

from support.common import (
    PG,
    ROOT,
    free_port,
    kiosk_headers,
    percentile,
    recreate_database,
    wait_for_port,
)

sys.path.insert(0, str(ROOT))
DB_NAME = "sz_bench_sos"
REDIS_URL = "redis://127.0.0.1:6379/13"
EVENTS_PATH = "/api/v1/sos/events/"


def env() -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CHANNELS_PREFIX")}
    return base | {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "DB_POOL_SIZE": "10",  # as docker-compose.yml runs the web processes
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "DATA_DIR": "/tmp/sz-bench-sos",
        "MAP_TILES_URL": "",
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": REDIS_URL,
        "CHANNELS_PREFIX": "benchsos",
    }


def setup_data() -> dict:
    code = """
import json
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from smartzone import services
from smartzone.models import Station
from sos import services as sos_services
call_command("migrate", verbosity=0)
station = services.station_save(actor="bench", station=Station(
    code="bench", name="Bench station", lat=16.5466, lng=104.7233))
user = services.officer_create(actor="bench", username="bench", password="bench-password-42-horse",
    station=station).user
kiosk, secret = sos_services.kiosk_create(actor="bench", station=station, name="Bench kiosk",
    serial="BENCH-1", lat=16.5453, lng=104.7248)
client = Client()
client.force_login(user)
name = settings.SESSION_COOKIE_NAME
print(json.dumps({"cookie": name + "=" + client.cookies[name].value, "serial": kiosk.serial,
                  "secret": secret}))
"""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


async def run(port, info, args):
    import aiohttp
    import websockets

    url = f"ws://127.0.0.1:{port}/ws/dashboard/"
    origin = f"http://127.0.0.1:{port}"
    received: list[list[tuple[float, str]]] = [[] for _ in range(args.sockets)]
    counts = [0] * args.sockets
    all_done = asyncio.Event()
    done = 0
    connect_limit = asyncio.Semaphore(20)

    async def one(k, ready):
        nonlocal done
        async with connect_limit:
            sock = await websockets.connect(
                url,
                additional_headers={"Cookie": info["cookie"]},
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
                if counts[k] == args.posts:
                    done += 1
                    if done == args.sockets:
                        all_done.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            await sock.close()

    readies = [asyncio.Event() for _ in range(args.sockets)]
    tasks = [asyncio.create_task(one(k, readies[k])) for k in range(args.sockets)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)

    sent_at: dict[str, float] = {}
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(args.posts):
        queue.put_nowait(i)
    start = time.monotonic()

    async def poster(session):
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            if args.rate:
                delay = start + i / args.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            tag = f"bench-{i}"
            body = json.dumps({"event_id": tag, "message": tag}).encode()
            headers = kiosk_headers(
                info["serial"], info["secret"], EVENTS_PATH, body, int(time.time())
            )
            sent_at[tag] = time.time()
            async with session.post(f"{origin}{EVENTS_PATH}", data=body, headers=headers) as r:
                await r.read()
                statuses[r.status] = statuses.get(r.status, 0) + 1

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(poster(session) for _ in range(args.clients)))
    post_wall = time.monotonic() - start
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_done.wait(), 15)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return received, sent_at, statuses, post_wall


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rate", type=float, default=10.0, help="posts per second, 0 = no limit")
    args = parser.parse_args()
    os.makedirs("/tmp/sz-bench-sos", exist_ok=True)
    recreate_database(DB_NAME)
    daphne = None
    try:
        info = setup_data()
        port = free_port()
        daphne = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "--verbosity",
                "0",
                "smartzone.asgi:application",
            ],
            cwd=ROOT,
            env=env(),
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(port, daphne)
        received, sent_at, statuses, post_wall = asyncio.run(run(port, info, args))
    finally:
        if daphne:
            daphne.terminate()
            daphne.wait(timeout=10)
        recreate_database(DB_NAME, drop_only=True)

    latencies, lost, duplicates = [], 0, 0
    for frames in received:
        seen = set()
        for t, raw in frames:
            msg = json.loads(raw)
            tag = msg.get("event", {}).get("payload", {}).get("message", "")
            if (
                msg.get("type") != "event"
                or msg["event"]["kind"] != "sos.raised"
                or tag not in sent_at
            ):
                continue
            if tag in seen:
                duplicates += 1
                continue
            seen.add(tag)
            latencies.append((t - sent_at[tag]) * 1000)
        lost += len(sent_at) - len(seen)
    result = {
        "sockets": args.sockets,
        "posts": args.posts,
        "clients": args.clients,
        "rate_limit_per_s": args.rate,
        "http_statuses": statuses,
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
        "posts_per_s": round(len(sent_at) / post_wall, 1),
        "lost": lost,
        "duplicates": duplicates,
    }
    print(
        f"sockets={args.sockets} posts={len(sent_at)} statuses={statuses} "
        f"receipts={len(latencies)} p50={result['p50_ms']}ms p99={result['p99_ms']}ms "
        f"max={result['max_ms']}ms posts/s={result['posts_per_s']} lost={lost} "
        f"duplicates={duplicates}",
        flush=True,
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
