"""Managing kiosks: admins add, edit, retire and re-key them in Django admin; supervisors edit
and retire them on their page. Every change goes through the services (audit, events); a secret
is shown once; a retired kiosk's requests are refused."""

import pytest

from smartzone.models import AuditEntry, Event
from sos import services
from sos.models import Kiosk
from tests.sos.conftest import signed_post

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]
ADMIN = "/admin/sos/kiosk/"


def kiosk_fields(station, **extra):
    return {
        "station": station.pk,
        "name": "ตู้ SOS ท่าเรือ",
        "serial": "K-ADM-1",
        "lat": "16.5450",
        "lng": "104.7260",
        "installed_on": "",
        "heartbeat_interval_s": "60",
        "secret_rotated_at_0": "",
    } | extra


def test_an_admin_adds_a_kiosk_and_sees_its_secret_once(admin_client, station):
    response = admin_client.post(ADMIN + "add/", kiosk_fields(station))
    assert response.status_code == 200, response.content.decode()[:3000]
    kiosk = Kiosk.objects.get(serial="K-ADM-1")
    assert kiosk.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="kiosk.created", object_id=str(kiosk.pk)).exists()
    assert Event.objects.filter(kind="kiosk.created", station=station).exists()
    assert kiosk.secret not in admin_client.get(f"{ADMIN}{kiosk.pk}/change/").content.decode()
    assert kiosk.secret not in admin_client.get(ADMIN).content.decode()


def test_an_admin_edits_a_kiosk_through_the_service_but_not_its_serial(admin_client, kiosk):
    data = kiosk_fields(kiosk.station, name="ตู้ใหม่", serial="CHANGED", lat="16.5460")
    response = admin_client.post(f"{ADMIN}{kiosk.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    kiosk.refresh_from_db()
    assert (kiosk.name, kiosk.lat, kiosk.serial) == ("ตู้ใหม่", 16.546, "K-001")
    entry = AuditEntry.objects.get(action="kiosk.updated")
    assert entry.changes["name"] == ["ตู้ SOS ตลาดอินโดจีน", "ตู้ใหม่"]
    assert Event.objects.filter(kind="kiosk.updated").exists()


def test_an_admin_rotates_a_secret_and_sees_the_new_one_once(admin_client, client, kiosk):
    old = kiosk.secret
    response = admin_client.post(ADMIN, {"action": "rotate_secrets", "_selected_action": kiosk.pk})
    kiosk.refresh_from_db()
    assert kiosk.secret != old and kiosk.secret in response.content.decode()
    assert signed_post(client, kiosk, {"event_id": "a"}, secret=old).status_code == 401
    assert signed_post(client, kiosk, {"event_id": "a"}).status_code == 201


def test_an_admin_retires_a_kiosk_and_its_requests_are_refused(admin_client, client, kiosk):
    response = admin_client.post(ADMIN, {"action": "retire_kiosks", "_selected_action": kiosk.pk})
    assert response.status_code == 302
    kiosk.refresh_from_db()
    assert kiosk.is_retired
    refused = signed_post(client, kiosk, {"event_id": "late"})
    assert refused.status_code == 401 and refused.json()["reason"] == "retired_kiosk"
    assert AuditEntry.objects.filter(action="kiosk.retired").count() == 1
    assert Event.objects.filter(kind="kiosk.retired", payload__retired=True).exists()


def test_nobody_deletes_a_kiosk_in_admin(admin_client, kiosk):
    assert admin_client.post(f"{ADMIN}{kiosk.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Kiosk.objects.filter(pk=kiosk.pk).exists()


def test_a_supervisor_edits_a_kiosk_on_the_page(supervisor_client, kiosk):
    page = supervisor_client.get(f"/sos/kiosks/{kiosk.pk}/")
    assert page.status_code == 200 and kiosk.name in page.content.decode()
    response = supervisor_client.post(
        f"/sos/kiosks/{kiosk.pk}/",
        {"name": "ตู้ 2", "lat": 16.55, "lng": 104.73, "heartbeat_interval_s": 30},
    )
    assert response.status_code == 302
    kiosk.refresh_from_db()
    assert (kiosk.name, kiosk.lat, kiosk.heartbeat_interval_s) == ("ตู้ 2", 16.55, 30)
    bad = supervisor_client.post(f"/sos/kiosks/{kiosk.pk}/", {"name": "x", "lat": 200})
    assert bad.status_code == 400 and "lat" in bad.context["form"].errors


def test_a_supervisor_retires_a_kiosk_it_leaves_the_map_and_gets_no_new_secret(
    supervisor_client, kiosk
):
    assert supervisor_client.post("/sos/kiosks/", {"retire": kiosk.pk}).status_code == 302
    kiosk.refresh_from_db()
    assert kiosk.is_retired
    assert supervisor_client.get("/api/v1/sos/kiosks/").json() == []
    page = supervisor_client.get("/sos/kiosks/").content.decode()
    assert kiosk.name in page  # still listed, marked retired, without its buttons
    assert f'name="retire" value="{kiosk.pk}"' not in page
    again = supervisor_client.post("/sos/kiosks/", {"rotate": kiosk.pk}, follow=True)
    assert kiosk.secret == Kiosk.objects.get(pk=kiosk.pk).secret
    assert again.status_code == 200


def test_another_stations_supervisor_cannot_edit_or_retire(other_supervisor_client, kiosk):
    client = other_supervisor_client
    assert client.get(f"/sos/kiosks/{kiosk.pk}/").status_code == 404
    assert client.post("/sos/kiosks/", {"retire": kiosk.pk}).status_code == 404
    assert not Kiosk.objects.get(pk=kiosk.pk).is_retired


def test_a_retired_kiosk_is_not_health_checked(kiosk):
    services.kiosk_heartbeat(kiosk_id=kiosk.pk)
    services.kiosk_retire(actor="test", kiosk_id=kiosk.pk)
    Kiosk.objects.filter(pk=kiosk.pk).update(status=Kiosk.Status.ONLINE)  # as if it raced
    from datetime import timedelta

    from django.utils import timezone

    assert services.kiosk_health_check(now=timezone.now() + timedelta(hours=1)) == []
