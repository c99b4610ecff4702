"""Supervisor pages for points and shifts; officers and other stations are kept out."""

import pytest
from django.utils import timezone

from patrol.models import PatrolPoint, PatrolShift
from smartzone import registry
from smartzone.models import AuditEntry, Event
from tests.patrol.conftest import MARKET, checkin_path

pytestmark = pytest.mark.django_db


def test_a_supervisor_adds_a_point_with_audit_and_event(client, supervisor, station):
    client.force_login(supervisor)
    response = client.post(
        "/patrol/points/new/",
        {
            "name": "ตู้แดง ท่าเรือ",
            "kind": "pier",
            "lat": 16.5486,
            "lng": 104.7262,
            "radius_m": 40,
            "active": "on",
        },
    )
    assert response.status_code == 302
    point = PatrolPoint.objects.get(name="ตู้แดง ท่าเรือ")
    assert point.station == station and point.radius_m == 40 and len(point.short_id) == 6
    assert AuditEntry.objects.filter(
        action="patrol_point.created", object_id=str(point.pk)
    ).exists()
    assert Event.objects.filter(kind="patrol_point.created").exists()
    assert "token_nonce" not in str(AuditEntry.objects.get(action="patrol_point.created").changes)


def test_bad_point_input_says_what_to_fix(client, supervisor, station):
    client.force_login(supervisor)
    response = client.post(
        "/patrol/points/new/", {"name": "", "kind": "lane", "lat": 95, "lng": 104.7, "radius_m": 5}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {"name", "lat", "radius_m"}
    assert not PatrolPoint.objects.exists()


def test_renewing_a_code_voids_the_printed_one(client, supervisor, officer, point):
    old = checkin_path(point)
    client.force_login(supervisor)
    assert client.get(f"/patrol/points/{point.pk}/rotate/").status_code == 200
    assert client.post(f"/patrol/points/{point.pk}/rotate/").status_code == 302
    client.force_login(officer)
    page = client.get(old)
    assert page.status_code == 400 and page.context["refusal"].code == "rotated"
    point.refresh_from_db()
    assert client.get(checkin_path(point)).status_code == 200


def test_officers_may_list_points_but_not_edit_them(client, officer, point):
    client.force_login(officer)
    listed = client.get("/patrol/")
    assert listed.status_code == 200 and point.short_id in listed.content.decode()
    assert client.get(f"/patrol/points/{point.pk}/edit/").status_code == 403
    assert client.post(f"/patrol/points/{point.pk}/rotate/").status_code == 403
    assert client.get("/patrol/shifts/").status_code == 403


def test_another_stations_point_is_a_404_and_not_listed(client, other_supervisor, point):
    client.force_login(other_supervisor)
    assert client.get(f"/patrol/points/{point.pk}/edit/").status_code == 404
    assert client.post(f"/patrol/points/{point.pk}/rotate/").status_code == 404
    assert point.short_id not in client.get("/patrol/").content.decode()
    api = client.get("/api/v1/patrol/points/").json()
    assert api["results"] == []


def test_anonymous_visitors_are_sent_to_log_in(client, point):
    for url in ["/patrol/", "/patrol/shifts/", "/patrol/coverage/", "/patrol/points/sheet.pdf"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/patrol/points/").status_code in (401, 403)


def test_a_supervisor_plans_and_replans_a_shift(
    client, supervisor, officer, station, point, night_point
):
    client.force_login(supervisor)
    page = client.get("/patrol/shifts/new/")
    assert page.status_code == 200 and point.name in page.content.decode()
    data = {
        "name": "ผลัดกลางคืน",
        "starts_at": "2026-03-02T20:00",
        "ends_at": "2026-03-03T04:00",
        "officers": [officer.pk],
        f"every_{point.pk}": 120,
        f"every_{night_point.pk}": "",
    }
    assert client.post("/patrol/shifts/new/", data).status_code == 302
    shift = PatrolShift.objects.get()
    assert list(shift.officers.all()) == [officer]
    assert {r.point: r.interval_minutes for r in shift.plan.all()} == {point: 120}
    assert timezone.localtime(shift.starts_at).hour == 20
    data[f"every_{night_point.pk}"] = 180
    assert client.post(f"/patrol/shifts/{shift.pk}/edit/", data).status_code == 302
    assert {r.point: r.interval_minutes for r in shift.plan.all()} == {point: 120, night_point: 180}
    assert AuditEntry.objects.filter(action="patrol_shift.updated").count() == 1


def test_a_shift_that_ends_before_it_starts_or_has_no_points_is_refused(
    client, supervisor, officer, point
):
    client.force_login(supervisor)
    data = {
        "name": "ผิด",
        "starts_at": "2026-03-02T20:00",
        "ends_at": "2026-03-02T19:00",
        "officers": [officer.pk],
        f"every_{point.pk}": "",
    }
    response = client.post("/patrol/shifts/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "ends_at" in errors and "__all__" in errors  # no points chosen
    assert not PatrolShift.objects.exists()


def test_officers_of_another_station_cannot_be_put_on_a_shift(
    client, supervisor, other_officer, point
):
    client.force_login(supervisor)
    data = {
        "name": "x",
        "starts_at": "2026-03-02T20:00",
        "ends_at": "2026-03-02T22:00",
        "officers": [other_officer.pk],
        f"every_{point.pk}": 60,
    }
    response = client.post("/patrol/shifts/new/", data)
    assert response.status_code == 400 and "officers" in response.context["form"].errors
    assert not PatrolShift.objects.exists()


def test_patrol_points_are_offered_as_nearest_help(station, point, night_point, other_point):
    found = registry.find_nearby(station_id=station.pk, lat=MARKET[0], lng=MARKET[1], radius_m=100)
    items = found["patrol_point"]
    assert [i.id for i in items] == [point.pk]
    assert items[0].distance_m < 1
    wide = registry.find_nearby(station_id=station.pk, lat=MARKET[0], lng=MARKET[1], radius_m=1000)
    assert [i.id for i in wide["patrol_point"]] == [point.pk, night_point.pk]
