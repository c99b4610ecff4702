"""Dispatch latency: a kiosk's SOS offered automatically to the nearest free officer's phone.

Run: .venv/bin/python bench/dispatch.py [--officers 50] [--seconds 120] [--rate 1] [--share 5]

Makes its own PostgreSQL database (sz_bench_dispatch, dropped at the end), migrates it, adds a
station whose policy offers each new SOS at once, a kiosk, a desk officer and --officers
officers on a shift that is on now. Starts one daphne on a free port with REDIS_URL (its own
Redis db). Each officer is a "phone": the officer's own socket /ws/officer/ (what the phone
page listens on: only that officer's assignment events) and a position shared every --share
seconds, each phone at its own moment of the period; the desk has the station's socket
/ws/dashboard/ (every event). The kiosk posts signed SOS at --rate per second for --seconds.
The offered officer's phone "rings" when the dispatch.offered frame for it arrives; it then
taps accept at once, and "done" two seconds later (free again).

Figures: offer (kiosk POST sent -> the offered officer's socket gets the offer), accept_seen
(the phone's accept POST sent -> the desk's socket gets dispatch.accepted), and the whole
kiosk -> desk-sees-acceptance. An SOS with no offer seen within 10 s of the last POST, or told
"no officer", is lost.

Prints figures, then one JSON line with offer_p50_ms, offer_p99_ms, accept_seen_p50_ms,
accept_seen_p99_ms, kiosk_to_accept_seen_p99_ms, lost.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import subprocess
import time

from support.common import (
    PG,
    ROOT,
    django_shell,
    free_port,
    kiosk_headers,
    percentile,
    recreate_database,
    start_daphne,
    wait_for_port,
)

DB_NAME = "sz_bench_dispatch"
REDIS_URL = "redis://127.0.0.1:6379/12"
EVENTS_PATH = "/api/v1/sos/events/"
KIOSK = (16.5453, 104.7248)
CSRF = "benchcsrftokenbenchcsrftoken0042"  # 32 characters: an unmasked CSRF secret


def env() -> dict:
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CHANNELS_PREFIX")}
    return base | {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "DB_POOL_SIZE": "10",
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "DATA_DIR": "/tmp/sz-bench-dispatch",
        "MAP_TILES_URL": "",
        "PYTHONPATH": str(ROOT),
        "REDIS_URL": REDIS_URL,
        "CHANNELS_PREFIX": "benchdispatch",
    }


SETUP = """
import json
from datetime import timedelta
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from dispatch.models import DispatchPolicy
from patrol.models import PatrolShift
from smartzone import services
from smartzone.models import Station
from sos import services as sos_services
call_command("migrate", verbosity=0)
station = services.station_save(actor="bench", station=Station(
    code="bench", name="Bench station", lat=16.5466, lng=104.7233))
DispatchPolicy.objects.create(station=station, auto_offer_sos=True, offer_timeout_s=45)
kiosk, secret = sos_services.kiosk_create(actor="bench", station=station, name="Bench kiosk",
    serial="BENCH-1", lat=16.5453, lng=104.7248)
now = timezone.now()
shift = PatrolShift.objects.create(station=station, name="Bench shift",
    starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2))
name = settings.SESSION_COOKIE_NAME
def cookie(username):
    user = services.officer_create(actor="bench", username=username,
        password="bench-password-42-horse", station=station).user
    client = Client()
    client.force_login(user)
    return user.pk, name + "=" + client.cookies[name].value
desk = cookie("desk")[1]
officers = [cookie("officer%02d" % i) for i in range(N)]
shift.officers.set([pk for pk, _ in officers])
print(json.dumps({"desk": desk, "officers": officers, "serial": kiosk.serial, "secret": secret}))
"""


def spot(i: int, n: int, t: float) -> tuple[float, float]:
    """Officer I's position at time T: on a ring 100-1500 m around the kiosk, moving slowly."""
    radius = 100 + 1400 * i / max(n - 1, 1)
    angle = 2 * math.pi * i / n + t / 600
    return (
        KIOSK[0] + radius / 111_320 * math.cos(angle),
        KIOSK[1] + radius / (111_320 * math.cos(math.radians(KIOSK[0]))) * math.sin(angle),
    )


