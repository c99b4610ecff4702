"""Nearest help on a report's page and in its live alert; "look at cameras" for a report."""

from datetime import timedelta

import pytest
from django.utils.html import strip_tags

from cctv import services as cctv_services
from cctv.models import AnalysisJob, Camera, CameraSite
from smartzone.models import AuditEntry, Event
from tests.incidents.conftest import IN_ZONE
from tests.patrol.conftest import make_point, offset

pytestmark = pytest.mark.django_db


@pytest.fixture
def cameras(station):
    site = cctv_services.camera_site_save(
        actor="test", site=CameraSite(station=station, name="ตลาด", lat=IN_ZONE[0], lng=IN_ZONE[1])
    )

    def camera(code, metres, azimuth):
        lat, lng = offset(*IN_ZONE, metres, azimuth)
        return cctv_services.camera_save(
            actor="test",
            camera=Camera(
                station=station,
                site=site,
                code=code,
                name=f"กล้อง {code}",
                lat=lat,
                lng=lng,
                stream_url="rtsp://127.0.0.1:1/s",
            ),
        )

    return {
        "near": camera("near", 50, 0),
        "mid": camera("mid", 180, 90),
        "far": camera("far", 260, 0),
    }


def test_the_report_page_and_its_alert_show_the_nearest_help(
    client, officer, station, cameras, make_report, django_capture_on_commit_callbacks
):
    point = make_point(station, "ตู้แดง ใกล้", *offset(*IN_ZONE, 70, 180))
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report()
    nearby = Event.objects.get(kind="report.submitted").payload["nearby"]
    by_kind = {}
    for n in nearby:
        by_kind.setdefault(n["kind"], []).append((n["id"], round(n["distance_m"])))
    # Nearest first within each kind; within 500 m.
    assert by_kind == {
        "camera": [(cameras["near"].pk, 50), (cameras["mid"].pk, 180), (cameras["far"].pk, 260)],
        "patrol_point": [(point.pk, 70)],
    }
    client.force_login(officer)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    text = strip_tags(page)  # camera names are links to their live view
    assert "กล้อง near · 50 m" in text and "ตู้แดง ใกล้ · 70 m" in text
    assert f'action="/reports/{report.pk}/cameras/"' in page


def test_look_at_cameras_for_a_report_makes_the_jobs_once(
    client, officer, other_officer, cameras, make_report
):
    report = make_report()
    client.force_login(other_officer)
    assert client.post(f"/reports/{report.pk}/cameras/").status_code == 404
    client.force_login(officer)
    for _click in range(2):
        assert client.post(f"/reports/{report.pk}/cameras/").status_code == 302
    jobs = list(AnalysisJob.objects.order_by("camera__code"))
    assert [job.camera for job in jobs] == [cameras["mid"], cameras["near"]]  # within 200 m
    assert {(job.window_end - job.window_start) for job in jobs} == {timedelta(minutes=10)}
    assert {job.window_start for job in jobs} == {report.created_at - timedelta(minutes=5)}
    assert {job.source for job in jobs} == {f"report:{report.pk}"}
    assert AuditEntry.objects.filter(action="report.cameras_requested").count() == 1


def _nearby(event_kind="report.submitted"):
    found = Event.objects.filter(kind=event_kind).order_by("-pk").first().payload["nearby"]
    return {(n["kind"], n["id"]): round(n["distance_m"]) for n in found}


def test_nearest_help_follows_a_camera_moved_and_a_point_retired(
    station, cameras, make_report, supervisor
):
    from patrol import services as patrol_services

    point = make_point(station, "ตู้แดง ใกล้", *offset(*IN_ZONE, 70, 180))
    make_report()  # reads (and keeps) the cameras and points
    assert ("camera", cameras["near"].pk) in _nearby()
    assert ("patrol_point", point.pk) in _nearby()
    moved = cameras["near"]
    moved.lat, moved.lng = offset(*IN_ZONE, 900, 0)
    cctv_services.camera_save(actor="test", camera=moved)
    point.active = False
    patrol_services.point_save(actor=supervisor, point=point)
    make_report()
    assert ("camera", moved.pk) not in _nearby()
    assert ("patrol_point", point.pk) not in _nearby()
    assert ("camera", cameras["mid"].pk) in _nearby()


def on_shift_now(supervisor, station, officers, now) -> None:
    """Put OFFICERS on a shift of STATION from two hours before NOW to two hours after."""
    from patrol import services as patrol_services

    point = make_point(station, "ตู้แดง ไกล", *offset(*IN_ZONE, 3000, 0))
    patrol_services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดเช้า",
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(hours=2),
        officers=officers,
        plan={point: 120},
    )


def test_an_officer_on_shift_counts_once_at_their_latest_position(
    station, supervisor, officer, make_report
):
    from django.utils import timezone

    from patrol import services as patrol_services
    from tests.conftest import make_officer

    now = timezone.now()
    erin = make_officer("erin", station)
    on_shift_now(supervisor, station, [officer, erin], now)

    def share(user, metres, minutes_ago):
        lat, lng = offset(*IN_ZONE, metres, 90)
        patrol_services.position_report(
            actor=user, lat=lat, lng=lng, accuracy_m=5, at=now - timedelta(minutes=minutes_ago)
        )

    share(officer, 40, 10)  # was near, then walked away
    share(officer, 2000, 2)
    share(erin, 300, 10)
    share(erin, 120, 1)  # came nearer
    share(erin, 5000, 70)  # over an hour old: not counted
    make_report()
    officers = {k: v for k, v in _nearby().items() if k[0] == "officer"}
    assert officers == {("officer", erin.pk): 120}


def test_positions_are_kept_for_a_moment_and_one_shared_here_is_seen_at_once(
    station, supervisor, officer, make_report, monkeypatch
):
    from django.utils import timezone

    from patrol import selectors as patrol_selectors
    from patrol import services as patrol_services
    from patrol.models import OfficerPosition
    from smartzone import memo

    now = timezone.now()
    on_shift_now(supervisor, station, [officer], now)
    clock = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])

    def share(metres):
        lat, lng = offset(*IN_ZONE, metres, 90)
        patrol_services.position_report(actor=officer, lat=lat, lng=lng, accuracy_m=5, at=now)

    share(100)
    make_report()
    assert _nearby().get(("officer", officer.pk)) == 100
    share(200)  # shared to this process: the next report sees it at once
    make_report()
    assert _nearby().get(("officer", officer.pk)) == 200
    # Moved by another process (no signal reaches this one): seen once the copy is too old.
    far = offset(*IN_ZONE, 4000, 90)
    OfficerPosition.objects.update(lat=far[0], lng=far[1])
    make_report()
    assert _nearby().get(("officer", officer.pk)) == 200
    clock[0] += patrol_selectors.POSITIONS_MEMO_SECONDS + 0.1
    make_report()
    assert ("officer", officer.pk) not in _nearby()
