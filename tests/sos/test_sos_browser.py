"""The desk in a real browser: a signed kiosk SOS flashes on the map and is pinned in the feed
until acknowledged; the pin survives a reload."""

import json
import urllib.request

import pytest

from sos.signing import signed_headers
from tests.conftest import PASSWORD
from tests.patrol.conftest import make_point, offset
from tests.sos.conftest import EVENTS_PATH

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def kiosk_post(server, kiosk, event_id) -> int:
    body = json.dumps({"event_id": event_id, "message": "ช่วยด้วย"}).encode()
    headers = {
        k.removeprefix("HTTP_").replace("_", "-"): v
        for k, v in signed_headers(kiosk.secret, kiosk.serial, EVENTS_PATH, body).items()
    }
    request = urllib.request.Request(  # noqa: S310 (our own http server)
        server.url + EVENTS_PATH,
        data=body,
        method="POST",
        headers=headers | {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status


def test_a_kiosk_sos_flashes_and_stays_pinned_until_acknowledged(
    browser, asgi_server, station, zone, kiosk, officer
):
    from playwright.sync_api import expect

    from sos import services

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{asgi_server.url}/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{asgi_server.url}/dashboard/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    expect(page.locator(".sz-sos-marker")).to_have_count(0)
    # A red box 80 m west of the kiosk: the alert lists it as the nearest help.
    point = make_point(station, "ตู้แดง หน้าตลาด", *offset(kiosk.lat, kiosk.lng, 80, 270))

    assert kiosk_post(asgi_server, kiosk, "b-1") == 201
    expect(page.locator(".sz-sos-marker")).to_have_count(1, timeout=10_000)
    pinned = page.locator("#sz-sos-pinned li.sz-sos-pinned")
    expect(pinned).to_have_count(1)
    expect(pinned).to_contain_text(kiosk.name)
    expect(pinned.locator(".sz-nearby li[data-kind=patrol_point]")).to_contain_text(
        f"{point.name} · 80 m"
    )

    page.reload()
    expect(page.locator("#sz-sos-pinned li.sz-sos-pinned")).to_have_count(1, timeout=10_000)
    expect(page.locator("#sz-sos-pinned .sz-nearby li[data-kind=patrol_point]")).to_contain_text(
        f"{point.name} · 80 m"
    )  # the open SOS list carries the nearest help too

    from sos.models import SosEvent

    services.sos_acknowledge(actor=officer, sos_id=SosEvent.objects.get().pk)
    expect(page.locator("#sz-sos-pinned li")).to_have_count(0, timeout=10_000)
    expect(page.locator(".sz-sos-marker")).to_have_count(0)
    assert errors == []
    context.close()
