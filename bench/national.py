"""One deployment holding many stations for two years stays as fast as one (issue 21).

Run: .venv/bin/python bench/national.py [--stations 1500] [--events 10000000]
                                        [--reports 1000000] [--requests 40] [--logged]

It makes its own PostgreSQL database (BENCH_DB, default sz_national_bench, dropped at the end),
migrates it (so events, audit entries and positions are partitioned by Bangkok month) and adds
the demo stations, officer and province commander, all in this process (Django's test client:
the views' own time, no network). Then, in one run:

1. The demo deployment: its province filled up to PER_PROVINCE (20) stations with two years
   of roll-ups each, so that the province page lists the same stations in both deployments
   (the page's own cost grows with the stations it lists, not with the deployment's size);
   100,000 events of the demo city station over two years. Measured: the province comparison
   page, the station's timeline first page and a deep page (?before=<an id a third of the way
   in>), and the dashboard's events catch-up (GET /api/v1/events/?after=<id>, the last 50).
2. National: STATIONS stations in all (20 to a province), EVENTS events and REPORTS reports of
   the stations added, over two years, and two years of daily roll-ups (desk.models.StationDay)
   for every station, as the roll-up task leaves them. The same four measured again.

The load is what makes the issue's size fit in ten minutes: every month's partition exists
before it, and is UNLOGGED (no WAL; --logged sets them LOGGED after, which reads do not need);
one INSERT ... SELECT generate_series per month of events; the plain indexes of the events,
reports and roll-ups dropped before and built once after (primary keys stay: other tables'
foreign keys need the reports'); the loading session with synchronous_commit off and without
foreign-key triggers (session_replication_role = replica; the rows are generated consistent),
reset before anything is measured; then ANALYZE.

Ratios: national / demo deployment, of the p50s. Prints the figures, then one JSON line.
"""

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.common import PG, percentile, recreate_database, setup_django  # noqa: E402

DB_NAME = os.environ.get("BENCH_DB", "sz_national_bench")
PG = os.environ.get("BENCH_PG", PG)
PROVINCE = "มุกดาหาร"
PER_PROVINCE = 20
DAYS = 730


