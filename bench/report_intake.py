"""Report intake under concurrent load, beside the same server's bare JSON endpoint; and the
map's GeoJSON bounding-box query with 100,000 and 1,000,000 reports in the database.

Run: .venv/bin/python bench/report_intake.py [--seconds 6] [--rounds 3] [--concurrency 32]
                                             [--queries 200]

It makes its own PostgreSQL database (sz_bench_intake, dropped at the end), migrates it, adds
the demo station, zone and an officer with an API token, and starts one daphne process on a
free port. Settings are the project's own, with two additions from a module this script writes
to a temporary folder: a bare JSON endpoint (/bench/bare/, no database, no session) and a submit
rate limit high enough that one load generator is not refused (the limiter still runs).

- Intake: POST /api/v1/reports/ as a phone app sends it (JSON, no photo, a fresh
  Idempotency-Key each), half inside the safety zone, half outside (nearest station).
  Throughput and p99 at --concurrency connections for --seconds, after a warm-up; the bare
  endpoint is measured the same way in the same run. The two take turns (bare, intake, bare,
  ... bare: --rounds intake phases), and each intake phase is set against the mean of the bare
  phases either side of it: this shared machine's speed drifts by a tenth or more within a
  minute. `ratio_vs_bare` is the median of those per-round ratios; the rps figures are the
  medians of their phases, the p99 over all intake requests. Reports arriving together are written
  in one transaction (smartzone.groupcommit); `intake_reports_per_commit` is how many, on
  average (entries of one group share their audit time).
- Map: GET /api/v1/reports/geojson/?bbox=... as an officer, one request at a time, each with
  a box the size of the zone's bounding box (about 350 m x 1.5 km) at a random place in the
  20 km square the reports are spread over (random times over a year), first with 100,000
  reports, then with 1,000,000 (rows added with generate_series, then ANALYZE).

Prints the figures, then one JSON line.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from support.common import PG, ROOT, free_port, percentile, recreate_database, wait_for_port

DB_NAME = "sz_bench_intake"
PG = os.environ.get("BENCH_PG", PG)
AREA = {"south": 16.45, "north": 16.65, "west": 104.62, "east": 104.82}
IN_ZONE = (16.5447, 104.7256)

BENCH_SETTINGS = """
from smartzone.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench_urls"
INCIDENTS_SUBMIT_RATE = "100000000/s"
"""
BENCH_URLS = """
from django.http import JsonResponse
from django.urls import path

from smartzone.urls import urlpatterns as project_urls


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare), *project_urls]
"""
SEED = """
import django
django.setup()
from django.contrib.auth import get_user_model
from smartzone.tokens import api_token_create
from smartzone import demo
from incidents.models import Category
demo.seed()
user = get_user_model().objects.get(username="officer")
_token, token_key = api_token_create(actor="bench", user=user, name="bench")
print(json.dumps({"token": token_key, "category": Category.objects.get(code="theft").pk,
                  "station": user.officer.station_id}))
