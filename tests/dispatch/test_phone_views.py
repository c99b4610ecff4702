"""The officer's phone page and its routes: only one's own assignments, only during the shift;
the page is installable (manifest, service worker)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(positions, sos, officer, supervisor):
    return services.assignment_offer(
        actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
    )


def test_the_officer_sees_and_works_their_assignment(client, officer, offered, sos):
    client.force_login(officer)
    page = client.get(f"/officer/assignments/{offered.pk}/")
    assert page.status_code == 200
    mine = client.get("/api/v1/dispatch/mine/").json()
    (row,) = mine["assignments"]
    assert row["id"] == offered.pk and row["state"] == "offered" and row["lat"] == sos.lat
    assert mine["status"] == "assigned"
    answer = client.post(f"/officer/assignments/{offered.pk}/step/", {"step": "accept"})
    assert answer.status_code == 200 and answer.json()["state"] == "accepted"


def test_another_officer_can_neither_open_nor_act(client, dave, other_officer, offered):
    for someone in (dave, other_officer):
        client.force_login(someone)
        assert client.get(f"/officer/assignments/{offered.pk}/").status_code == 404
        step = client.post(f"/officer/assignments/{offered.pk}/step/", {"step": "accept"})
        assert step.status_code == 404
        assert client.get("/api/v1/dispatch/mine/").json()["assignments"] == []
    assert Assignment.objects.get().state == "offered"


def test_nothing_after_the_shift_ends(client, officer, offered, positions):
    type(positions).objects.filter(pk=positions.pk).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    client.force_login(officer)
    step = client.post(f"/officer/assignments/{offered.pk}/step/", {"step": "accept"})
    assert step.status_code == 403
    mine = client.get("/api/v1/dispatch/mine/").json()
    assert mine == mine | {"status": "off_duty", "assignments": []}
    assert Assignment.objects.get().state == "offered"


def test_another_stations_desk_cannot_send(client, other_officer, sos, officer, positions):
    client.force_login(other_officer)
    body = {"kind": "sos", "item": sos.pk, "officer": officer.pk}
    assert (
        client.post("/api/v1/dispatch/offer/", body, content_type="application/json").status_code
        == 404
    )
    ranked = client.get("/api/v1/dispatch/units/", {"kind": "sos", "id": sos.pk})
    assert ranked.status_code == 404
    assert client.get("/api/v1/dispatch/units/").json()["units"] == []


def test_the_desk_ranks_and_sends_in_one_click(client, supervisor, sos, officer, dave, positions):
    client.force_login(supervisor)
    ranked = client.get("/api/v1/dispatch/units/", {"kind": "sos", "id": sos.pk}).json()["units"]
    assert [u["officer"] for u in ranked] == [officer.pk, dave.pk]
    assert ranked[0]["distance_m"] == 100 and ranked[0]["position_age_s"] is not None
    body = {"kind": "sos", "item": sos.pk, "officer": officer.pk}
    sent = client.post("/api/v1/dispatch/offer/", body, content_type="application/json")
    assert sent.status_code == 201 and sent.json()["officer"] == officer.pk
    again = client.post("/api/v1/dispatch/offer-nearest/", body, content_type="application/json")
    assert again.status_code == 409


def test_the_page_is_installable(client):
    manifest = client.get("/officer/manifest.webmanifest")
    assert (
        manifest.json()["start_url"] == "/officer/" and manifest.json()["display"] == "standalone"
    )
    worker = client.get("/officer/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/officer/"
