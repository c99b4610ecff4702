"""Coverage of a seeded week against a hand-computed expectation; the page, CSV, ranking."""

import csv
import io

import pytest

from patrol import selectors, services
from patrol.tokens import make_token
from smartzone import registry
from tests.patrol.conftest import MARKET, NIGHT_MARKET, local, make_point

pytestmark = pytest.mark.django_db

WEEK = {"since": local(2026, 3, 2), "until": local(2026, 3, 9)}  # Monday to Sunday


def check_in(officer, point, at, lat_lng=None, **extra):
    lat, lng = lat_lng or (point.lat, point.lng)
    return services.checkin_record(
        actor=officer, token=make_token(point), lat=lat, lng=lng, accuracy_m=5, at=at, **extra
    )


def plan(supervisor, officer, name, starts_at, ends_at, points):
    return services.shift_plan(
        actor=supervisor,
        station=officer.officer.station,
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        officers=[officer],
        plan=points,
    )


@pytest.fixture
def week(station, supervisor, officer, other_officer, point, night_point, other_point):
    """The seeded week; the expected figures are worked out by hand in the tests below."""
    a, b = point, night_point
    c = make_point(station, "ตู้แดง ซอยริมโขง", 16.5400, 104.7258, kind="lane")
    # S0 Sun 22:00 - Mon 01:00, A hourly: due Sun 23:00 (before the week), Mon 00:00, 01:00.
    plan(supervisor, officer, "S0", local(2026, 3, 1, 22), local(2026, 3, 2, 1), {a: 60})
    # S1 Mon 20:00 - Tue 02:00: A every 2 h (due 22, 00, 02), B every 3 h (due 23, 02).
    plan(supervisor, officer, "S1", local(2026, 3, 2, 20), local(2026, 3, 3, 2), {a: 120, b: 180})
    # S2 Thu 20:00 - 23:00, A hourly (due 21, 22, 23).
    plan(supervisor, officer, "S2", local(2026, 3, 5, 20), local(2026, 3, 5, 23), {a: 60})
    # S3 the next Monday: outside the week.
    plan(supervisor, officer, "S3", local(2026, 3, 9, 20), local(2026, 3, 9, 22), {a: 60})

    check_in(officer, a, local(2026, 3, 1, 23, 30))  # before the week: meets S0's 00:00 window
    check_in(officer, a, local(2026, 3, 2, 20, 30))  # S1 A window 1
    check_in(officer, a, local(2026, 3, 2, 21, 10))  # S1 A window 1 again
    check_in(officer, a, local(2026, 3, 2, 23, 0))  # S1 A window 2
    check_in(officer, a, local(2026, 3, 3, 1, 0), lat_lng=NIGHT_MARKET, away_reason="ฝนตก")
    check_in(officer, b, local(2026, 3, 2, 21, 0))  # S1 B window 1
    check_in(officer, b, local(2026, 3, 3, 0, 30))  # S1 B window 2
    check_in(officer, b, local(2026, 3, 4, 10, 0))  # no shift: a visit without a plan
    check_in(officer, a, local(2026, 3, 5, 20, 15))  # S2 window 1
    check_in(officer, a, local(2026, 3, 5, 22, 30))  # S2 window 3
    check_in(officer, a, local(2026, 3, 9, 21, 0))  # S3, next week
    check_in(other_officer, other_point, local(2026, 3, 4, 12))  # another station
    # The periodic task ran Thursday night: S2's 22:00 window alerted.
    services.missed_visits_detect(now=local(2026, 3, 5, 23, 30))
    return a, b, c


def figures(report):
    return {
        row.point.name: (row.planned, row.met, row.missed, row.visits, row.away, row.alerted)
        for row in report.rows
    }


