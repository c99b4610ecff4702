"""The hotspot grid drawn in a real browser under the real CSP: on the desk's analysis page
and as a layer of the duty desk dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.desk.conftest import MARKET, RIVERSIDE, seed_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_grid_shows_on_the_desk_page_and_the_dashboard(
    browser, asgi_server, station, zone, officer, categories
):
    from playwright.sync_api import expect

    recent = timezone.now() - timedelta(days=3)
    for where in (MARKET, MARKET, RIVERSIDE):
        seed_report(station, categories["theft"], recent, where)
    errors, violations = [], []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(f"{asgi_server.url}/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{asgi_server.url}/dashboard/")

    page.goto(f"{asgi_server.url}/desk/")
    expect(page.locator("path.sz-hotspot-cell")).to_have_count(2)
    expect(page.get_by_test_id("hotspot-map")).to_have_attribute("data-cells", "2")
    expect(page.locator("[data-testid=top-cells] tbody tr")).to_have_count(2)
    expect(page.locator("svg.desk-svg rect").first).to_be_attached()

    page.goto(f"{asgi_server.url}/dashboard/")
    expect(page.locator("path.sz-hotspot-cell")).to_have_count(0)  # the layer starts off
    page.get_by_test_id("legend").locator("input[data-layer=deskHotspots]").check()
    expect(page.locator("path.sz-hotspot-cell")).to_have_count(2)
    assert errors == [] and violations == []
    context.close()