def sql(statement: str, params=None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def rows(statement: str, params=None) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall()


def fast_session() -> None:
    """This session loads in bulk: no waiting for the WAL flush, no foreign-key triggers (the
    rows are generated consistent), memory for the index builds."""
    sql("SET synchronous_commit = off")
    sql("SET session_replication_role = replica")
    sql("SET maintenance_work_mem = '512MB'")


def normal_session() -> None:
    """Back to what the measured requests run with."""
    sql("RESET synchronous_commit")
    sql("RESET session_replication_role")
    sql("RESET maintenance_work_mem")


class IndexesAfter:
    """Drop TABLE's plain indexes (not its primary key or unique constraints, which other
    tables' foreign keys may need) for a bulk load, and build them again after it: one sort
    per index instead of ten million insertions. On a partitioned table the parent's index
    is dropped and built again on every partition."""

    def __init__(self, table: str):
        self.table = table

    def __enter__(self):
        self.indexes = rows(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
            " AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
            " WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
            [self.table, self.table],
        )
        for name, _definition in self.indexes:
            sql(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            for _name, definition in self.indexes:
                sql(definition.replace(" ON ONLY ", " ON "))  # build on every partition
        return False


def unlogged_partitions(table: str) -> list[str]:
    """Make TABLE's (empty) partitions UNLOGGED for the load: nothing of it goes through the
    WAL. Return their names."""
    names = [
        name
        for (name,) in rows(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [table],
        )
    ]
    for name in names:
        sql(f'ALTER TABLE "{name}" SET UNLOGGED')
    return names


def set_logged(names: list[str]) -> None:
    for name in names:
        sql(f'ALTER TABLE "{name}" SET LOGGED')


def add_events(*, station_expr: str, count: int, params: list, now: float) -> int:
    """COUNT events spread evenly over the two years before NOW (a Unix time), one
    INSERT ... SELECT generate_series per month (so per partition); STATION_EXPR (SQL of g)
    says whose. Return the number of statements."""
    from datetime import UTC, datetime

    from smartzone import partitions

    step = DAYS * 86400 / max(count, 1)
    first = now - count * step  # event g is at first + g * step
    month = partitions.month_of(datetime.fromtimestamp(first, UTC))
    statements = 0
    g_from = 1
    while g_from <= count:
        ends = partitions.month_bounds(month)[1].timestamp()
        g_to = min(count, math.ceil((ends - first) / step) - 1)
        while first + g_to * step >= ends:  # float rounding: stay inside the month
            g_to -= 1
        if g_to >= g_from:
            # STATION_EXPR is this file's own SQL, never input.
            sql(
                "INSERT INTO smartzone_event (station_id, kind, payload, text, created_at,"  # noqa: S608
                f" published_at) SELECT {station_expr}, CASE WHEN g %% 3 = 0 THEN 'sos.raised'"
                " ELSE 'incident.report' END, '{}'::jsonb, 'event ' || g, t, t"
                " FROM generate_series(%s::bigint, %s::bigint) AS g,"
                " LATERAL (SELECT to_timestamp(%s + g * %s) AS t) AS at",
                [*params, g_from, g_to, first, step],
            )
            statements += 1
            g_from = g_to + 1
        month = partitions.next_month(month)
    return statements


def add_stations(count: int, province: str | None = None) -> list[int]:
    """Add COUNT stations: all in PROVINCE, or 20 to a province of their own; return their ids."""
    from smartzone.models import Station

    offset = Station.objects.filter(code__startswith="st-").count()
    sql(
        "INSERT INTO smartzone_station (code, name, name_en, province, phone, lat, lng)"
        " SELECT 'st-' || g, 'สถานีตำรวจภูธรที่ ' || g, '', "
        " COALESCE(%s, 'จังหวัดที่ ' || (g / %s)), '',"
        " 16.5 + (g %% 50) * 0.01, 104.7 + (g / 50) * 0.01"
        " FROM generate_series(%s + 1, %s + %s) AS g",
        [province, PER_PROVINCE, offset, offset, count],
    )
    return list(
        Station.objects.filter(code__startswith="st-").order_by("pk").values_list("pk", flat=True)
    )[offset:]


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
        " FROM unnest(%s::int[]) AS s, generate_series(1, %s) AS d"
        " ON CONFLICT DO NOTHING",  # the demo's own roll-ups of its last days stay
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
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--logged",
        action="store_true",
        help="SET LOGGED the events' partitions after the load (reads are the same either way)",
    )
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

        from datetime import timedelta

        from django.utils import timezone

        from smartzone import partitions

        now = time.time()
        started = time.perf_counter()
        fast_session()
        # Every month of the two years gets its partition (the migration made this month's
        # and the next three), then all are UNLOGGED for the load.
        partitions.ensure_ahead(
            today=timezone.localdate() - timedelta(days=DAYS + 1), months=DAYS // 28 + 4
        )
        event_partitions = unlogged_partitions("smartzone_event")
        add_events(station_expr="%s", count=100_000, params=[station.pk], now=now)
        # The province page lists the same stations in both deployments (its own cost grows
        # with the stations it lists, not with the deployment): the province's PER_PROVINCE.
        from smartzone.models import Station

        in_province = PER_PROVINCE - Station.objects.filter(province=PROVINCE).count()
        add_stations(in_province, province=PROVINCE)
        add_station_days(
            list(Station.objects.filter(province=PROVINCE).values_list("pk", flat=True))
        )
        sql("ANALYZE")
        normal_session()
        print(f"one station: 100,000 events in {time.perf_counter() - started:.1f} s", flush=True)
        one = measure(officer_client, commander_client, station.pk, args.requests)
        print(f"  one station: {json.dumps(one)}", flush=True)

        load_started = started = time.perf_counter()
        fast_session()
        others = add_stations(args.stations - Station.objects.count())
        first, n = min(others), len(others)
        with IndexesAfter("smartzone_event"):
            statements = add_events(
                station_expr="%s + g %% %s", count=args.events, params=[first, n], now=now
            )
            took = time.perf_counter() - started
            print(
                f"{args.events:,} events of {n:,} more stations in {took:.1f} s"
                f" ({statements} INSERT ... SELECT generate_series, one a month)",
                flush=True,
            )
            started = time.perf_counter()
        print(f"  events' indexes built in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        with IndexesAfter("incidents_report"):
            add_reports(args.reports, first, n)
        with IndexesAfter("desk_stationday"):
            add_station_days(others)
        took = time.perf_counter() - started
        print(f"{args.reports:,} reports and two years of roll-ups in {took:.1f} s", flush=True)
        started = time.perf_counter()
        if args.logged:
            set_logged(event_partitions)
        sql("ANALYZE")
        normal_session()
        took = time.perf_counter() - started
        print(f"  {'SET LOGGED and ' if args.logged else ''}ANALYZE in {took:.1f} s", flush=True)
        load_seconds = time.perf_counter() - load_started
        # Every event in its month's partition: none left over in the default one.
        in_default = rows("SELECT count(*) FROM smartzone_event_default")[0][0]
        national = measure(officer_client, commander_client, station.pk, args.requests)
        print(f"  national: {json.dumps(national)}", flush=True)
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
        "load_seconds": round(load_seconds, 1),
        "events_in_default_partition": in_default,
        "logged": args.logged,
        "seconds": round(time.perf_counter() - begun, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