async def run(port, info, args):
    import aiohttp
    import websockets

    origin = f"http://127.0.0.1:{port}"
    desk_url = f"ws://127.0.0.1:{port}/ws/dashboard/"
    phone_url = f"ws://127.0.0.1:{port}/ws/officer/"
    n = len(info["officers"])
    sent_at: dict[int, float] = {}  # sos id -> kiosk POST sent
    tag_sent: dict[str, float] = {}
    tag_sos: dict[str, int] = {}
    rang: dict[int, float] = {}  # sos id -> offer frame on the offered officer's socket
    accept_sent: dict[int, float] = {}
    accept_seen: dict[int, float] = {}
    no_officer: set[int] = set()
    statuses: dict[str, int] = {}
    stop = asyncio.Event()

    def count(what: str) -> None:
        statuses[what] = statuses.get(what, 0) + 1

    async def connect(cookie, url):
        sock = await websockets.connect(
            url,
            additional_headers={"Cookie": cookie},
            origin=origin,
            max_queue=None,
            open_timeout=30,
        )
        first = json.loads(await sock.recv())
        assert first["type"] == "ready", first
        return sock

    async def post(session, cookie, path, data):
        headers = {"Cookie": f"{cookie}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
        headers["Referer"] = origin + "/officer/"
        async with session.post(origin + path, data=data, headers=headers) as r:
            await r.read()
            count(f"{path.split('/')[1]}:{r.status}")
            return r.status

    async def phone(session, i, officer_id, cookie, ready):
        sock = await connect(cookie, phone_url)
        ready.set()

        async def share():
            # Phones are not in step: each shares at its own moment of the period (started
            # together, all of them would post in the same instant every period).
            await asyncio.sleep(args.share * i / n)
            while not stop.is_set():
                lat, lng = spot(i, n, time.time())
                await post(
                    session, cookie, "/patrol/position/", {"lat": lat, "lng": lng, "accuracy": 5}
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), args.share)

        async def work(assignment, sos_id):
            accept_sent[sos_id] = time.time()
            path = f"/officer/assignments/{assignment}/step/"
            await post(session, cookie, path, {"step": "accept"})
            await asyncio.sleep(2)
            await post(session, cookie, path, {"step": "done"})

        sharing = asyncio.create_task(share())
        try:
            async for raw in sock:
                now = time.time()
                msg = json.loads(raw)
                if msg.get("type") != "event" or msg["event"]["kind"] != "dispatch.offered":
                    continue
                p = msg["event"]["payload"]
                if p["officer"] != officer_id or p["item"] in rang:
                    continue
                rang[p["item"]] = now
                asyncio.create_task(work(p["assignment"], p["item"]))
        except websockets.ConnectionClosed:
            pass
        finally:
            sharing.cancel()
            await sock.close()

    async def desk(ready):
        sock = await connect(info["desk"], desk_url)
        ready.set()
        try:
            async for raw in sock:
                now = time.time()
                msg = json.loads(raw)
                if msg.get("type") != "event":
                    continue
                kind, p = msg["event"]["kind"], msg["event"]["payload"]
                if kind == "sos.raised" and p.get("message") in tag_sent:
                    tag_sos[p["message"]] = p["id"]
                elif kind == "dispatch.accepted" and p["item"] not in accept_seen:
                    accept_seen[p["item"]] = now
                elif kind == "dispatch.no_officer":
                    no_officer.add(p["item"])
        except websockets.ConnectionClosed:
            pass
        finally:
            await sock.close()

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as session:
        readies = [asyncio.Event() for _ in range(n + 1)]
        tasks = [asyncio.create_task(desk(readies[0]))]
        tasks += [
            asyncio.create_task(phone(session, i, pk, cookie, readies[i + 1]))
            for i, (pk, cookie) in enumerate(info["officers"])
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        await asyncio.sleep(args.share + 1)  # every phone shared a first position
        start = time.monotonic()
        total = int(args.seconds * args.rate)
        for k in range(total):
            delay = start + k / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tag = f"bench-{k}"
            body = json.dumps({"event_id": tag, "message": tag}).encode()
            headers = kiosk_headers(
                info["serial"], info["secret"], EVENTS_PATH, body, int(time.time())
            )
            tag_sent[tag] = time.time()
            async with session.post(origin + EVENTS_PATH, data=body, headers=headers) as r:
                answer = await r.json(content_type=None)
                count(f"kiosk:{r.status}")
                if isinstance(answer, dict) and "id" in answer:
                    tag_sos[tag] = answer["id"]
                    sent_at[answer["id"]] = tag_sent[tag]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(accept_seen) < len(sent_at):
            await asyncio.sleep(0.2)
        stop.set()
        await asyncio.sleep(0.5)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return sent_at, rang, accept_sent, accept_seen, no_officer, statuses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--rate", type=float, default=1.0, help="SOS per second")
    parser.add_argument("--share", type=float, default=5.0, help="seconds between positions")
    args = parser.parse_args()
    os.makedirs("/tmp/sz-bench-dispatch", exist_ok=True)
    recreate_database(DB_NAME)
    daphne = None
    try:
        info = django_shell(SETUP.replace("range(N)", f"range({args.officers})"), env())
        port = free_port()
        daphne = start_daphne(port, env())
        wait_for_port(port, daphne, timeout=120)  # a loaded machine starts slowly
        sent_at, rang, accept_sent, accept_seen, no_officer, statuses = asyncio.run(
            run(port, info, args)
        )
    finally:
        if daphne:  # a loaded machine's daphne may take long to close its sockets: the figures
            daphne.terminate()  # are taken by then, so do not lose them over its exit
            try:
                daphne.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print("daphne did not stop within 30 s of SIGTERM; killed", flush=True)
                daphne.kill()
                daphne.wait(timeout=10)
        recreate_database(DB_NAME, drop_only=True)

    offer = [(rang[s] - t) * 1000 for s, t in sent_at.items() if s in rang]
    seen = [(accept_seen[s] - accept_sent[s]) * 1000 for s in accept_sent if s in accept_seen]
    whole = [(accept_seen[s] - t) * 1000 for s, t in sent_at.items() if s in accept_seen]
    lost = sum(1 for s in sent_at if s not in rang or s in no_officer)

    def p(values, q):
        return round(percentile(values, q), 1)

    result = {
        "officers": args.officers,
        "sos": len(sent_at),
        "statuses": statuses,
        "offer_p50_ms": p(offer, 50),
        "offer_p99_ms": p(offer, 99),
        "accept_seen_p50_ms": p(seen, 50),
        "accept_seen_p99_ms": p(seen, 99),
        "kiosk_to_accept_seen_p99_ms": p(whole, 99),
        "accepted_seen": len(seen),
        "lost": lost,
    }
    print(
        f"officers={args.officers} sos={len(sent_at)} offers={len(offer)} "
        f"offer p50/p99={result['offer_p50_ms']}/{result['offer_p99_ms']} ms "
        f"accept seen p50/p99={result['accept_seen_p50_ms']}/{result['accept_seen_p99_ms']} ms "
        f"lost={lost} statuses={statuses}",
        flush=True,
    )
    order = {s: k for k, s in enumerate(sorted(sent_at))}
    slowest = sorted(((rang[s] - t) * 1000, order[s]) for s, t in sent_at.items() if s in rang)
    print("slowest offers (ms, n-th SOS):", [(round(ms), k) for ms, k in slowest[-5:]])
    print(json.dumps(result))


if __name__ == "__main__":
    main()
