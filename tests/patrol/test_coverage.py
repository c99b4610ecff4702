"""Coverage of a seeded week against a hand-computed expectation; the page, CSV, ranking."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Category, Report
from patrol import selectors, services
from patrol.models import PatrolShift
from patrol.tokens import make_token
from smartzone import registry
from smartzone.models import AuditEntry, Event
from tests.patrol.conftest import MARKET, NIGHT_MARKET, local, make_point, offset

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


def report_at(lat_lng, received_at, *, state=None):
    """A citizen report at LAT_LNG received at RECEIVED_AT (through the incidents service)."""
    category, _ = Category.objects.get_or_create(code="theft", defaults={"name": "ลักทรัพย์"})
    report, _ = incident_services.report_submit(
        kind="report", category=category, description="ถูกขโมย", lat=lat_lng[0], lng=lat_lng[1]
    )
    Report.objects.filter(pk=report.pk).update(
        created_at=received_at, **({"state": state} if state else {})
    )
    return report


@pytest.fixture
def incidents(week):
    a, b, c = week
    report_at(MARKET, local(2026, 3, 3, 22))
    report_at(MARKET, local(2026, 3, 6, 1))
    report_at(offset(*MARKET, 120), local(2026, 3, 7, 23))  # 120 m north of A: counts for A
    report_at(offset(*MARKET, 200, 90), local(2026, 3, 4, 12))  # 200 m east of A: no point's
    report_at(MARKET, local(2026, 3, 1, 20))  # the Sunday before the week
    report_at(MARKET, local(2026, 3, 9, 1))  # the Monday after it
    report_at(MARKET, local(2026, 3, 5, 12), state=Report.State.REJECTED)  # spam: not counted
    report_at((c.lat, c.lng), local(2026, 3, 2, 9))
    return a, b, c


def test_the_incident_provider_counts_reports_near_a_point_in_the_range(station, incidents):
    a, b, c = incidents
    counts = selectors.incident_counts(station_id=station.pk, points=[a, b, c], **WEEK)
    assert counts == {a.pk: 3, b.pk: 0, c.pk: 1}
    # Without a range: every report that is not rejected.
    assert selectors.incident_counts(station_id=station.pk, points=[a])[a.pk] == 5


def test_incidents_are_not_offered_as_nearest_help(station, incidents):
    a, _b, _c = incidents
    found = registry.find_nearby(station_id=station.pk, lat=a.lat, lng=a.lng)
    assert "incident" not in found and "patrol_point" in found
    near = registry.find_nearby(
        station_id=station.pk, lat=a.lat, lng=a.lng, limit=100, kinds=["incident"]
    )
    # Within 500 m of A: all but the rejected one and C's (523 m south).
    assert len(near["incident"]) == 6


@pytest.mark.usefixtures("english")
def test_points_are_ranked_by_incidents_per_visit_with_a_suggested_interval(
    station, incidents, client, supervisor
):
    a, b, c = incidents
    report = selectors.coverage(station=station, now=local(2026, 3, 10), **WEEK)
    counts = selectors.incident_counts(station_id=station.pk, points=[a, b, c], **WEEK)
    ranked = selectors.rank_by_incidents(report.rows, counts)
    # C: 1 incident, never visited (counts as once): 1 per visit -> 480 / 2 = 240 minutes.
    # A: 3 incidents, 5 visits: 0.6 per visit -> 480 / 1.6 = 300 minutes.
    # B: no incident, 3 visits -> 480 minutes.
    assert [(r.point, r.incidents, r.visits, r.suggested_interval) for r in ranked] == [
        (c, 1, 0, 240),
        (a, 3, 5, 300),
        (b, 0, 3, 480),
    ]

    client.force_login(supervisor)
    query = {"since": "2026-03-02", "until": "2026-03-08"}
    page = client.get("/patrol/coverage/", query)
    assert [(r.point, r.incidents) for r in page.context["ranked"]] == [(c, 1), (a, 3), (b, 0)]
    assert "No incident data yet" not in page.content.decode()
    assert page.context["advice_form"] is None  # no coming shift to apply it to
    exported = client.get("/patrol/coverage/", query | {"format": "csv"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {row[0]: row[9] for row in rows[1:]} == {a.name: "3", b.name: "0", c.name: "1"}


@pytest.mark.parametrize(
    ("near", "visits", "minutes"),
    [(0, 0, 480), (0, 9, 480), (1, 1, 240), (10, 1, 40), (1000, 1, 10), (2, 8, 380)],
)
def test_the_suggested_interval_follows_the_documented_rule(near, visits, minutes):
    assert selectors.suggest_interval(near, visits) == minutes


@pytest.mark.usefixtures("english")
def test_without_an_incident_provider_the_page_says_there_is_no_data(
    station, week, monkeypatch, client, supervisor
):
    monkeypatch.delitem(registry.NEARBY_PROVIDERS, "incident")
    client.force_login(supervisor)
    page = client.get("/patrol/coverage/", {"since": "2026-03-02", "until": "2026-03-08"})
    assert page.context["ranked"] == []
    assert "No incident data yet" in page.content.decode()


@pytest.fixture
def coming_shift(supervisor, officer, incidents):
    a, b, _c = incidents
    starts = timezone.now() + timedelta(hours=2)
    return plan(supervisor, officer, "คืนพรุ่งนี้", starts, starts + timedelta(hours=8), {a: 60, b: 60})


def apply_advice(client, shift, **extra):
    data = {"since": "2026-03-02", "until": "2026-03-08", "shift": shift.pk} | extra
    return client.post(f"/patrol/coverage/apply/?station={shift.station_id}", data)


def test_a_supervisor_applies_the_suggested_intervals_to_a_shift(
    client, supervisor, coming_shift, incidents, django_capture_on_commit_callbacks
):
    a, b, _c = incidents
    client.force_login(supervisor)
    page = client.get("/patrol/coverage/", {"since": "2026-03-02", "until": "2026-03-08"})
    assert 'data-testid="apply-advice"' in page.content.decode()
    assert list(page.context["advice_form"].fields["shift"].queryset) == [coming_shift]
    with django_capture_on_commit_callbacks(execute=True):
        response = apply_advice(client, coming_shift)
    assert response.status_code == 302
    plan_now = {row.point: row.interval_minutes for row in coming_shift.plan.all()}
    assert plan_now == {a: 300, b: 480}
    entry = AuditEntry.objects.get(action="patrol_shift.advice_applied")
    assert entry.actor == supervisor
    assert entry.changes["plan"] == [
        {str(a.pk): 60, str(b.pk): 60},
        {str(a.pk): 300, str(b.pk): 480},
    ]
    event = Event.objects.filter(kind="patrol_shift.updated").latest("pk")
    assert event.payload["advice_applied"] == sorted([a.pk, b.pk])


def test_an_officer_cannot_apply_the_advice(client, officer, coming_shift):
    client.force_login(officer)
    assert apply_advice(client, coming_shift).status_code == 403
    assert {row.interval_minutes for row in coming_shift.plan.all()} == {60}
    with pytest.raises(PermissionDenied):
        services.shift_advice_apply(
            actor=officer, shift_id=coming_shift.pk, since=WEEK["since"], until=WEEK["until"]
        )


@pytest.mark.usefixtures("english")
def test_another_stations_supervisor_and_a_past_shift_are_refused(
    client, other_supervisor, supervisor, coming_shift, week
):
    client.force_login(other_supervisor)
    assert apply_advice(client, coming_shift).status_code == 404  # ?station= another station
    data = {"since": "2026-03-02", "until": "2026-03-08", "shift": coming_shift.pk}
    assert client.post("/patrol/coverage/apply/", data).status_code == 400  # not its shift
    with pytest.raises(Http404):
        services.shift_advice_apply(actor=other_supervisor, shift_id=coming_shift.pk, **WEEK)
    past = PatrolShift.objects.get(name="S1")
    with pytest.raises(ValidationError, match="over"):
        services.shift_advice_apply(actor=supervisor, shift_id=past.pk, **WEEK)
    client.force_login(supervisor)
    refused = apply_advice(client, past)
    assert refused.status_code == 400
    assert any(m.startswith("Shift:") for m in map(str, get_messages(refused.wsgi_request)))
    assert {row.interval_minutes for row in past.plan.all()} == {120, 180}
