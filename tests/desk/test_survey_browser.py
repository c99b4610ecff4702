"""The survey as a resident finds it: from the home page's link, answered and stored."""

import pytest

from desk.models import SafetyAnswer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("several_stations", [False, True])
def test_the_survey_opened_from_the_home_page_is_stored(
    browser, asgi_server, station, other_station, several_stations, request
):
    from playwright.sync_api import expect

    if not several_stations:
        other_station.delete()
    page = browser.new_page(viewport={"width": 360, "height": 740}, is_mobile=True)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{asgi_server.url}/")
    page.click("a.sz-survey-link")
    page.wait_for_url(f"{asgi_server.url}/survey/")
    if several_stations:
        # Sent without choosing: the page names the station and says what to do.
        for name in ("safe_in_zone", "safe_at_night", "trust_response"):
            page.check(f"input[name={name}][value='4']")
        page.click("form[data-testid=survey-form] button[type=submit]")
        expect(page.get_by_test_id("survey-errors")).to_contain_text("สถานีตำรวจ")
        page.get_by_label("สถานีตำรวจ").select_option(station.code)
    for name in ("safe_in_zone", "safe_at_night", "trust_response"):
        page.check(f"input[name={name}][value='4']")
    page.click("form[data-testid=survey-form] button[type=submit]")
    expect(page.get_by_test_id("survey-done")).to_be_visible()
    answer = SafetyAnswer.objects.get()
    assert (answer.station_id, answer.safe_in_zone) == (station.pk, 4)
    assert errors == []
    page.close()
