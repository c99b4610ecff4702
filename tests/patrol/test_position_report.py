"""Officer positions: accepted and shown only while the officer's shift is on."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from patrol import selectors, services
from smartzone.models import Event
from tests.patrol.conftest import MARKET, local

# These tests read the messages; they check the English text (Thai is the default).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def shift(station, supervisor, officer, point):
    return services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดกลางคืน",
        starts_at=local(2026, 3, 2, 20),
        ends_at=local(2026, 3, 3, 2),
        officers=[officer],
        plan={point: 120},
    )


def report(officer, at):
    return services.position_report(
        actor=officer, lat=MARKET[0], lng=MARKET[1], accuracy_m=7, at=at
    )


def test_a_position_during_the_shift_is_recorded_and_sent_to_the_desk(
    shift, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        position = report(officer, local(2026, 3, 2, 21))
    assert position.shift == shift
    event = Event.objects.get(kind="patrol.position")
    assert event.payload["position"] == {"lat": MARKET[0], "lng": MARKET[1]}
    assert datetime.fromisoformat(event.payload["ends_at"]) == local(2026, 3, 3, 2)
    # No top-level lat/lng: the dashboard moves one marker instead of dropping one per report.
    assert "lat" not in event.payload


@pytest.mark.parametrize(
    "at", [local(2026, 3, 2, 19, 59), local(2026, 3, 3, 2, 0), local(2026, 3, 4, 21)]
)
def test_a_position_outside_the_shift_is_refused_and_not_recorded(shift, officer, at):
    with pytest.raises(PermissionDenied, match="not on a patrol shift"):
        report(officer, at)
    assert not Event.objects.filter(kind="patrol.position").exists()


def test_an_officer_not_in_the_shift_is_refused(shift, station):
    from tests.conftest import make_officer

    with pytest.raises(PermissionDenied):
        report(make_officer("erin", station), local(2026, 3, 2, 21))


def test_positions_stop_being_shown_when_the_shift_ends(shift, officer):
    report(officer, local(2026, 3, 2, 21))
    latest = report(officer, local(2026, 3, 2, 21, 1))
    shown = selectors.current_positions(station_id=shift.station_id, now=local(2026, 3, 2, 21, 2))
    assert shown == [latest]
    assert selectors.current_positions(station_id=shift.station_id, now=local(2026, 3, 3, 2)) == []


def test_the_end_of_a_shift_is_announced_once(shift, django_capture_on_commit_callbacks):
    assert services.shifts_end_announce(now=local(2026, 3, 3, 1, 59)) == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.shifts_end_announce(now=local(2026, 3, 3, 2, 1)) == [shift.pk]
        assert services.shifts_end_announce(now=local(2026, 3, 3, 2, 2)) == []
    assert Event.objects.get(kind="patrol.shift_ended").payload["shift"] == shift.pk


def replan(supervisor, shift, ends_at):
    return services.shift_plan(
        actor=supervisor,
        station=shift.station,
        name=shift.name,
        starts_at=shift.starts_at,
        ends_at=ends_at,
        officers=list(shift.officers.all()),
        plan={row.point: row.interval_minutes for row in shift.plan.all()},
        shift=shift,
    )


def test_a_shift_moved_to_end_later_after_its_end_was_announced_is_announced_again(
    shift, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.shifts_end_announce(now=local(2026, 3, 3, 2, 1)) == [shift.pk]
        replan(supervisor, shift, local(2026, 3, 3, 4))
        shift.refresh_from_db()
        assert shift.end_announced_at is None
        # Not before the new end, then once when it passes.
        assert services.shifts_end_announce(now=local(2026, 3, 3, 3, 59)) == []
        assert services.shifts_end_announce(now=local(2026, 3, 3, 4, 1)) == [shift.pk]
        assert services.shifts_end_announce(now=local(2026, 3, 3, 4, 2)) == []
    assert Event.objects.filter(kind="patrol.shift_ended").count() == 2


def test_a_shift_moved_to_an_end_already_announced_is_not_announced_again(shift, supervisor):
    assert services.shifts_end_announce(now=local(2026, 3, 3, 2, 30)) == [shift.pk]
    # Ends at 02:15 now: still before the announcement at 02:30, which stands.
    replan(supervisor, shift, local(2026, 3, 3, 2, 15))
    shift.refresh_from_db()
    assert shift.end_announced_at == local(2026, 3, 3, 2, 30)
    assert services.shifts_end_announce(now=local(2026, 3, 3, 2, 31)) == []


def test_the_position_endpoint_refuses_outside_a_shift_and_accepts_during_one(
    client, officer, supervisor, station, point
):
    client.force_login(officer)
    data = {"lat": MARKET[0], "lng": MARKET[1], "accuracy": 6}
    refused = client.post("/patrol/position/", data)
    assert refused.status_code == 403 and "not on a patrol shift" in refused.json()["detail"]
    now = timezone.now()
    shift = services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดเช้า",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
        officers=[officer],
        plan={point: 60},
    )
    accepted = client.post("/patrol/position/", data)
    assert accepted.status_code == 201 and accepted.json()["shift"] == shift.pk
    bad = client.post("/patrol/position/", {"lat": "north", "lng": 1, "accuracy": 1})
    assert bad.status_code == 400 and "lat" in bad.json()["errors"]
    listed = client.get(f"/api/v1/patrol/positions/?station={station.pk}").json()
    assert [row["officer"] for row in listed] == [officer.pk]