def test_the_weeks_figures_match_the_hand_computed_ones(station, week):
    a, b, c = week
    report = selectors.coverage(station=station, now=local(2026, 3, 10), **WEEK)
    # A: planned S0 2 + S1 3 + S2 3 = 8; met S0 1 (the 00:00 window, by Sunday's 23:30 visit)
    #    + S1 2 (the 01:00 check-in was away) + S2 2 = 5; missed 3; visits in the week 5
    #    (Sunday's is before it, the next Monday's after it); 1 away; 1 alert (S2 22:00).
    # B: planned 2, met 2, visits 3 (Wednesday's without a plan), none away or alerted.
    # C: nothing planned, nothing done.
    assert figures(report) == {
        a.name: (8, 5, 3, 5, 1, 1),
        b.name: (2, 2, 0, 3, 0, 0),
        c.name: (0, 0, 0, 0, 0, 0),
    }
    assert report.totals == {
        "planned": 10,
        "met": 7,
        "missed": 3,
        "visits": 8,
        "away": 1,
        "alerted": 1,
    }
    assert len(report.heat) == 9
    assert [(f.point, f.away_reason) for f in report.flagged] == [(a, "ฝนตก")]


def test_windows_not_yet_due_are_not_counted_as_planned(station, week):
    a, b, _ = week
    report = selectors.coverage(station=station, now=local(2026, 3, 2, 23, 30), **WEEK)
    # By Monday 23:30: A's S0 windows (00:00, 01:00) and S1's 22:00 are due; B's 23:00 is.
    assert {r.point.name: r.planned for r in report.rows if r.planned} == {a.name: 3, b.name: 1}


def test_the_page_and_the_csv_show_the_same_figures(client, supervisor, station, week):
    a, b, c = week
    client.force_login(supervisor)
    query = {"since": "2026-03-02", "until": "2026-03-08"}
    page = client.get("/patrol/coverage/", query)
    assert page.status_code == 200
    assert figures(page.context["report"])[a.name][:3] == (8, 5, 3)
    assert 'id="coverage-config"' in page.content.decode()
    exported = client.get("/patrol/coverage/", query | {"format": "csv"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "จุดตรวจ" or rows[0][0] == "Point"
    by_name = {row[0]: row[3:9] for row in rows[1:]}
    assert by_name[a.name] == ["8", "5", "3", "5", "1", "1"]
    assert by_name[b.name] == ["2", "2", "0", "3", "0", "0"]
    assert by_name[c.name] == ["0", "0", "0", "0", "0", "0"]


def test_a_bad_range_says_what_to_fix(client, supervisor, station):
    client.force_login(supervisor)
    page = client.get("/patrol/coverage/", {"since": "2026-03-08", "until": "2026-03-02"})
    assert page.status_code == 400
    assert "until" in page.context["form"].errors


def test_officers_and_other_stations_do_not_see_the_coverage(
    client, officer, other_supervisor, station, week
):
    client.force_login(officer)
    assert client.get("/patrol/coverage/").status_code == 403
    client.force_login(other_supervisor)
    page = client.get("/patrol/coverage/", {"since": "2026-03-02", "until": "2026-03-08"})
    assert page.status_code == 200
    assert {r.point.station_id for r in page.context["report"].rows} == {
        other_supervisor.officer.station_id
    }
    assert client.get("/patrol/coverage/", {"station": station.pk}).status_code == 404


def test_points_are_ranked_by_incidents_against_visits_once_incident_data_exists(
    station, week, monkeypatch, client, supervisor
):
    a, b, c = week
    near_a = [registry.NearbyItem("incident", i, "x", *MARKET, 10.0) for i in range(3)]
    near_c = [registry.NearbyItem("incident", 9, "y", 16.54, 104.7258, 5.0)]

    def incidents(station_id, lat, lng, radius_m):
        if (lat, lng) == MARKET:
            return near_a
        return near_c if (lat, lng) == (c.lat, c.lng) else []

    report = selectors.coverage(station=station, now=local(2026, 3, 10), **WEEK)
    counts = {a.pk: 3, b.pk: 0}
    ranked = selectors.rank_by_incidents(report.rows, counts)
    # Most incidents first; equal counts: fewer visits first.
    assert [r.point for r in ranked] == [a, c, b]

    client.force_login(supervisor)
    query = {"since": "2026-03-02", "until": "2026-03-08"}
    assert client.get("/patrol/coverage/", query).context["ranked"] == []
    monkeypatch.setitem(registry.NEARBY_PROVIDERS, "incident", incidents)
    ranked = client.get("/patrol/coverage/", query).context["ranked"]
    assert [(r.point, r.incidents) for r in ranked] == [(a, 3), (c, 1), (b, 0)]
