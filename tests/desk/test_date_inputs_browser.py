"""In a Thai Chromium (th-TH, Asia/Bangkok) the date inputs show their dates, so a supervisor
generates the weekly report with the form's default week and the filters are not empty."""

import os

import pytest
from django.utils import timezone

from desk import stats
from desk.models import WeeklyReport
from tests.conftest import PASSWORD, pass_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SMARTZONE_SHOTS")  # a folder to save screenshots in, when set


def test_a_supervisor_generates_the_weekly_report_with_the_default_week(
    browser, asgi_server, station, zone, supervisor
):
    from playwright.sync_api import expect

    week = stats.last_complete_week(timezone.now())
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{asgi_server.url}/accounts/login/?next=/desk/reports/")
    page.fill("#id_username", supervisor.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    pass_two_factor(page, supervisor.username)
    page.wait_for_url(f"{asgi_server.url}/desk/reports/")

    week_input = page.locator("[data-testid=generate-form] input[name=week]")
    expect(week_input).to_have_value(week.isoformat())
    # The picker holds a date (an ignored value would leave it empty: valueAsDate null).
    assert week_input.evaluate("input => input.valueAsDate !== null")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/reports-1440.png", full_page=True)
    page.click("[data-testid=generate-form] button[type=submit]")
    page.wait_for_url(f"{asgi_server.url}/desk/reports/*/")
    report = WeeklyReport.objects.get(station=station)
    assert report.week_start == week
    assert page.url.endswith(f"/desk/reports/{report.pk}/")

    today = timezone.localdate().isoformat()
    for url in ("/desk/", "/patrol/coverage/"):
        page.goto(f"{asgi_server.url}{url}")
        expect(page.locator("input[name=until]")).to_have_value(today)
        assert page.locator("input[name=since]").evaluate("input => input.valueAsDate !== null")
        if SHOTS:
            page.set_viewport_size({"width": 360, "height": 740})
            name = url.strip("/").replace("/", "-")
            page.screenshot(path=f"{SHOTS}/{name}-360.png", full_page=True)
            page.set_viewport_size({"width": 1440, "height": 900})
    assert errors == []
    context.close()
