"""One deployment holding many stations for two years stays as fast as one (issue 21).

Run: .venv/bin/python bench/national.py [--stations 1500] [--events 1000000]
                                        [--reports 100000] [--requests 40]

It makes its own PostgreSQL database (sz_bench_national, dropped at the end), migrates it (so
events, audit entries and positions are partitioned by month) and adds the demo station,
officer and province commander, all in this process (Django's test client: the views' own time,
no network). Then, in one run:

1. One station: 100,000 of its events over two years (generate_series). Measured: the province
   comparison page (the station's province holds only it), the station's timeline first page
   and a deep page (?before=<an id a third of the way in>), and the dashboard's events catch-up
   (GET /api/v1/events/?after=<id>, the last 50 events).
2. National: STATIONS stations in all (20 to a province, the demo's among them), EVENTS events
   and REPORTS reports of the other stations over two years, and two years of daily roll-ups
   (desk.models.StationDay) for every station, as the roll-up task leaves them (inserted with
   generate_series: computing 1.1 million days through the task is not what is measured).
   The same four measured again.

Ratios: national / one station, of the p50s. The issue asks for 10,000,000 events and
1,000,000 reports (--events 10000000 --reports 1000000); inserting them takes this shared
2-core machine longer than the 10 minutes a bench may run, so the defaults are a tenth of
that (the last JSON line says which sizes ran). Prints the figures, then one JSON line.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PG, percentile, recreate_database, setup_django  # noqa: E402

DB_NAME = "sz_bench_national"
PG = os.environ.get("BENCH_PG", PG)
PROVINCE = "มุกดาหาร"
PER_PROVINCE = 20
DAYS = 730


def sql(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def add_events(*, station_expr: str, count: int, params: list) -> None:
    """COUNT events spread evenly over the last two years; STATION_EXPR (SQL of g) says whose."""
    step = DAYS * 86400 / max(count, 1)
    # STATION_EXPR is this file's own SQL, never input.
    insert = (
        "INSERT INTO smartzone_event (station_id, kind, payload, text, created_at, published_at)"  # noqa: S608
        f" SELECT {station_expr}, CASE WHEN g %% 3 = 0 THEN 'sos.raised' ELSE 'incident.report'"
        " END, '{}'::jsonb, 'event ' || g,"
        " now() - ((%s - g) * %s || ' seconds')::interval,"
        " now() - ((%s - g) * %s || ' seconds')::interval"
        " FROM generate_series(1, %s) AS g"
    )
    sql(insert, [*params, count, step, count, step, count])


def add_stations(total: int) -> list[int]:
    from smartzone.models import Station

    demo = Station.objects.get()
    sql(
        "INSERT INTO smartzone_station (code, name, name_en, province, phone, lat, lng)"
        " SELECT 'st-' || g, 'สถานีตำรวจภูธรที่ ' || g, '', "
        " CASE WHEN g < %s THEN %s ELSE 'จังหวัดที่ ' || (g / %s) END, '',"
        " 16.5 + (g %% 50) * 0.01, 104.7 + (g / 50) * 0.01"
        " FROM generate_series(1, %s) AS g",
        [PER_PROVINCE, PROVINCE, PER_PROVINCE, total - 1],
    )
    return list(Station.objects.exclude(pk=demo.pk).values_list("pk", flat=True))


def add_reports(count: int, first_station: int, stations: int) -> None:
    from incidents.models import Category

    categories = list(Category.objects.values_list("pk", flat=True))
    sql(
        "INSERT INTO incidents_report (tracking_code, kind, category_id, description, lat, lng,"
        " station_id, outside_zone, anonymous, reporter_name, reporter_phone, state,"
        " rejection_reason, resolution_note, idempotency_fingerprint, created_at)"
        " SELECT 'N' || lpad(g::text, 7, '0'), 'report', (%s::int[])[1 + g %% %s], 'bench',"
        " 16.45 + random() * 0.2, 104.62 + random() * 0.2, %s + g %% %s, false, false, '', '',"
        " 'new', '', '', '', now() - random() * interval '730 days'"
        " FROM generate_series(1, %s) AS g",
        [categories, len(categories), first_station, stations, count],
    )


def add_station_days(station_ids: list[int]) -> None:
    """Two years of roll-up rows per station, shaped as desk.rollup writes them."""
    sql(
        "INSERT INTO desk_stationday (station_id, day, incidents, incidents_by_category, sos,"
        " sos_ack_minutes, sos_scene_minutes, report_ack_minutes, report_scene_minutes,"
        " patrol_planned, patrol_met, survey_answers, survey_score_sum, line_followers,"
        " chain_seq, chain_hash, computed_at)"
        " SELECT s, current_date - d, 1 + (s + d) %% 5, '{\"theft\": 1}'::jsonb, (s + d) %% 2,"
        " '[2.5]'::jsonb, '[9.0]'::jsonb, '[4.0, 12.0]'::jsonb, '[20.0]'::jsonb, 6, 5, 1, 12,"
        " 300, 1, '', now()"
        " FROM unnest(%s::int[]) AS s, generate_series(1, %s) AS d",
        [station_ids, DAYS],
    )


def timed(client, urls: list[str], repeat: int) -> dict:
    for url in urls[:2]:  # warm-up
        assert client.get(url).status_code == 200, url
    timings = []
    for i in range(repeat):
        url = urls[i % len(urls)]
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {"p50": round(percentile(timings, 50), 2), "p99": round(percentile(timings, 99), 2)}


def measure(officer_client, commander_client, station_id: int, repeat: int) -> dict:
    from smartzone.models import Event

    ids = Event.objects.filter(station_id=station_id).order_by("pk").values_list("pk", flat=True)
    count = ids.count()
    deep = ids[count // 3]
    last = ids[count - 51] if count > 51 else 0
    return {
        "province": timed(commander_client, ["/desk/commanders/"], repeat),
        "timeline": timed(officer_client, ["/timeline/"], repeat),
        "timeline_deep": timed(officer_client, [f"/timeline/?before={deep}"], repeat),
        "catchup": timed(officer_client, [f"/api/v1/events/?after={last}"], repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1500)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sz-bench-national-"))
    recreate_database(DB_NAME, pg=PG)
    begun = time.perf_counter()
    try:
        setup_django(tmp, DB_NAME)
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from smartzone import services

        users = get_user_model().objects
        officer = users.get(username="officer")
        station = officer.officer.station
        commander = services.commander_create(
            actor="bench",
            username="bench-province",
            password="Mekong-night-market-2026",
            role="province",
            province=PROVINCE,
        ).user
        officer_client, commander_client = Client(), Client()
        officer_client.force_login(officer)
        commander_client.force_login(commander)
        # The commander's second factor: a confirmed device, and the session past it.
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=commander, name="bench", confirmed=True)
        session = commander_client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

        started = time.perf_counter()
        add_events(station_expr="%s", count=100_000, params=[station.pk])
        add_station_days([station.pk])
        sql("ANALYZE")
        print(f"one station: 100,000 events in {time.perf_counter() - started:.1f} s")
        one = measure(officer_client, commander_client, station.pk, args.requests)
        print(f"  one station: {json.dumps(one)}")

        started = time.perf_counter()
        others = add_stations(args.stations)
        first, n = min(others), len(others)
        add_events(station_expr="%s + g %% %s", count=args.events, params=[first, n])
        took = time.perf_counter() - started
        print(f"{args.events:,} events of {n:,} more stations in {took:.1f} s")
        started = time.perf_counter()
        add_reports(args.reports, first, n)
        add_station_days(others)
        sql("ANALYZE")
        took = time.perf_counter() - started
        print(f"{args.reports:,} reports and two years of roll-ups in {took:.1f} s")
        national = measure(officer_client, commander_client, station.pk, args.requests)
        print(f"  national: {json.dumps(national)}")
        connection.close()
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(DB_NAME, drop_only=True, pg=PG)

    def ratio(name):
        return round(national[name]["p50"] / one[name]["p50"], 2)

    figures = {
        "province_p50_ms": national["province"]["p50"],
        "province_p99_ms": national["province"]["p99"],
        "province_p50_ms_one_station": one["province"]["p50"],
        "province_ratio": ratio("province"),
        "timeline_p50_ms": national["timeline"]["p50"],
        "timeline_ratio": ratio("timeline"),
        "timeline_deep_p50_ms": national["timeline_deep"]["p50"],
        "timeline_deep_ratio": ratio("timeline_deep"),
        "catchup_p50_ms": national["catchup"]["p50"],
        "catchup_ratio": ratio("catchup"),
        "stations": args.stations,
        "events": args.events + 100_000,
        "reports": args.reports,
        "seconds": round(time.perf_counter() - begun, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
