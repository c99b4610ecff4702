"""The duty desk's "backup too old" notice goes as soon as a backup is made (its event), not at
the next hourly check."""

import pytest

from ops import services
from tests.integration.test_dashboard_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_notice_of_a_missing_backup_goes_when_a_backup_is_made(
    browser, asgi_server, ops_data, station, zone, officer
):
    from playwright.sync_api import expect

    page = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    log_in(page, asgi_server, officer.username)
    notice = page.locator("#feed li[data-notice=ops-backup]")
    expect(notice).to_have_count(1)
    expect(notice).to_have_attribute("data-level", "warning")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")

    services.backup_create()

    expect(page.locator("#feed li.fresh[data-kind='backup.created']")).to_have_count(1)
    expect(notice).to_have_count(0)
