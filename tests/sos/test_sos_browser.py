"""The desk in a real browser: a signed kiosk SOS flashes on the map and its card leads the queue
until acknowledged; the card survives a reload. Escalated, it moves to the top marked escalated,
and sounds the alarm again only on a supervisor's dashboard (the event's audience)."""

import json
import urllib.request
from datetime import timedelta

import pytest

from sos.signing import signed_headers
from tests.conftest import PASSWORD, pass_two_factor
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


def open_dashboard(browser, server, user, errors, before=None):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    if before is not None:
        before(page)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    pass_two_factor(page, user.username)
    page.wait_for_url(f"{server.url}/dashboard/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    return context, page


def test_a_kiosk_sos_flashes_and_stays_pinned_until_acknowledged(
    browser, asgi_server, station, zone, kiosk, officer, supervisor
):
    from playwright.sync_api import expect

    from sos import services
    from sos.models import SosEvent

    errors = []
    context, page = open_dashboard(browser, asgi_server, officer, errors)
    boss_context, boss = open_dashboard(browser, asgi_server, supervisor, errors)
    expect(page.locator(".sz-sos-marker")).to_have_count(0)
    # A red box 80 m west of the kiosk: the alert lists it as the nearest help.
    point = make_point(station, "ตู้แดง หน้าตลาด", *offset(kiosk.lat, kiosk.lng, 80, 270))

    assert kiosk_post(asgi_server, kiosk, "b-1") == 201
    expect(page.locator(".sz-sos-marker")).to_have_count(1, timeout=10_000)
    pinned = page.locator("#sz-queue li.sz-sos-pinned")
    expect(pinned).to_have_count(1)
    expect(pinned).to_contain_text(kiosk.name)
    expect(pinned.locator(".sz-nearby li[data-kind=patrol_point]")).to_contain_text(
        f"{point.name} · 80 ม."
    )

    expect(page.locator("#sz-queue")).to_have_attribute("data-alarms", "1")
    expect(boss.locator("#sz-queue")).to_have_attribute("data-alarms", "1", timeout=10_000)

    # Not acknowledged in time: escalated. Both desks mark it; only the supervisor's alarms.
    sos = SosEvent.objects.get()
    services.sos_escalate_overdue(now=sos.received_at.replace(microsecond=0) + timedelta(hours=1))
    for desk in (page, boss):
        escalated = desk.locator("#sz-queue li.sz-sos-escalated")
        expect(escalated).to_have_count(1, timeout=10_000)
        expect(escalated).to_have_attribute("data-escalated", "true")
        expect(escalated.locator(".sz-sos-escalated-tag")).to_have_count(1)
        expect(desk.locator(".sz-sos-marker.sz-sos-marker-escalated")).to_have_count(1)
    expect(boss.locator("#sz-queue")).to_have_attribute("data-alarms", "2")
    expect(page.locator("#sz-queue")).to_have_attribute("data-alarms", "1")

    page.reload()
    expect(page.locator("#sz-queue li.sz-sos-pinned")).to_have_count(1, timeout=10_000)
    expect(page.locator("#sz-queue li.sz-sos-escalated")).to_have_count(1)
    expect(page.locator("#sz-queue .sz-nearby li[data-kind=patrol_point]")).to_contain_text(
        f"{point.name} · 80 ม."
    )  # the open SOS list carries the nearest help too

    services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    expect(page.locator("#sz-queue li[data-kind=sos]")).to_have_count(0, timeout=10_000)
    expect(page.locator(".sz-sos-marker")).to_have_count(0)
    expect(boss.locator("#sz-queue li[data-kind=sos]")).to_have_count(0, timeout=10_000)
    assert errors == []
    boss_context.close()
    context.close()


def test_an_sos_acknowledged_while_the_dashboard_loads_is_not_pinned_again(
    browser, asgi_server, station, zone, kiosk, officer
):
    """The page fetches its queue as it loads. If the SOS is acknowledged after that list
    was read but before the page uses it, the list is stale: it must not pin the SOS again."""
    from playwright.sync_api import expect

    from sos import services

    sos, _ = services.sos_receive(kiosk=kiosk, client_event_id="late-1")
    held = []  # the open-SOS answer, read at once (the SOS still open) and handed over later
    errors = []
    context, page = open_dashboard(
        browser,
        asgi_server,
        officer,
        errors,
        before=lambda p: p.route(
            "**/api/v1/dashboard/queue/**", lambda route: held.append((route, route.fetch()))
        ),
    )
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(200)
    assert held, "the dashboard did not ask for its queue"
    assert held[0][1].json()["items"][0]["id"] == sos.pk

    services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    expect(page.locator('#feed li[data-kind="sos.acknowledged"]')).to_have_count(1, timeout=10_000)
    route, stale = held[0]
    route.fulfill(response=stale)
    page.wait_for_timeout(1000)
    expect(page.locator("#sz-queue li[data-kind=sos]")).to_have_count(0)
    expect(page.locator(".sz-sos-marker")).to_have_count(0)
    assert errors == []
    context.close()
