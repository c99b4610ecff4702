"""The whole check-in in real browsers against the real ASGI server.

An officer's phone (phone-sized Chromium with a granted, faked position) opens a point's QR
URL, logs in, comes straight back, sees how far the point is and checks in; the duty desk's
dashboard, open in a second browser context, shows the check-in and the officer moving, without
a reload, and drops the officer when the shift ends.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from patrol import services
from patrol.models import CheckIn, PatrolShift
from tests.conftest import PASSWORD, pass_two_factor
from tests.patrol.conftest import MARKET, checkin_path, offset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def log_in(page, username):
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    pass_two_factor(page, username)


def test_scan_log_in_check_in_and_the_desk_sees_it_live(
    browser, asgi_server, station, zone, officer, supervisor, point
):
    from playwright.sync_api import expect

    now = timezone.now()
    shift = services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดทดสอบ",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        officers=[officer],
        plan={point: 60},
    )
    errors = []

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    dashboard = desk.new_page()
    dashboard.on("pageerror", lambda exc: errors.append(str(exc)))
    dashboard.goto(f"{asgi_server.url}/accounts/login/")
    log_in(dashboard, supervisor.username)
    dashboard.wait_for_url(f"{asgi_server.url}/dashboard/")
    expect(dashboard.locator("#live-state")).to_have_attribute("data-state", "live")
    expect(dashboard.locator("path.sz-patrol-point")).to_have_count(1)

    lat, lng = offset(*MARKET, 15, 90)
    phone = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": lat, "longitude": lng, "accuracy": 8},
        permissions=["geolocation"],
    )
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(asgi_server.url + checkin_path(point))
    expect(page.locator("#id_username")).to_be_visible()  # the scan led to the login form
    log_in(page, officer.username)
    expect(page.get_by_test_id("point-name")).to_contain_text(point.name)  # straight back
    state = page.get_by_test_id("geo-state")
    expect(state).to_have_attribute("data-state", "inside")
    expect(state).to_have_attribute("data-distance", "15")
    # On shift, the page shares the officer's position: the desk shows one moving marker.
    expect(page.get_by_test_id("share-state")).to_have_attribute("data-state", "shared")
    expect(dashboard.locator("path.sz-patrol-officer")).to_have_count(1, timeout=10_000)
    page.fill("#id_note", "ตรวจแล้ว ปกติ")
    page.click("#checkin-submit")
    expect(page.get_by_test_id("checkin-done")).to_be_visible()
    expect(page.get_by_test_id("distance")).to_contain_text("15 m")

    checkin = CheckIn.objects.get()
    assert checkin.officer == officer and checkin.shift == shift
    assert checkin.note == "ตรวจแล้ว ปกติ" and checkin.away_from_point is False
    assert checkin.lat == pytest.approx(lat, abs=1e-6)

    item = dashboard.locator("#feed li.fresh[data-kind='patrol.checkin']")
    expect(item).to_have_count(1, timeout=10_000)
    expect(item).to_contain_text(point.name)
    expect(dashboard.locator("path.sz-patrol-checkin")).to_have_count(1)
    expect(dashboard.locator("path.sz-patrol-officer")).to_have_count(1)
    expect(dashboard.locator("#feed li[data-kind='patrol.position']")).to_have_count(0)

    # The shift ends: the desk drops the officer without a reload.
    PatrolShift.objects.filter(pk=shift.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert services.shifts_end_announce() == [shift.pk]
    expect(dashboard.locator("path.sz-patrol-officer")).to_have_count(0, timeout=10_000)
    assert errors == []
    phone.close()
    desk.close()


def test_a_phone_300_m_away_is_refused_with_the_distance_then_flagged_with_a_reason(
    browser, asgi_server, station, officer, point
):
    from playwright.sync_api import expect

    lat, lng = offset(*MARKET, 300)
    phone = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        geolocation={"latitude": lat, "longitude": lng, "accuracy": 10},
        permissions=["geolocation"],
    )
    page = phone.new_page()
    page.goto(asgi_server.url + checkin_path(point))
    log_in(page, officer.username)
    expect(page.get_by_test_id("geo-state")).to_have_attribute("data-state", "outside")
    page.click("#checkin-submit")
    refusal = page.get_by_test_id("refusal")
    expect(refusal).to_have_attribute("data-code", "too_far")
    expect(refusal).to_contain_text("300")
    assert CheckIn.objects.count() == 0
    expect(page.get_by_test_id("geo-state")).to_have_attribute("data-state", "outside")
    page.fill("#id_away_reason", "ซอยปิดซ่อมถนน")
    page.click("#checkin-submit")
    expect(page.get_by_test_id("away")).to_contain_text("ซอยปิดซ่อมถนน")
    assert CheckIn.objects.get().away_from_point is True
    phone.close()
