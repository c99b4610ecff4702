"""Officer and public pages of the sos app."""

import pytest

from smartzone import services
from smartzone.models import SafetyZone
from sos.models import Kiosk, SosEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]


def test_the_public_page_stores_a_phone_sos(client, station):
    assert client.get("/sos/help/").status_code == 200
    response = client.post(
        "/sos/help/", {"lat": 16.545, "lng": 104.724, "callback_phone": "081 234 5678"}
    )
    assert response.status_code == 201
    sos = SosEvent.objects.get()
    assert (sos.source, sos.callback_phone, sos.station) == ("public", "081 234 5678", station)


def test_a_phone_sos_goes_to_the_station_whose_zone_holds_it_not_the_nearest_one(
    client, station, other_station
):
    # A zone of STATION's lies next to OTHER_STATION's headquarters, 17 km from its own.
    far_zone = services.zone_save(
        actor="test",
        zone=SafetyZone(
            station=station,
            name="ริมโขง",
            boundary={
                "type": "Polygon",
                "coordinates": [
                    [
                        [104.80, 16.41],
                        [104.81, 16.41],
                        [104.81, 16.42],
                        [104.80, 16.42],
                        [104.80, 16.41],
                    ]
                ],
            },
        ),
    )
    assert far_zone.contains(16.415, 104.805)
    response = client.post("/sos/help/", {"lat": 16.415, "lng": 104.805})
    assert response.status_code == 201
    assert SosEvent.objects.get().station == station


def test_the_public_page_says_what_is_wrong(client, station):
    response = client.post("/sos/help/", {"lat": 200, "lng": 104.724})
    assert response.status_code == 400 and "lat" in response.json()["errors"]
    assert not SosEvent.objects.exists()


def test_the_public_page_is_rate_limited(client, station):
    codes = [client.post("/sos/help/", {"lat": 16.5, "lng": 104.7}).status_code for _ in range(7)]
    assert codes[:5] == [201] * 5 and codes[-1] == 429
    assert SosEvent.objects.count() == 5


def test_a_supervisor_creates_a_kiosk_and_sees_its_secret_once(supervisor_client, station):
    response = supervisor_client.post(
        "/sos/kiosks/",
        {
            "station": station.pk,
            "name": "ตู้ 2",
            "serial": "K-2",
            "lat": 16.5,
            "lng": 104.7,
            "heartbeat_interval_s": 60,
        },
    )
    kiosk = Kiosk.objects.get(serial="K-2")
    assert kiosk.secret in response.content.decode()
    assert kiosk.secret not in supervisor_client.get("/sos/kiosks/").content.decode()
    rotated = supervisor_client.post("/sos/kiosks/", {"rotate": kiosk.pk})
    kiosk.refresh_from_db()
    assert kiosk.secret in rotated.content.decode()


def test_officers_see_their_kiosks_state_but_cannot_manage_them(officer_client, kiosk, other_kiosk):
    from django.test import Client

    page = officer_client.get("/sos/kiosks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert kiosk.name in html and kiosk.get_status_display() in html
    assert other_kiosk.name not in html
    assert 'name="rotate"' not in html and f"/sos/kiosks/{kiosk.pk}/" not in html
    assert "<form" not in html.split("<h1>")[1].split("</main>")[0]
    secret = kiosk.secret
    for body in ({"rotate": kiosk.pk}, {"retire": kiosk.pk}, {"name": "x", "serial": "K-9"}):
        assert officer_client.post("/sos/kiosks/", body).status_code == 403
    kiosk.refresh_from_db()
    assert kiosk.secret == secret and not kiosk.is_retired
    assert not Kiosk.objects.filter(serial="K-9").exists()
    assert officer_client.get("/sos/").status_code == 200
    assert Client().get("/sos/").status_code == 302


def test_the_open_sos_api_lists_only_ones_own_station(officer_client, kiosk, other_kiosk):
    from sos import services

    mine, _ = services.sos_receive(kiosk=kiosk, client_event_id="a")
    services.sos_receive(kiosk=other_kiosk, client_event_id="b")
    assert [s["id"] for s in officer_client.get("/api/v1/sos/open/").json()] == [mine.pk]
    assert [k["id"] for k in officer_client.get("/api/v1/sos/kiosks/").json()] == [kiosk.pk]


def test_the_schema_documents_the_kiosk_signature(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "kioskSignature" in schema["components"]["securitySchemes"]
    assert "/api/v1/sos/events/" in schema["paths"]
    described = schema["paths"]["/api/v1/sos/events/"]["post"]["description"]
    assert "signed anew" in described and "replay" in described and "event_id" in described


@pytest.mark.parametrize("value", ["", "abc", "1.5", "9" * 40, "²"])
def test_a_rotate_postback_that_is_not_a_kiosk_id_is_a_400(supervisor_client, kiosk, value):
    response = supervisor_client.post("/sos/kiosks/", {"rotate": value})
    assert response.status_code == 400
    old = kiosk.secret
    kiosk.refresh_from_db()
    assert kiosk.secret == old


def test_rotating_an_unknown_or_other_stations_kiosk_is_a_404(supervisor_client, other_kiosk):
    assert supervisor_client.post("/sos/kiosks/", {"rotate": 999999}).status_code == 404
    assert supervisor_client.post("/sos/kiosks/", {"rotate": other_kiosk.pk}).status_code == 404


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_public_page_limit_holds_whatever_x_forwarded_for_says(
    client, station, settings, proxies
):
    settings.TRUSTED_PROXY_COUNT = proxies
    appended = ", 203.0.113.7" if proxies else ""
    variants = [None, "a, b", "198.51.100.1", "198.51.100.2, 198.51.100.3"]
    codes = []
    for i in range(7):
        value = variants[i % 4]
        if proxies:  # one client behind the proxy: only its own (left) part of the header varies
            value = f"198.51.100.{i}{appended}"
        headers = {} if value is None else {"HTTP_X_FORWARDED_FOR": value}
        codes.append(client.post("/sos/help/", {"lat": 16.5, "lng": 104.7}, **headers).status_code)
    assert codes == [201] * 5 + [429, 429]
    assert SosEvent.objects.count() == 5
    if proxies:  # no header or a malformed one: counted under the connection's address, no 500
        assert client.post("/sos/help/", {"lat": 16.5, "lng": 104.7}).status_code == 201
        bad = client.post("/sos/help/", {"lat": 16.5, "lng": 104.7}, HTTP_X_FORWARDED_FOR="a, b")
        assert bad.status_code == 201
