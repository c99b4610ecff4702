"""The station timeline with 100,000 and 1,000,000 events, and the hotspot grid of a year of
100,000 incidents, on PostgreSQL.

Run: .venv/bin/python bench/timeline.py [--requests 300]

It makes its own PostgreSQL database (sz_bench_timeline, dropped at the end), migrates it and
adds the demo station, zone and officer, all in this process (Django's test client, so the
figures are the view's own time: filters, the keyset query, template rendering; no network).

- Timeline: GET /timeline/ as the demo officer, --requests times, a mix of the first page, the
  first page of one kind ("sos"), and deep pages (?before=<a random event id>, with and without
  the kind): first with 100,000 events of the station, then with 1,000,000 (rows added with
  generate_series, then ANALYZE). p50 and p99 in ms (nearest rank); the same for the page's
  query alone (smartzone.selectors.timeline_page), which the machine's load disturbs less.
- Hotspots: 100,000 reports spread at random over the past year and a 20 km square around the
  zone; the time of desk.hotspots.hotspots() for that year (which also counts the year before
  for the change), median of 3 runs, in seconds.

Prints the figures, then one JSON line.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.common import PG, percentile, recreate_database, setup_django  # noqa: E402

DB_NAME = "sz_bench_timeline"
PG = os.environ.get("BENCH_PG", PG)


def add_events(station_id: int, count: int, start: int) -> None:
    """Insert COUNT events numbered from START: one in three an SOS, one a second apart."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO smartzone_event (station_id, kind, payload, text, created_at)"
            " SELECT %s, CASE WHEN g %% 3 = 0 THEN 'sos.raised' ELSE 'incident.report' END,"
            " '{}'::jsonb, 'event ' || g, now() - (g || ' seconds')::interval"
            " FROM generate_series(%s, %s) AS g",
            [station_id, start, start + count - 1],
        )
        cursor.execute("ANALYZE smartzone_event")


def timeline_figures(client, station_id: int, requests: int) -> dict:
    from smartzone.models import Event

    ids = Event.objects.filter(station_id=station_id).values_list("pk", flat=True)
    low, high = ids.order_by("pk").first(), ids.order_by("-pk").first()
    rng = random.Random(7)
    urls = []
    for i in range(requests):
        shape = i % 4
        if shape == 0:
            urls.append("/timeline/")
        elif shape == 1:
            urls.append("/timeline/?kind=sos")
        elif shape == 2:
            urls.append(f"/timeline/?before={rng.randint(low, high)}")
        else:
            urls.append(f"/timeline/?kind=sos&before={rng.randint(low, high)}")
    for url in urls[:8]:  # warm-up: caches, template loading
        assert client.get(url).status_code == 200
    from smartzone import selectors

    query_timings = []
    for url in urls:  # the page's query alone (the selector), as the view calls it
        kinds = ["sos"] if "kind=sos" in url else None
        before = int(url.rsplit("before=", 1)[1]) if "before=" in url else None
        started = time.perf_counter()
        selectors.timeline_page(station_id=station_id, kinds=kinds, before_id=before, limit=51)
        query_timings.append((time.perf_counter() - started) * 1000)
    timings, first_page = [], []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        timings.append(elapsed)
        if "before" not in url:
            first_page.append(elapsed)
    return {
        "p50": round(percentile(timings, 50), 2),
        "p99": round(percentile(timings, 99), 2),
        "first_page_p50": round(percentile(first_page, 50), 2),
        "query_p50": round(percentile(query_timings, 50), 2),
        "query_p99": round(percentile(query_timings, 99), 2),
    }


def add_reports(station_id: int, count: int) -> None:
    """Insert COUNT reports at random places in a 20 km square and times over the past year."""
    from django.db import connection

    from incidents.models import Category

    categories = list(Category.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incidents_report (tracking_code, kind, category_id, description, lat, lng,"
            " station_id, outside_zone, anonymous, reporter_name, reporter_phone, state,"
            " rejection_reason, resolution_note, idempotency_fingerprint, created_at)"
            " SELECT 'B' || lpad(g::text, 7, '0'), 'report', (%s::int[])[1 + g %% %s], 'bench',"
            " 16.45 + random() * 0.2, 104.62 + random() * 0.2, %s, false, false, '', '', 'new',"
            " '', '', '', now() - random() * interval '365 days'"
            " FROM generate_series(1, %s) AS g",
            [categories, len(categories), station_id, count],
        )
        cursor.execute("ANALYZE incidents_report")


def hotspot_seconds(station) -> tuple[float, int, int]:
    from datetime import timedelta

    from django.utils import timezone

    from desk import hotspots

    until = timezone.now()
    since = until - timedelta(days=365)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        result = hotspots.hotspots(station=station, since=since, until=until)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result.total, len(result.cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sz-bench-timeline-"))
    recreate_database(DB_NAME, pg=PG)
    try:
        setup_django(tmp, DB_NAME)
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        officer = get_user_model().objects.get(username="officer")
        station = officer.officer.station
        client = Client()
        client.force_login(officer)
        figures = {}

        started = time.perf_counter()
        add_events(station.pk, 100_000, 1)
        print(f"100,000 events inserted in {time.perf_counter() - started:.1f} s")
        t = timeline_figures(client, station.pk, args.requests)
        figures |= {
            "timeline_p50_ms_100k": t["p50"],
            "timeline_p99_ms_100k": t["p99"],
            "timeline_first_page_p50_ms_100k": t["first_page_p50"],
            "timeline_query_p50_ms_100k": t["query_p50"],
            "timeline_query_p99_ms_100k": t["query_p99"],
        }
        print(f"timeline, 100k events: p50 {t['p50']} ms, p99 {t['p99']} ms")
        print(f"  its query alone: p50 {t['query_p50']} ms, p99 {t['query_p99']} ms")

        started = time.perf_counter()
        add_events(station.pk, 900_000, 100_001)
        print(f"900,000 more events inserted in {time.perf_counter() - started:.1f} s")
        t = timeline_figures(client, station.pk, args.requests)
        figures |= {
            "timeline_p50_ms_1m": t["p50"],
            "timeline_p99_ms_1m": t["p99"],
            "timeline_first_page_p50_ms_1m": t["first_page_p50"],
            "timeline_query_p50_ms_1m": t["query_p50"],
            "timeline_query_p99_ms_1m": t["query_p99"],
        }
        print(f"timeline, 1M events: p50 {t['p50']} ms, p99 {t['p99']} ms")
        print(f"  its query alone: p50 {t['query_p50']} ms, p99 {t['query_p99']} ms")

        started = time.perf_counter()
        add_reports(station.pk, 100_000)
        print(f"100,000 reports over a year inserted in {time.perf_counter() - started:.1f} s")
        seconds, total, cells = hotspot_seconds(station)
        figures |= {
            "hotspot_s": round(seconds, 3),
            "hotspot_incidents": total,
            "hotspot_cells": cells,
        }
        print(
            f"hotspots of a year: {seconds:.3f} s for {total} incidents in {cells} cells of 150 m"
        )
        connection.close()
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(DB_NAME, drop_only=True, pg=PG)
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)  # others' work on the machine
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
