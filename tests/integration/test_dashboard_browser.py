"""The dashboard in a real browser against the real ASGI server, at phone and desktop sizes.

An officer logs in through the login form, sees the zone and landmarks on the map, and an
event a service publishes from another process (this test process) appears in the feed and on
the map without a reload: through Redis directly, or through the server's relay loop when the
channel layer is in-memory.
"""

import pytest

from smartzone import services
from smartzone.models import Landmark
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1366, "height": 900}}
LANDMARKS = [
    ("ตลาดอินโดจีน", Landmark.Kind.MARKET, 16.5447, 104.7258),
    ("ร้านทองเยาวราช", Landmark.Kind.GOLD_SHOP, 16.5452, 104.7249),
]


@pytest.fixture
def landmarks(station, zone):
    return [
        services.landmark_save(
            actor="test",
            landmark=Landmark(station=station, name=name, kind=kind, lat=lat, lng=lng),
        )
        for name, kind, lat, lng in LANDMARKS
    ]


def log_in(page, server, username):
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{server.url}/dashboard/")


@pytest.mark.parametrize("size", SIZES)
def test_an_officer_logs_in_and_sees_the_zone_landmarks_and_a_live_event(
    size, browser, asgi_server, station, landmarks, officer, tmp_path
):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, asgi_server, officer.username)

    expect(page.locator("path.sz-zone")).to_have_count(1)
    expect(page.locator("path.sz-landmark")).to_have_count(len(landmarks))
    expect(page.locator("#feed li[data-kind='landmark.created']")).to_have_count(len(landmarks))
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    assert page.locator("#map").bounding_box()["height"] > 200

    new = services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=station,
            name="ร้านทองแสงเพชร",
            kind=Landmark.Kind.GOLD_SHOP,
            lat=16.5441,
            lng=104.7262,
        ),
    )

    # The fixtures' own events are in the feed from the page load; the new one arrives live.
    expect(page.locator("#feed li.fresh")).to_have_count(0)
    item = page.locator("#feed li.fresh[data-kind='landmark.created']")
    expect(item).to_have_count(1, timeout=10_000)
    expect(item).to_contain_text(new.name)
    expect(page.locator("path.sz-landmark")).to_have_count(len(landmarks) + 1)
    page.screenshot(path=str(tmp_path / f"dashboard-{size}.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_language_switch_shows_english(browser, asgi_server, station, zone, officer):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    log_in(page, asgi_server, officer.username)
    expect(page.locator("html")).to_have_attribute("lang", "th")

    page.click("form.lang button[value='en']")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{asgi_server.url}/dashboard/")
    expect(page.locator("aside h2")).to_contain_text("Live feed")
    expect(page.locator("#live-state")).to_have_text("live")
    context.close()
