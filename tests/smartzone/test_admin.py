import pytest
from django.test import Client

from smartzone import access
from smartzone.models import (
    AuditEntry,
    Commander,
    Event,
    Landmark,
    OfficerProfile,
    SafetyZone,
    Station,
)
from tests.conftest import make_officer

CORE_MODELS = [Station, SafetyZone, Landmark, OfficerProfile, Commander, AuditEntry, Event]


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", CORE_MODELS, ids=lambda m: m.__name__)
def test_admin_lists_and_opens_the_add_form_of_every_core_model(
    admin_client_, model, landmark, officer
):
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert admin_client_.get(base).status_code == 200
    add = admin_client_.get(base + "add/").status_code
    assert add in {200, 403}  # audit entries and events cannot be added by hand


def test_a_second_station_added_in_admin_is_audited_and_its_officers_see_only_it(
    admin_client_, station, zone, officer
):
    first = Client()
    first.force_login(officer)
    assert [z["id"] for z in first.get("/api/v1/zones/").json()["results"]] == [zone.pk]

    response = admin_client_.post(
        "/admin/smartzone/station/add/",
        {"code": "nakhon-phanom", "name": "สภ.เมืองนครพนม", "lat": "17.39", "lng": "104.78"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    new = Station.objects.get(code="nakhon-phanom")
    assert AuditEntry.objects.filter(action="station.created", object_id=str(new.pk)).exists()
    assert Event.objects.filter(kind="station.created", station=new).exists()

    # An officer of the new station sees it and nothing of the first station.
    newcomer = Client()
    newcomer.force_login(make_officer("nina", new))
    stations = newcomer.get("/api/v1/stations/").json()["results"]
    assert [row["id"] for row in stations] == [new.pk]
    assert newcomer.get("/api/v1/zones/").json()["results"] == []
    assert newcomer.get("/api/v1/zones/geojson/").json()["features"] == []
    assert newcomer.get(f"/api/v1/zones/{zone.pk}/").status_code == 404
    assert newcomer.get(f"/zones/{zone.pk}/").status_code == 404
    dashboard = newcomer.get("/dashboard/")
    assert dashboard.status_code == 200
    assert new.name in dashboard.content.decode()
    assert zone.name not in dashboard.content.decode()


def test_admin_refuses_a_zone_with_an_open_ring(admin_client_, station):
    response = admin_client_.post(
        "/admin/smartzone/safetyzone/add/",
        {
            "station": station.pk,
            "name": "bad",
            "boundary": '{"type": "Polygon", "coordinates": [[[104.72, 16.54], [104.73, 16.54],'
            " [104.73, 16.55], [104.72, 16.56]]]}",
        },
    )
    assert response.status_code == 200
    assert "not closed" in response.content.decode() or "ไม่ปิด" in response.content.decode()


def test_nobody_edits_the_audit_trail_in_admin(admin_client_, landmark):
    entry = AuditEntry.objects.first()
    url = f"/admin/smartzone/auditentry/{entry.pk}/delete/"
    assert admin_client_.post(url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_admin_makes_a_province_commander_who_then_reads_that_province_only(
    admin_client_, station, other_station, django_user_model
):
    Station.objects.filter(pk=station.pk).update(province="มุกดาหาร")
    Station.objects.filter(pk=other_station.pk).update(province="นครพนม")
    person = django_user_model.objects.create_user("somchai", password="Mekong-river-2026")
    form = admin_client_.get("/admin/smartzone/commander/add/").content.decode()
    # Thai by default: the levels' labels, and the province picked from the stations' names.
    assert "ผู้บังคับบัญชาระดับจังหวัด" in form
    assert '<option value="มุกดาหาร">มุกดาหาร</option>' in form
    assert '<option value="นครพนม">นครพนม</option>' in form

    response = admin_client_.post(
        "/admin/smartzone/commander/add/",
        {"user": person.pk, "role": "province", "province": "มุกดาหาร"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    commander = Commander.objects.get(user=person)
    entry = AuditEntry.objects.get(action="commander.created", object_id=str(commander.pk))
    assert entry.changes["after"]["province"] == "มุกดาหาร"
    assert list(access.commander_stations(person)) == [Station.objects.get(pk=station.pk)]

    # Made the programme: every station, and the change audited.
    response = admin_client_.post(
        f"/admin/smartzone/commander/{commander.pk}/change/",
        {"user": person.pk, "role": "programme", "province": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEntry.objects.filter(action="commander.updated").exists()
    person = django_user_model.objects.get(pk=person.pk)  # not the cached commander row
    assert set(access.commander_stations(person)) == {
        Station.objects.get(pk=station.pk),
        Station.objects.get(pk=other_station.pk),
    }


def test_admin_refuses_a_province_commander_without_a_province_or_a_station_officer(
    admin_client_, station, officer, django_user_model
):
    Station.objects.filter(pk=station.pk).update(province="มุกดาหาร")
    person = django_user_model.objects.create_user("malee", password="Mekong-river-2026")
    response = admin_client_.post(
        "/admin/smartzone/commander/add/", {"user": person.pk, "role": "province", "province": ""}
    )
    assert response.status_code == 200
    assert "ผู้บังคับบัญชาระดับจังหวัดต้องระบุจังหวัด" in response.content.decode()
    response = admin_client_.post(
        "/admin/smartzone/commander/add/",
        {"user": officer.pk, "role": "province", "province": "มุกดาหาร"},
    )
    assert response.status_code == 200
    assert "ทำงานที่สถานี" in response.content.decode()
    assert not Commander.objects.exists()
    assert not AuditEntry.objects.filter(action="commander.created").exists()