"""


# --- load ------------------------------------------------------------------------------------


async def load(url: str, *, seconds: float, concurrency: int, make_request) -> dict:
    """Keep CONCURRENCY requests in flight for SECONDS; return throughput and latencies."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(stop_at: float, record: bool):
            nonlocal errors
            while time.perf_counter() < stop_at:
                method, kwargs = make_request()
                started = time.perf_counter()
                try:
                    async with session.request(method, url, **kwargs) as response:
                        await response.read()
                        ok = response.status < 300
                except aiohttp.ClientError:
                    ok = False
                if record:
                    latencies.append(time.perf_counter() - started)
                    errors += 0 if ok else 1

        warm_until = time.perf_counter() + 1.0
        await asyncio.gather(*(worker(warm_until, False) for _ in range(concurrency)))
        started = time.perf_counter()
        stop_at = started + seconds
        await asyncio.gather(*(worker(stop_at, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": (len(latencies) - errors) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "latencies": latencies,
    }


async def sequential(url_for, *, count: int, headers: dict) -> list[float]:
    import aiohttp

    timings = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for i in range(count + 10):
            started = time.perf_counter()
            async with session.get(url_for()) as response:
                body = await response.read()
                assert response.status == 200, (response.status, body[:300])
            if i >= 10:  # the first ten warm the connection and caches
                timings.append((time.perf_counter() - started) * 1000)
    return timings


# --- data ------------------------------------------------------------------------------------


def insert_reports(conn, *, first: int, count: int, station: int, category: int) -> None:
    """Add COUNT reports numbered from FIRST, spread over AREA and over the past year."""
    conn.execute(
        """
        INSERT INTO incidents_report (
            tracking_code, kind, category_id, description, lat, lng, station_id,
            outside_zone, anonymous, reporter_name, reporter_phone, state,
            rejection_reason, resolution_note, idempotency_fingerprint, created_at)
        SELECT 'B' || lpad(to_hex(i), 7, '0'),
               CASE WHEN i %% 5 = 0 THEN 'tip_off' ELSE 'report' END,
               %(category)s, 'bench report ' || i,
               %(south)s + random() * (%(north)s - %(south)s),
               %(west)s + random() * (%(east)s - %(west)s),
               %(station)s, true, i %% 3 = 0, '', '',
               (ARRAY['new','triaged','dispatched','on_scene','resolved','rejected'])[1 + i %% 6],
               '', '', '', now() - random() * interval '365 days'
        FROM generate_series(%(first)s, %(last)s) AS i
        """,
        AREA
        | {"category": category, "station": station, "first": first, "last": first + count - 1},
    )
    conn.execute("ANALYZE incidents_report")


def random_box() -> str:
    height, width = 0.0138, 0.0032  # the zone's bounding box
    south = random.uniform(AREA["south"], AREA["north"] - height)
    west = random.uniform(AREA["west"], AREA["east"] - width)
    return f"{west:.5f},{south:.5f},{west + width:.5f},{south + height:.5f}"


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    random.seed(7)

    import psycopg

    tmp = Path(tempfile.mkdtemp(prefix="sz-bench-intake-"))
    (tmp / "bench_settings.py").write_text(BENCH_SETTINGS)
    (tmp / "bench_urls.py").write_text(BENCH_URLS)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CHANNELS_PREFIX")}
    env |= {
        "DATABASE_URL": f"{PG}/{DB_NAME}",
        "DB_POOL_SIZE": "10",  # as docker-compose.yml runs the web processes
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATA_DIR": str(tmp / "data"),
        "DEBUG": "0",
        "MAP_TILES_URL": "",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}",
    }
    recreate_database(DB_NAME, pg=PG)
    daphne = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        seeded = subprocess.run(
            [sys.executable, "-c", "import json\n" + SEED],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        daphne = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "--access-log",
                os.devnull,
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "smartzone.asgi:application",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for_port(port, daphne)
        base = f"http://127.0.0.1:{port}"
        print(
            f"daphne on {base}, database {DB_NAME}, {args.concurrency} connections, "
            f"{args.seconds:.0f} s per phase"
        )

        def phase(label: str, path: str, make_request) -> dict:
            result = asyncio.run(
                load(
                    base + path,
                    seconds=args.seconds,
                    concurrency=args.concurrency,
                    make_request=make_request,
                )
            )
            print(
                f"{label}: {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
                f"p99 {result['p99_ms']:6.1f} ms  ({result['requests']} requests, "
                f"{result['errors']} errors)"
            )
            return result

        counter = {"n": 0}

        def report_request():
            counter["n"] += 1
            inside = counter["n"] % 2 == 0
            lat, lng = IN_ZONE if inside else (16.60, 104.66)
            body = {
                "kind": "report",
                "category": "theft",
                "description": "กระเป๋าถูกขโมย (bench)",
                "lat": lat + random.uniform(-0.0003, 0.0003),
                "lng": lng + random.uniform(-0.0003, 0.0003),
                "anonymous": counter["n"] % 3 == 0,
            }
            return "POST", {"json": body, "headers": {"Idempotency-Key": uuid.uuid4().hex}}

        bares = [phase("bare JSON    ", "/bench/bare/", lambda: ("GET", {}))]
        intakes, ratios = [], []
        for _round in range(args.rounds):
            intakes.append(phase("report intake", "/api/v1/reports/", report_request))
            bares.append(phase("bare JSON    ", "/bench/bare/", lambda: ("GET", {})))
            around = (bares[-2]["rps"] + bares[-1]["rps"]) / 2
            ratios.append(intakes[-1]["rps"] / around if around else 0.0)
            print(f"  intake / bare around it: {ratios[-1]:.3f}")
        ratio = statistics.median(ratios)
        intake_times = [t for r in intakes for t in r["latencies"]]
        intake = {
            "rps": statistics.median(r["rps"] for r in intakes),
            "p50_ms": percentile(intake_times, 50) * 1000,
            "p99_ms": percentile(intake_times, 99) * 1000,
        }
        bare = {
            "rps": statistics.median(r["rps"] for r in bares),
            "p99_ms": percentile([t for r in bares for t in r["latencies"]], 99) * 1000,
        }
        print(
            f"intake / bare: {ratio:.2f}, median of {args.rounds} rounds "
            f"({', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.5)"
        )

        headers = {"Authorization": f"Token {seed['token']}"}
        url = f"{base}/api/v1/reports/geojson/?bbox="
        bbox = {}
        with psycopg.connect(f"{PG}/{DB_NAME}", autocommit=True) as conn:
            existing = conn.execute("SELECT count(*) FROM incidents_report").fetchone()[0]
            entries, commits = conn.execute(
                "SELECT count(*), count(DISTINCT created_at) FROM smartzone_auditentry "
                "WHERE action = 'report.submitted'"
            ).fetchone()
            per_commit = entries / commits if commits else 0.0
            print(f"reports per commit: {per_commit:.1f} ({entries} in {commits} transactions)")
            for target in (100_000, 1_000_000):
                have = conn.execute("SELECT count(*) FROM incidents_report").fetchone()[0]
                started = time.perf_counter()
                insert_reports(
                    conn,
                    first=have + 1,
                    count=target - have,
                    station=seed["station"],
                    category=seed["category"],
                )
                print(
                    f"{target:>9,} reports in the database "
                    f"(added in {time.perf_counter() - started:.1f} s; "
                    f"{existing} from the intake phase)"
                )
                timings = asyncio.run(
                    sequential(lambda: url + random_box(), count=args.queries, headers=headers)
                )
                bbox[target] = (percentile(timings, 50), percentile(timings, 99))
                print(
                    f"  GeoJSON bbox: p50 {bbox[target][0]:6.1f} ms  "
                    f"p99 {bbox[target][1]:6.1f} ms  ({args.queries} queries)"
                )
            request = urllib.request.Request(url + random_box(), headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                features = len(json.loads(response.read())["features"])
            print(f"  (a box holds about {features} reports at 1,000,000; at most 1000 are sent)")
    finally:
        if daphne is not None:
            daphne.terminate()
            daphne.wait(timeout=10)
        recreate_database(DB_NAME, drop_only=True, pg=PG)
    print(
        json.dumps(
            {
                "intake_rps": round(intake["rps"], 1),
                "bare_rps": round(bare["rps"], 1),
                "ratio_vs_bare": round(ratio, 3),
                "intake_p99_ms": round(intake["p99_ms"], 1),
                "intake_p50_ms": round(intake["p50_ms"], 1),
                "intake_reports_per_commit": round(per_commit, 1),
                "bare_p99_ms": round(bare["p99_ms"], 1),
                "bbox_p50_ms_100k": round(bbox[100_000][0], 1),
                "bbox_p99_ms_100k": round(bbox[100_000][1], 1),
                "bbox_p50_ms_1m": round(bbox[1_000_000][0], 1),
                "bbox_p99_ms_1m": round(bbox[1_000_000][1], 1),
                "ratio_rounds": [round(r, 3) for r in ratios],
                "concurrency": args.concurrency,
            }
        )
    )


if __name__ == "__main__":
    main()
