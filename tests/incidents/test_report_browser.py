"""In a real phone-sized Chromium against the real ASGI server: a citizen files a report with a
photo and a spot picked on the map, gets a tracking code and opens its status page, while an
officer's dashboard in another browser context shows the report without a reload; and a report
written with the network cut is kept on the phone and delivered once when it returns."""

import time

import pytest

from incidents.models import Report
from tests.conftest import PASSWORD
from tests.incidents.conftest import jpeg_bytes
from tests.patrol.conftest import make_point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def wait_for(condition, timeout=10.0):
    """Poll CONDITION until it is true or the deadline passes; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def officer_dashboard(browser, server, officer):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{server.url}/dashboard/")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    return context, page


def fill_report(page, server, theft, description):
    from playwright.sync_api import expect

    page.goto(f"{server.url}/report/")
    expect(page.locator("#sz-report-map.leaflet-container")).to_have_count(1)
    page.select_option("select[name=category]", str(theft.pk))
    page.fill("textarea[name=description]", description)
    # Pick the spot: the middle of the map, which is fitted to the safety zone.
    page.locator("#sz-report-map").click()
    expect(page.locator("#sz-zone-state")).to_have_attribute("data-state", "inside")
    assert page.input_value("input[name=lat]") != ""
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "market.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(gps=True)}],
    )


def test_a_citizen_reports_from_a_phone_and_the_dashboard_shows_it_live(
    browser, asgi_server, zone, theft, officer, tmp_path
):
    from playwright.sync_api import expect

    desk_context, desk = officer_dashboard(browser, asgi_server, officer)
    expect(desk.locator(".sz-report-marker")).to_have_count(0)
    # A red box in the middle of the zone: the report's alert lists it as the nearest help.
    middle = zone.polygon.centroid
    point = make_point(zone.station, "ตู้แดง กลางโซน", middle.y, middle.x)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    fill_report(page, asgi_server, theft, "มีคนล้วงกระเป๋าหน้าร้านทอง")
    # Usable at 360 px: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "report-form-phone.png"), full_page=True)
    page.click("button.sz-submit")

    page.wait_for_url(f"{asgi_server.url}/report/sent/*/", timeout=10_000)
    report = Report.objects.get()
    assert report.photos.count() == 1
    expect(page.locator("#sz-code")).to_have_text(report.display_code)
    page.click("#sz-status-link")
    expect(page.locator("#sz-code")).to_have_text(report.display_code)
    expect(page.locator("#sz-state")).to_have_attribute("data-state", "new")

    item = desk.locator("#feed li.fresh[data-kind='report.submitted']")
    expect(item).to_have_count(1, timeout=10_000)
    expect(item).to_contain_text(report.display_code)
    expect(desk.locator(".sz-report-marker")).to_have_count(1)
    desk.locator(".sz-report-marker").click()
    help_item = desk.locator(".leaflet-popup .sz-nearby li[data-kind=patrol_point]")
    expect(help_item).to_contain_text(point.name)
    page.screenshot(path=str(tmp_path / "report-status-phone.png"), full_page=True)
    assert errors == []
    phone.close()
    desk_context.close()


def test_a_report_written_offline_is_queued_and_delivered_once_when_back_online(
    browser, asgi_server, zone, theft
):
    from playwright.sync_api import expect

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    fill_report(page, asgi_server, theft, "ทะเลาะวิวาทในตลาด สัญญาณโทรศัพท์หาย")
    key = page.input_value("input[name=idempotency_key]")

    phone.set_offline(True)
    page.click("button.sz-submit")
    expect(page.locator("#sz-send-state")).to_have_attribute("data-state", "queued")
    queued = page.evaluate("SzReportQueue.all().then(items => items.map(i => i.key))")
    assert queued == [key]
    assert Report.objects.count() == 0

    # Kept on the phone, the form is empty: tapping send again queues no copy.
    assert page.input_value("textarea[name=description]") == ""
    phone.set_offline(False)
    page.wait_for_url(f"{asgi_server.url}/report/sent/*/", timeout=15_000)
    report = Report.objects.get(idempotency_key=key)
    expect(page.locator("#sz-code")).to_have_text(report.display_code)
    assert report.photos.count() == 1

    # Reopening the form (which sends whatever is still queued) sends nothing more.
    page.goto(f"{asgi_server.url}/report/")
    expect(page.locator("#sz-report-map.leaflet-container")).to_have_count(1)
    assert page.evaluate("SzReportQueue.all().then(items => items.length)") == 0
    assert Report.objects.count() == 1
    assert errors == []
    phone.close()
