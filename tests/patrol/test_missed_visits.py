"""missed_visits_detect: each overdue point of a shift alerts the desk once, however often
the periodic task runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patrol import services, tasks
from patrol.models import MissedVisit
from patrol.tokens import make_token
from smartzone.models import Event
from tests.patrol.conftest import MARKET, NIGHT_MARKET, local, make_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def night_shift(station, supervisor, officer, point, night_point):
    # 20:00-02:00; the market every 2 hours (due 22:00, 00:00, 02:00), the night market every
    # 3 hours (due 23:00, 02:00).
    return services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดกลางคืน",
        starts_at=local(2026, 3, 2, 20),
        ends_at=local(2026, 3, 3, 2),
        officers=[officer],
        plan={point: 120, night_point: 180},
    )


def check_in(officer, point, lat_lng, at, **extra):
    return services.checkin_record(
        actor=officer,
        token=make_token(point),
        lat=lat_lng[0],
        lng=lat_lng[1],
        accuracy_m=5,
        at=at,
        **extra,
    )


def misses():
    return sorted(
        (m.point.name, timezone.localtime(m.due_at).strftime("%d %H:%M"))
        for m in MissedVisit.objects.select_related("point")
    )


def test_an_overdue_point_alerts_once_and_a_second_run_alerts_nothing(
    night_shift, officer, point, night_point, django_capture_on_commit_callbacks
):
    check_in(officer, point, MARKET, local(2026, 3, 2, 21))
    # A check-in flagged away from the point is not a visit.
    check_in(officer, night_point, MARKET, local(2026, 3, 2, 22), away_reason="ตรวจจากตลาดอินโดจีน")
    now = local(2026, 3, 2, 23, 30)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.missed_visits_detect(now=now)
        second = services.missed_visits_detect(now=now)
    assert len(first) == 1 and second == []
    assert misses() == [(night_point.name, "02 23:00")]
    alerts = Event.objects.filter(kind="patrol.missed")
    assert alerts.count() == 1
    payload = alerts.get().payload
    assert payload["name"] == night_point.name and payload["shift"] == night_shift.pk
    assert (payload["lat"], payload["lng"]) == (night_point.lat, night_point.lng)


def test_later_runs_alert_each_new_miss_once(night_shift, officer, point, night_point):
    check_in(officer, point, MARKET, local(2026, 3, 2, 21))
    check_in(officer, night_point, NIGHT_MARKET, local(2026, 3, 3, 0, 30))
    services.missed_visits_detect(now=local(2026, 3, 2, 23, 30))
    later = services.missed_visits_detect(now=local(2026, 3, 3, 2, 30))
    assert services.missed_visits_detect(now=local(2026, 3, 3, 2, 31)) == []
    assert len(later) == 2
    assert misses() == [
        (point.name, "03 00:00"),
        (point.name, "03 02:00"),
        (night_point.name, "02 23:00"),
    ]
    assert Event.objects.filter(kind="patrol.missed").count() == 3


def test_nothing_is_due_before_the_first_window_ends(night_shift):
    assert services.missed_visits_detect(now=local(2026, 3, 2, 21, 59)) == []
    assert services.missed_visits_detect(now=local(2026, 3, 2, 19)) == []


def test_the_celery_task_run_twice_alerts_once(station, supervisor, officer):
    point = make_point(station, "ตู้แดง ร้านทอง ล็อก 1", 16.5430, 104.7251, kind="gold_shop")
    now = timezone.now()
    services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดบ่าย",
        starts_at=now - timedelta(minutes=185),
        ends_at=now + timedelta(hours=1),
        officers=[officer],
        plan={point: 60},
    )
    first = tasks.missed_visits_detect.apply().get()
    second = tasks.missed_visits_detect.apply().get()
    assert len(first) == 3 and second == []
    assert MissedVisit.objects.count() == 3
    assert Event.objects.filter(kind="patrol.missed").count() == 3
