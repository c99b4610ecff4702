"""A phone that gives no position: the SOS goes out with the callback number alone, reaches the
open dashboard, and the phone's page changes by itself when an officer takes it."""

import pytest

from sos.models import SosEvent
from tests.sos.test_sos_browser import open_dashboard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def test_a_number_alone_raises_an_sos_the_desk_sees_and_the_phone_follows(
    browser, asgi_server, station, zone, officer, tmp_path
):
    from playwright.sync_api import expect

    errors = []
    desk_context, desk = open_dashboard(browser, asgi_server, officer, errors)
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, permissions=[])
    # The citizen said no to sharing the location.
    phone.add_init_script(
        "navigator.geolocation.getCurrentPosition = function (ok, fail) {"
        " setTimeout(function () { fail({ code: 1, message: 'denied' }); }, 50); };"
    )
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{asgi_server.url}/sos/help/")
    expect(page.get_by_test_id("call-191")).to_have_attribute("href", "tel:191")
    page.fill("input[name=callback_phone]", "081 234 5678")
    page.click("button.sz-sos-button")

    state = page.locator("#sz-sos-state")
    expect(state).to_have_attribute("data-state", "received", timeout=10_000)
    expect(state).to_contain_text("ได้รับแจ้งแล้ว")
    expect(page.locator("#sz-sos-location")).to_contain_text("ตำรวจจะโทรกลับ")
    sos = SosEvent.objects.get()
    assert (sos.callback_phone, sos.lat, sos.lng, sos.station) == (
        "081 234 5678",
        None,
        None,
        station,
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "sos-received.png"), full_page=True)

    # The desk: a card in the queue with the number to call, no marker until a position comes.
    pinned = desk.locator(f"#sz-queue li.sz-sos-pinned[data-sos='{sos.pk}']")
    expect(pinned).to_have_count(1, timeout=10_000)
    expect(pinned.locator("a.sz-phone")).to_have_attribute("href", "tel:0812345678")
    expect(desk.locator(".sz-sos-marker")).to_have_count(0)

    # The officer acknowledges it from the card: the phone says so by itself.
    pinned.locator("button[data-action=acknowledge]").click()
    expect(pinned).to_have_count(0, timeout=10_000)
    expect(state).to_have_attribute("data-state", "acknowledged", timeout=10_000)
    desk.goto(f"{asgi_server.url}/sos/{sos.pk}/")
    expect(desk.get_by_test_id("no-position")).to_be_visible()
    expect(desk.locator(".sz-callback a")).to_have_attribute("href", "tel:0812345678")
    expect(page.locator("#sz-sos-status-text")).to_contain_text("เจ้าหน้าที่รับเรื่องแล้ว")
    expect(page.locator("li[data-step=acknowledged].done time")).not_to_be_empty()
    page.screenshot(path=str(tmp_path / "sos-acknowledged.png"), full_page=True)
    # A second tap, or a reload, raises nothing more.
    page.reload()
    expect(state).to_have_attribute("data-state", "acknowledged", timeout=10_000)
    assert SosEvent.objects.count() == 1
    assert errors == []
    phone.close()
    desk_context.close()


def test_the_position_follows_the_number_and_the_marker_appears(
    browser, asgi_server, station, zone, officer
):
    from playwright.sync_api import expect

    errors = []
    desk_context, desk = open_dashboard(browser, asgi_server, officer, errors)
    phone = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        permissions=["geolocation"],
        geolocation={"latitude": 16.5453, "longitude": 104.7248},
    )
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{asgi_server.url}/sos/help/")
    page.fill("input[name=callback_phone]", "0812345678")
    page.click("button.sz-sos-button")
    expect(page.locator("#sz-sos-location")).to_contain_text("ส่งตำแหน่งของคุณแล้ว", timeout=10_000)
    sos = SosEvent.objects.get()  # the page says so once the server has stored it
    assert (round(sos.lat, 4), round(sos.lng, 4)) == (16.5453, 104.7248)
    expect(desk.locator(".sz-sos-marker")).to_have_count(1, timeout=10_000)
    expect(desk.locator("#sz-queue li.sz-sos-pinned")).to_have_count(1)
    assert SosEvent.objects.count() == 1
    assert errors == []
    phone.close()
    desk_context.close()
