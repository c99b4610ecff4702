"""The phone SOS page: a callback number alone is enough, the position follows from the phone
that raised it (and only from it), and its state is readable by its token, nothing more."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smartzone.models import AuditEntry, Event
from sos import services
from sos.models import SosEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]

PHONE = "081 234 5678"


def raise_phone_only(client, **extra):
    response = client.post("/sos/help/", {"callback_phone": PHONE, **extra})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_callback_number_alone_raises_an_sos_without_a_position(
    client, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = raise_phone_only(client)
    sos = SosEvent.objects.get()
    assert (sos.station, sos.callback_phone, sos.lat, sos.lng) == (station, PHONE, None, None)
    assert sos.public_token_hash and body["token"] not in sos.public_token_hash
    assert body["status"]["state"] == "received" and body["status"]["located"] is False
    event = Event.objects.get(kind="sos.raised")
    assert (event.payload["lat"], event.payload["nearby"]) == (None, [])
    assert AuditEntry.objects.filter(action="sos.raised", object_id=str(sos.pk)).exists()


def test_neither_position_nor_number_is_refused_naming_the_number(client, station):
    response = client.post("/sos/help/", {})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["callback_phone"]
    assert not SosEvent.objects.exists()


def test_half_a_position_is_refused_naming_the_missing_half(client, station):
    response = client.post("/sos/help/", {"lat": 16.5, "callback_phone": PHONE})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["lng"]


def test_without_a_position_it_goes_to_the_station_the_page_was_opened_for(
    client, station, other_station
):
    page = client.get("/sos/help/?station=dontan").content.decode()
    assert 'value="dontan" selected' in page  # several stations: the citizen sees the choice
    raise_phone_only(client, station="dontan")
    assert SosEvent.objects.get().station == other_station


def test_the_phone_that_raised_it_adds_the_position(
    client, station, django_capture_on_commit_callbacks
):
    body = raise_phone_only(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(body["locate_url"], {"lat": 16.5453, "lng": 104.7248})
    assert response.status_code == 200 and response.json()["located"] is True
    sos = SosEvent.objects.get()
    assert (sos.lat, sos.lng) == (16.5453, 104.7248) and sos.located_at is not None
    audit = AuditEntry.objects.get(action="sos.located")
    assert audit.changes == {"lat": [None, 16.5453], "lng": [None, 104.7248]}
    event = Event.objects.get(kind="sos.located")
    assert (event.payload["id"], event.payload["lat"]) == (sos.pk, 16.5453)


def test_a_wrong_token_changes_nothing(client, station):
    body = raise_phone_only(client)
    wrong = "x" * len(body["token"])
    response = client.post(f"/sos/help/{wrong}/location/", {"lat": 16.5, "lng": 104.7})
    assert response.status_code == 404
    assert SosEvent.objects.get().lat is None
    assert not AuditEntry.objects.filter(action="sos.located").exists()


def test_the_position_is_refused_after_the_window(client, station, settings):
    body = raise_phone_only(client)
    SosEvent.objects.update(
        received_at=timezone.now() - timedelta(seconds=services.public_locate_window_s() + 1)
    )
    response = client.post(body["locate_url"], {"lat": 16.5, "lng": 104.7})
    assert response.status_code == 403
    assert SosEvent.objects.get().lat is None


def test_the_position_is_refused_once_the_sos_is_closed(client, station, officer):
    body = raise_phone_only(client)
    sos = SosEvent.objects.get()
    services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    services.sos_close(actor=officer, sos_id=sos.pk, outcome="false_alarm")
    assert client.post(body["locate_url"], {"lat": 16.5, "lng": 104.7}).status_code == 403


def test_a_bad_position_is_a_400_naming_the_field(client, station):
    body = raise_phone_only(client)
    response = client.post(body["locate_url"], {"lat": 91, "lng": 104.7})
    assert response.status_code == 400 and "lat" in response.json()["errors"]


def test_the_status_follows_the_officers_steps_and_tells_nothing_personal(client, station, officer):
    body = raise_phone_only(client, message="ช่วยด้วย")
    client.post(body["locate_url"], {"lat": 16.5453, "lng": 104.7248})
    status = client.get(body["status_url"]).json()
    assert set(status) == {
        "state",
        "state_label",
        "located",
        "received_at",
        "acknowledged_at",
        "closed_at",
    }
    text = str(status)
    for secret in ("081", "2345678", "ช่วยด้วย", "16.54", "104.72", officer.username):
        assert secret not in text
    assert status["state"] == "received" and status["acknowledged_at"] is None
    services.sos_acknowledge(actor=officer, sos_id=SosEvent.objects.get().pk)
    status = client.get(body["status_url"]).json()
    assert status["state"] == "acknowledged" and status["acknowledged_at"]
    assert officer.username not in str(status)


def test_the_status_of_an_unknown_token_is_a_404(client, station):
    assert client.get("/sos/help/" + "y" * 32 + "/").status_code == 404


def test_the_status_endpoint_is_rate_limited(client, station, settings):
    body = raise_phone_only(client)
    codes = {client.get(body["status_url"]).status_code for _ in range(125)}
    assert codes == {200, 429}


def test_an_sos_raised_without_a_token_is_reachable_by_none(client, station):
    sos = services.sos_public_raise(station=station, lat=16.5, lng=104.7)
    assert sos.public_token_hash == ""
    assert services.sos_by_public_token("") is None


def test_the_officers_page_says_there_is_no_position_and_links_the_number(
    officer_client, client, station
):
    raise_phone_only(client)
    page = officer_client.get(f"/sos/{SosEvent.objects.get().pk}/").content.decode()
    assert 'data-testid="no-position"' in page
    assert 'href="tel:0812345678"' in page


def test_outsiders_cannot_see_a_phone_sos_on_the_officers_pages(station, other_officer_client):
    anonymous = Client()
    raise_phone_only(anonymous)
    pk = SosEvent.objects.get().pk
    assert anonymous.get(f"/sos/{pk}/").status_code in (302, 403)
    assert other_officer_client.get(f"/sos/{pk}/").status_code == 404


def test_the_open_sos_api_lists_one_without_a_position(officer_client, client, station):
    raise_phone_only(client)
    listed = officer_client.get("/api/v1/sos/open/").json()
    assert [(s["lat"], s["nearby"], s["callback_phone"]) for s in listed] == [(None, [], PHONE)]
    # The live event carries no phone number (events are kept longer than the number).
    assert PHONE not in str(Event.objects.get(kind="sos.raised").payload)
