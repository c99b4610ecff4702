"""Time to accept, to on the way and to on scene from a seeded week, against figures worked
out by hand: per SOS and report, per officer and per shift; on the desk and in the weekly
report."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desk import response, weekly
from dispatch.models import Assignment
from incidents.models import Category, Report
from patrol.models import PatrolShift
from sos.models import SosEvent

pytestmark = pytest.mark.django_db
BKK = ZoneInfo("Asia/Bangkok")
MONDAY = datetime(2026, 11, 23, tzinfo=BKK)


def minutes(t, m):
    return None if m is None else t + timedelta(minutes=m)


def seed(item, officer, shift, t, accept=None, way=None, scene=None):
    kind = "sos" if isinstance(item, SosEvent) else "report"
    return Assignment.objects.create(
        station=item.station,
        kind=kind,
        sos=item if kind == "sos" else None,
        report=item if kind == "report" else None,
        officer=officer,
        shift=shift,
        state="on_scene" if scene else "expired" if accept is None else "on_the_way",
        item_received_at=t,
        offered_at=t + timedelta(seconds=20),
        accepted_at=minutes(t, accept),
        on_the_way_at=minutes(t, way),
        on_scene_at=minutes(t, scene),
    )


@pytest.fixture
def week(station, officer, dave, categories):
    shift = PatrolShift.objects.create(
        station=station, name="กะดึก", starts_at=MONDAY, ends_at=MONDAY + timedelta(days=7)
    )
    t1, t2, t3 = (MONDAY + timedelta(days=d, hours=20) for d in (0, 1, 2))
    sos1 = SosEvent.objects.create(
        station=station, source="public", lat=16.5, lng=104.7, received_at=t1
    )
    sos2 = SosEvent.objects.create(
        station=station, source="public", lat=16.5, lng=104.7, received_at=t2
    )
    report = Report.objects.create(
        station=station,
        kind="report",
        category=Category.objects.get(code="theft"),
        description="กระเป๋าหาย",
        lat=16.5,
        lng=104.7,
    )
    Report.objects.filter(pk=report.pk).update(created_at=t3)
    report.refresh_from_db()
    seed(sos1, officer, shift, t1, accept=1, way=2, scene=6)
    seed(sos2, dave, shift, t2)  # offered first to dave: not accepted in time
    seed(sos2, officer, shift, t2, accept=3, way=4, scene=10)
    seed(report, dave, shift, t3, accept=5, way=5.5)
    outside = SosEvent.objects.create(
        station=station,
        source="public",
        lat=16.5,
        lng=104.7,
        received_at=MONDAY - timedelta(hours=1),
    )
    seed(outside, officer, shift, outside.received_at, accept=60, way=61, scene=62)
    return shift


@pytest.fixture
def categories(db):
    from importlib import import_module

    defaults = import_module("incidents.migrations.0002_default_categories").DEFAULT_CATEGORIES
    for order, (code, name, name_en) in enumerate(defaults, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )


def figures(row):
    return {s: (f.count, f.median, f.p90) for s, f in row.stages.items()}


def test_the_seeded_week_matches_the_hand_computed_figures(week, station, officer, dave):
    times = response.dispatch_times(
        station_id=station.pk, since=MONDAY, until=MONDAY + timedelta(days=7)
    )
    by_source = {r.source: r for r in times.sources}
    # SOS: 1 and 3 min to accept (linear p90: 1 + 0.9 * 2), 2 and 4 on the way, 6 and 10 there.
    assert by_source["sos"].cases == 2
    assert figures(by_source["sos"]) == {
        "accept": (2, 2.0, 2.8),
        "on_the_way": (2, 3.0, 3.8),
        "on_scene": (2, 8.0, 9.6),
    }
    assert figures(by_source["report"]) == {
        "accept": (1, 5.0, 5.0),
        "on_the_way": (1, 5.5, 5.5),
        "on_scene": (0, None, None),
    }
    by_officer = {r.key: r for r in times.officers}
    assert figures(by_officer[str(officer.pk)]) == figures(by_source["sos"])
    # Dave's expired offer is not his time; the report he accepted is.
    assert by_officer[str(dave.pk)].cases == 1
    assert figures(by_officer[str(dave.pk)]) == figures(by_source["report"])
    (shift,) = times.shifts
    # 1, 3, 5 to accept: median 3, p90 3 + 0.8 * 2; on the way 2, 4, 5.5: 4 and 4 + 0.8 * 1.5.
    assert figures(shift) == {
        "accept": (3, 3.0, 4.6),
        "on_the_way": (3, 4.0, 5.2),
        "on_scene": (2, 8.0, 9.6),
    }


def test_the_desk_page_and_the_weekly_report_show_them(week, station, officer, client):
    client.force_login(officer)
    page = client.get("/desk/", {"since": "2026-11-23", "until": "2026-11-29"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-dispatch="sos:sos"' in html and "2.0 / 2.8" in html
    f = weekly.figures(station=station, week_start=MONDAY.date(), now=MONDAY + timedelta(days=8))
    rows = weekly.rows(f)
    sent = [r for r in rows if r[0] == "เจ้าหน้าที่ที่ส่งไป (นาทีนับจากรับแจ้ง)"]
    assert ("เจ้าหน้าที่ที่ส่งไป (นาทีนับจากรับแจ้ง)", "SOS · ถึงรับงาน", "2.0 / 2.8 (2)") in sent
