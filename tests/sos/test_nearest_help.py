"""Nearest help for an SOS (cameras, patrol points, officers on shift) and "look at cameras"."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone
from django.utils.html import strip_tags

from cctv import services as cctv_services
from cctv.models import AnalysisJob, Camera, CameraSite
from patrol import services as patrol_services
from smartzone import registry
from smartzone.models import AuditEntry, Event
from sos import services
from sos.models import SosEvent
from tests.patrol.conftest import make_point, offset

pytestmark = pytest.mark.django_db

# The SOS is raised at the Indochina market's kiosk corner.
SOS_AT = (16.5453, 104.7248)
STREAM = "rtsp://127.0.0.1:1/stream1"


def camera_at(station, code, metres, azimuth, *, stream=STREAM, site=None):
    site = site or cctv_services.camera_site_save(
        actor="test",
        site=CameraSite(station=station, name=f"site {code}", lat=SOS_AT[0], lng=SOS_AT[1]),
    )
    lat, lng = offset(*SOS_AT, metres, azimuth)
    return cctv_services.camera_save(
        actor="test",
        camera=Camera(
            station=station,
            site=site,
            code=code,
            name=f"กล้อง {code}",
            lat=lat,
            lng=lng,
            stream_url=stream,
        ),
    )


@pytest.fixture
def help_around(station, other_station, supervisor, officer):
    """Cameras, points and officers placed at known distances from SOS_AT (geodesic)."""
    cameras = {
        "north30": camera_at(station, "north30", 30, 0),
        "east120": camera_at(station, "east120", 120, 90),
        "nostream90": camera_at(station, "nostream90", 90, 180, stream=""),
        "south250": camera_at(station, "south250", 250, 180),
        "far600": camera_at(station, "far600", 600, 270),
        "other10": camera_at(other_station, "other10", 10, 45),
    }
    points = {
        "west80": make_point(station, "ตู้แดง 80 m", *offset(*SOS_AT, 80, 270)),
        "north400": make_point(station, "ตู้แดง 400 m", *offset(*SOS_AT, 400, 0)),
        "inactive20": make_point(station, "ตู้แดง ปิด", *offset(*SOS_AT, 20, 0), active=False),
    }
    now = timezone.now()
    point = points["west80"]
    shift = patrol_services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดนี้",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        officers=[officer],
        plan={point: 60},
    )
    lat, lng = offset(*SOS_AT, 150, 135)
    patrol_services.position_report(actor=officer, lat=lat, lng=lng, accuracy_m=5)
    return cameras, points, shift


def raise_sos(station, at=SOS_AT):
    return services.sos_public_raise(station=station, lat=at[0], lng=at[1], message="ช่วยด้วย")


def listed(found, kind):
    return [(item.name, round(item.distance_m, 3)) for item in found[kind]]


def test_the_nearest_help_matches_the_hand_computed_list(station, officer, help_around):
    cameras, points, _shift = help_around
    sos = raise_sos(station)
    found = registry.find_nearby(station_id=station.pk, lat=sos.lat, lng=sos.lng)
    # Within 500 m, nearest first; not the other station's camera, not the inactive point.
    expected_cameras = [("north30", 30), ("nostream90", 90), ("east120", 120), ("south250", 250)]
    assert [i.id for i in found["camera"]] == [cameras[c].pk for c, _ in expected_cameras]
    for item, (_code, metres) in zip(found["camera"], expected_cameras, strict=True):
        assert item.distance_m == pytest.approx(metres, abs=1)
    assert [(i.id, round(i.distance_m)) for i in found["patrol_point"]] == [
        (points["west80"].pk, 80),
        (points["north400"].pk, 400),
    ]
    assert [(i.id, round(i.distance_m)) for i in found["officer"]] == [(officer.pk, 150)]
    assert set(found) == {"camera", "patrol_point", "officer"}  # no "incident": that is no help


def test_the_live_alert_carries_the_nearest_help(
    station, help_around, django_capture_on_commit_callbacks
):
    cameras, points, _shift = help_around
    with django_capture_on_commit_callbacks(execute=True):
        sos = raise_sos(station)
    nearby = Event.objects.get(kind="sos.raised").payload["nearby"]
    assert [(n["id"], round(n["distance_m"])) for n in nearby if n["kind"] == "camera"] == [
        (cameras["north30"].pk, 30),
        (cameras["nostream90"].pk, 90),
        (cameras["east120"].pk, 120),
        (cameras["south250"].pk, 250),
    ]
    assert {n["kind"] for n in nearby} == {"camera", "patrol_point", "officer"}
    assert Event.objects.get(kind="sos.raised").payload["url"] == f"/sos/{sos.pk}/"


def test_officers_whose_shift_is_over_are_not_offered(station, officer, help_around):
    _cameras, _points, shift = help_around
    shift.ends_at = timezone.now() - timedelta(minutes=1)
    shift.save(update_fields=["ends_at"])
    found = registry.find_nearby(station_id=station.pk, lat=SOS_AT[0], lng=SOS_AT[1])
    assert found["officer"] == []


def test_the_sos_page_shows_the_nearest_help(client, officer, station, help_around):
    cameras, _points, _shift = help_around
    sos = raise_sos(station)
    client.force_login(officer)
    page = client.get(f"/sos/{sos.pk}/").content.decode()
    text = strip_tags(page)  # camera names are links to their live view
    assert "กล้อง north30 · 30 m" in text and "กล้อง south250 · 250 m" in text
    assert "กล้อง far600" not in text and "กล้อง other10" not in text
    assert 'data-testid="look-at-cameras"' in page


# --- look at cameras ---------------------------------------------------------------------------


def test_look_at_cameras_makes_window_jobs_for_the_cameras_within_200_m_once(
    client, officer, station, help_around
):
    cameras, _points, _shift = help_around
    sos = raise_sos(station)
    client.force_login(officer)
    for _click in range(2):
        assert client.post(f"/sos/{sos.pk}/", {"step": "cameras"}).status_code == 302
    jobs = AnalysisJob.objects.order_by("camera__code")
    # Within 200 m with a stream: north30 and east120 (nostream90 has no stream to analyse).
    assert [job.camera for job in jobs] == [cameras["east120"], cameras["north30"]]
    for job in jobs:
        assert job.kind == AnalysisJob.Kind.WINDOW
        assert job.window_start == sos.received_at - timedelta(minutes=5)
        assert job.window_end == sos.received_at + timedelta(minutes=5)
        assert job.source == f"sos:{sos.pk}"
        assert job.created_by == officer
    (entry,) = AuditEntry.objects.filter(action="sos.cameras_requested")
    assert entry.actor == officer and sorted(entry.changes["jobs"]) == sorted(j.pk for j in jobs)


def test_an_sos_too_old_for_a_live_stream_says_so_and_makes_nothing(officer, station, help_around):
    sos = raise_sos(station)
    SosEvent.objects.filter(pk=sos.pk).update(received_at=timezone.now() - timedelta(minutes=30))
    with pytest.raises(ValidationError, match="window_end"):
        services.sos_cameras_look(actor=officer, sos_id=sos.pk)
    assert not AnalysisJob.objects.exists()


def test_only_an_officer_of_the_station_can_look_at_its_cameras(
    client, station, other_officer, citizen, help_around
):
    sos = raise_sos(station)
    with pytest.raises(Http404):
        services.sos_cameras_look(actor=other_officer, sos_id=sos.pk)
    with pytest.raises(PermissionDenied):
        services.sos_cameras_look(actor=citizen, sos_id=sos.pk)
    client.force_login(other_officer)
    assert client.post(f"/sos/{sos.pk}/", {"step": "cameras"}).status_code == 404
    assert not AnalysisJob.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_clicking_at_once_make_the_jobs_once(postgres, station, officer, help_around):
    from tests.conftest import make_officer

    second = make_officer("erin", station)
    sos = raise_sos(station)
    barrier = threading.Barrier(2)
    made, errors = [], []

    def click(actor):
        try:
            barrier.wait(timeout=10)
            made.append(len(services.sos_cameras_look(actor=actor, sos_id=sos.pk)))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(who,)) for who in (officer, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(made) == [0, 2]
    assert AnalysisJob.objects.filter(source=f"sos:{sos.pk}").count() == 2
