"""The duty desk's queue (/api/v1/dashboard/queue/): what needs a person, most urgent first,
scoped by station; the SOS card's acknowledge and send buttons (/api/v1/sos/open/N/...)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Category
from patrol import services as patrol_services
from smartzone.models import AuditEntry
from sos import services as sos_services
from sos.models import SosEvent
from tests.incidents.conftest import IN_ZONE
from tests.patrol.conftest import make_point, offset

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/dashboard/queue/"


def new_report(**overrides):
    category = Category.objects.get_or_create(code="theft", defaults={"name": "ลักทรัพย์"})[0]
    values = {"kind": "report", "category": category, "description": "กระเป๋าถูกขโมย"}
    return incident_services.report_submit(
        **values | {"lat": IN_ZONE[0], "lng": IN_ZONE[1]} | overrides
    )[0]


def raise_sos(station, *, phone="0812345678"):
    return sos_services.sos_public_raise(
        station=station, lat=IN_ZONE[0], lng=IN_ZONE[1], callback_phone=phone, message="ช่วยด้วย"
    )


@pytest.fixture
def officer_on_shift(station, supervisor, officer):
    """OFFICER on a shift now, last seen 150 m from IN_ZONE."""
    point = make_point(station, "ตู้แดง หน้าตลาด", *offset(*IN_ZONE, 80, 270))
    now = timezone.now()
    patrol_services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดเช้า",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=3),
        officers=[officer],
        plan={point: 60},
    )
    lat, lng = offset(*IN_ZONE, 150, 90)
    patrol_services.position_report(actor=officer, lat=lat, lng=lng, accuracy_m=5)
    return officer


def test_it_lists_sos_escalated_first_then_new_reports_with_phone_and_help(
    officer_client, station, zone, officer_on_shift
):
    report = new_report(reporter_phone="0899999999")
    older = raise_sos(station, phone="0811111111")
    newer = raise_sos(station, phone="0822222222")
    sos_services.sos_escalate_overdue(now=timezone.now() + timedelta(hours=1))
    SosEvent.objects.filter(pk=older.pk).update(escalated_at=None)  # only the newer escalated

    items = officer_client.get(QUEUE).json()["items"]

    assert [(i["kind"], i["id"]) for i in items] == [
        ("sos", newer.pk),
        ("sos", older.pk),
        ("report", report.pk),
    ]
    first = items[0]
    assert first["escalated"] is True and first["phone"] == "0822222222"
    assert first["url"] == f"/sos/{newer.pk}/" and first["since"]
    officer = next(n for n in first["nearby"] if n["kind"] == "officer")
    assert officer["id"] == officer_on_shift.pk and round(officer["distance_m"]) == 150
    actions = {a["name"]: a for a in first["actions"]}
    assert [s["url"] for s in actions["acknowledge"]["steps"]] == [
        f"/api/v1/sos/open/{newer.pk}/acknowledge/"
    ]
    assert actions["dispatch"]["steps"][1]["body"] == {"officers": [officer_on_shift.pk]}
    assert items[2]["phone"] == "0899999999" and items[2]["state"] == "new"


def test_an_anonymous_reporters_phone_is_not_shown(officer_client, zone):
    new_report(anonymous=True, reporter_phone="")
    (item,) = officer_client.get(QUEUE).json()["items"]
    assert item["phone"] == ""


def test_acknowledged_sos_and_triaged_reports_leave_the_queue(
    officer_client, officer, station, zone
):
    report = new_report()
    sos = raise_sos(station)
    assert len(officer_client.get(QUEUE).json()["items"]) == 2
    sos_services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    incident_services.report_transition(actor=officer, report_id=report.pk, to_state="triaged")
    assert officer_client.get(QUEUE).json()["items"] == []


def test_it_refuses_another_stations_officer(other_officer_client, station, zone):
    raise_sos(station)
    response = other_officer_client.get(f"{QUEUE}?station={station.pk}")
    assert response.status_code == 404
    # Their own station's queue is empty: nothing of the other station leaks into it.
    assert other_officer_client.get(QUEUE).json()["items"] == []


def test_it_refuses_people_who_are_not_officers(client, citizen, station):
    assert client.get(QUEUE).status_code in (401, 403)
    client.force_login(citizen)
    assert client.get(QUEUE).status_code == 403


def test_the_card_acknowledges_an_sos_with_an_audit_entry(client, officer, station):
    from django.test import Client

    sos = raise_sos(station)
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(officer)
    url = f"/api/v1/sos/open/{sos.pk}/acknowledge/"
    assert csrf_client.post(url, content_type="application/json").status_code == 403  # no token
    csrf_client.get("/dashboard/")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(url, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    sos.refresh_from_db()
    assert sos.state == "acknowledged" and sos.acknowledged_by == officer
    assert AuditEntry.objects.filter(action="sos.acknowledged", object_id=str(sos.pk)).exists()
    again = csrf_client.post(url, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert again.status_code == 409 and again.json()["detail"]


def test_the_card_sends_an_officer_after_acknowledging(officer_client, officer, station):
    sos = raise_sos(station)
    base = f"/api/v1/sos/open/{sos.pk}"
    assert officer_client.post(f"{base}/acknowledge/").status_code == 200
    bad = officer_client.post(
        f"{base}/dispatch/", {"officers": []}, content_type="application/json"
    )
    assert bad.status_code == 400 and "officers" in bad.json()
    response = officer_client.post(
        f"{base}/dispatch/", {"officers": [officer.pk]}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "dispatched"


def test_another_stations_officer_cannot_acknowledge(other_officer_client, station):
    sos = raise_sos(station)
    response = other_officer_client.post(f"/api/v1/sos/open/{sos.pk}/acknowledge/")
    assert response.status_code == 404
    sos.refresh_from_db()
    assert sos.state == "received"
