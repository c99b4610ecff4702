"""Two browsers: the desk sends an SOS to the officer on shift; the officer's phone (position
granted and faked) rings, the officer accepts, goes on the way and on scene; the desk's map
and queue show each status without a reload, and the SOS's timeline holds each step."""

import pytest

from tests.conftest import PASSWORD, pass_two_factor, wait_until
from tests.dispatch.conftest import KIOSK, offset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = "/tmp/dispatch-screens"


def sign_in(page, server, user, landing):
    page.goto(f"{server.url}/accounts/login/?next={landing}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    pass_two_factor(page, user.username)
    page.wait_for_url(f"{server.url}{landing}")


def test_the_desk_sends_and_watches_the_officer_go(
    browser, asgi_server, station, zone, kiosk, shift, officer, supervisor
):
    from playwright.sync_api import expect

    from dispatch.models import Assignment
    from smartzone.models import Event
    from sos.models import SosEvent
    from tests.sos.test_sos_browser import kiosk_post

    errors = []
    lat, lng = offset(*KIOSK, 120, 200)
    phone_context = browser.new_context(
        viewport={"width": 360, "height": 740},
        permissions=["geolocation"],
        geolocation={"latitude": lat, "longitude": lng, "accuracy": 5},
        has_touch=True,
    )
    phone = phone_context.new_page()
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(phone, asgi_server, officer, "/officer/")
    expect(phone.locator("#live-state")).to_have_attribute("data-state", "live", timeout=30_000)
    phone.click("#sz-sound")
    expect(phone.locator("#sz-sound")).to_have_attribute("data-state", "on")
    expect(phone.get_by_test_id("share-state")).to_have_attribute("data-state", "shared")
    expect(phone.get_by_test_id("my-status")).to_have_attribute("data-status", "available")

    desk_context = browser.new_context(viewport={"width": 1440, "height": 900})
    desk = desk_context.new_page()
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(desk, asgi_server, supervisor, "/dashboard/")
    expect(desk.locator("#live-state")).to_have_attribute("data-state", "live", timeout=30_000)

    # The kiosk posts it to the server, signed, as a kiosk does.
    assert kiosk_post(asgi_server, kiosk, "br-1") == 201
    sos = SosEvent.objects.get()
    box = desk.get_by_test_id(f"dispatch-sos:{sos.pk}")
    officer_row = box.locator(f"li[data-officer='{officer.pk}']")
    expect(officer_row).to_contain_text("120 ม.", timeout=30_000)
    desk.screenshot(path=f"{SCREENS}/desk-sos.png")
    officer_row.locator("button[data-action=send-officer]").click()

    card = phone.get_by_test_id("assignment")
    expect(card).to_have_attribute("data-state", "offered", timeout=30_000)
    expect(phone.locator("body")).to_have_attribute("data-ringing", "true")
    wait_until(lambda: int(phone.evaluate("document.body.dataset.rings || 0")) >= 2, 10, "rings")
    expect(card.get_by_test_id("route")).to_have_attribute(
        "href", f"https://www.google.com/maps/dir/?api=1&destination={sos.lat},{sos.lng}"
    )
    phone.screenshot(path=f"{SCREENS}/phone-offered.png", full_page=True)

    marker = desk.locator(f".sz-patrol-officer[data-officer='{officer.pk}']")
    unit_card = desk.locator("#sz-queue li[data-kind=unit]")
    for step, state, status in [
        ("accept", "accepted", "assigned"),
        ("on_the_way", "on_the_way", "on_the_way"),
        ("on_scene", "on_scene", "on_scene"),
    ]:
        phone.get_by_test_id(f"step-{step}").click()
        expect(card).to_have_attribute("data-state", state, timeout=30_000)
        expect(phone.locator("body")).to_have_attribute("data-ringing", "false")
        expect(marker).to_have_attribute("data-status", status, timeout=30_000)
        expect(unit_card.locator(".sz-badge")).to_have_attribute(
            "data-state", state, timeout=30_000
        )
    phone.screenshot(path=f"{SCREENS}/phone-on-scene.png", full_page=True)
    desk.screenshot(path=f"{SCREENS}/desk-on-scene.png")
    expect(phone.get_by_test_id("my-status")).to_have_attribute("data-status", "on_scene")

    a = Assignment.objects.get()
    assert a.offered_at <= a.accepted_at <= a.on_the_way_at <= a.on_scene_at
    steps = list(
        Event.objects.filter(
            kind__in=[
                "sos.raised",
                "sos.acknowledged",
                "sos.dispatched",
                "sos.on_scene",
                "dispatch.offered",
                "dispatch.accepted",
                "dispatch.on_the_way",
                "dispatch.on_scene",
            ]
        )
        .order_by("pk")
        .values_list("kind", "created_at")
    )
    assert [k for k, _ in steps] == [
        "sos.raised",
        "sos.acknowledged",
        "sos.dispatched",
        "dispatch.offered",
        "dispatch.accepted",
        "dispatch.on_the_way",
        "dispatch.on_scene",
        "sos.on_scene",
    ]
    # The station's timeline lists each step, with its time.
    desk.goto(f"{asgi_server.url}/timeline/")
    for kind in ("dispatch.offered", "dispatch.accepted", "dispatch.on_the_way", "sos.on_scene"):
        expect(desk.locator(f"#timeline li[data-kind='{kind}'] time")).to_have_count(1)
    desk.screenshot(path=f"{SCREENS}/desk-timeline.png", full_page=False)
    assert not errors
    phone_context.close()
    desk_context.close()
