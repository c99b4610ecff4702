"""After a report is sent from a phone: a double tap, sending again, or going back and sending
once more files no second report."""

import pytest

from incidents.models import Report
from tests.incidents.test_report_browser import PHONE, fill_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_report_is_filed_once_however_often_send_is_pressed(
    browser, asgi_server, zone, theft, tmp_path
):
    from playwright.sync_api import expect

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    fill_report(page, asgi_server, theft, "มีคนล้วงกระเป๋าหน้าร้านทอง")
    page.dblclick("button.sz-submit")  # a double tap
    page.wait_for_url(f"{asgi_server.url}/report/sent/*/", timeout=10_000)
    report = Report.objects.get()
    expect(page.locator("#sz-code")).to_have_text(report.display_code)
    page.screenshot(path=str(tmp_path / "report-sent.png"), full_page=True)

    # Back to the form and send again: nothing is left to send twice.
    page.go_back()
    page.wait_for_url(f"{asgi_server.url}/report/")
    expect(page.locator("#sz-report-map.leaflet-container")).to_have_count(1)
    page.click("button.sz-submit")
    expect(page.locator("#sz-send-state")).to_have_attribute("data-state", "failed")
    assert page.url == f"{asgi_server.url}/report/"
    assert Report.objects.count() == 1

    # The confirmation page reloaded is just a page: no report is posted again.
    page.goto(f"{asgi_server.url}/report/sent/{report.tracking_code}/")
    page.reload()
    expect(page.locator("#sz-code")).to_have_text(report.display_code)
    assert Report.objects.count() == 1
    assert errors == []
    phone.close()
