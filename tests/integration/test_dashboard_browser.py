"""The dashboard in a real browser against the real ASGI server, at phone and desktop sizes.

An officer logs in through the login form, sees the zone and landmarks on the map, and an
event a service publishes from another process (this test process) appears in the feed and on
the map without a reload: through Redis directly, or through the server's relay loop when the
channel layer is in-memory.
"""

import re

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
    page.wait_for_selector("body[data-ready=true]")  # zones drawn and the map fitted to them


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
    # (System notices, such as a missing backup, are fresh when they appear: not events.)
    expect(page.locator("#feed li.fresh:not([data-kind=notice])")).to_have_count(0)
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
    expect(page.locator("#sz-notices-title")).to_have_text("Live feed")
    expect(page.locator("#sz-queue-title")).to_contain_text("Needs a person")
    expect(page.locator("#live-state")).to_have_text("live")
    context.close()


def test_the_legend_turns_each_layer_off_and_on(browser, asgi_server, station, landmarks, officer):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    log_in(page, asgi_server, officer.username)
    legend = page.get_by_test_id("legend")
    expect(legend).to_be_visible()
    for layer in ("zones", "landmarks", "reports", "sos", "cameras", "kiosks", "patrolPoints"):
        expect(legend.locator(f"input[data-layer={layer}]")).to_be_checked()
    for layer in ("patrolOfficers", "partners"):
        expect(legend.locator(f"input[data-layer={layer}]")).to_have_count(1)
    # Each layer has its own symbol in the legend (not one red dot for all).
    symbols = legend.locator(".sz-legend-row .sz-sym").evaluate_all(
        "nodes => nodes.map(n => getComputedStyle(n).backgroundImage + getComputedStyle(n)"
        ".backgroundColor + getComputedStyle(n).borderTopColor + getComputedStyle(n).borderRadius)"
    )
    assert len(set(symbols)) == len(symbols)

    expect(page.locator("path.sz-landmark")).to_have_count(len(landmarks))
    legend.locator("input[data-layer=landmarks]").uncheck()
    expect(page.locator("path.sz-landmark")).to_have_count(0)
    legend.locator("input[data-layer=landmarks]").check()
    expect(page.locator("path.sz-landmark")).to_have_count(len(landmarks))

    # Other apps add system notices to the quiet list (as text, replacing one of the same id).
    page.evaluate("SmartZone.notice({id: 'backup', text: 'old', level: 'warning'})")
    page.evaluate("SmartZone.notice({id: 'backup', text: '<b>backup</b> late', level: 'warning'})")
    notice = page.locator("#feed li[data-notice=backup]")
    expect(notice).to_have_count(1)
    expect(notice).to_have_text(re.compile("^<b>backup</b> late"))
    expect(notice).to_have_attribute("data-level", "warning")
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_live_sos_is_a_card_acknowledged_from_the_queue(
    size, browser, asgi_server, station, zone, officer
):
    from playwright.sync_api import expect

    from smartzone.models import AuditEntry
    from sos import services as sos_services
    from sos.models import SosEvent

    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, asgi_server, officer.username)
    expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
    expect(page.locator("#sz-sound")).to_be_visible()

    sos = sos_services.sos_public_raise(
        station=station, lat=16.5447, lng=104.7256, callback_phone="081 234 5678", message="ช่วยด้วย"
    )
    card = page.locator("#sz-queue li.sz-card[data-kind=sos]")
    expect(card).to_have_count(1, timeout=10_000)
    expect(card.locator(".sz-elapsed")).to_have_text(re.compile(r"^\d+ (วินาที|นาที)$"))
    expect(card.locator("a.sz-phone")).to_have_attribute("href", "tel:0812345678")
    expect(card.locator("a.sz-phone")).to_contain_text("081 234 5678")
    expect(page.locator("#sz-queue")).to_have_attribute("data-alarms", "1")
    # No sound may play in a page nobody touched: the title flashes instead.
    expect(page).to_have_title(re.compile("SOS"))
    # On the phone the queue comes before the map.
    queue_box = page.locator("#sz-queue").bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert queue_box["y"] < map_box["y"] if size == "phone" else queue_box["x"] > map_box["x"]

    card.locator("button[data-action=acknowledge]").click()
    expect(card).to_have_count(0, timeout=10_000)
    sos.refresh_from_db()
    assert sos.state == SosEvent.State.ACKNOWLEDGED and sos.acknowledged_by == officer
    assert AuditEntry.objects.filter(action="sos.acknowledged", object_id=str(sos.pk)).exists()
    expect(page).not_to_have_title(re.compile("SOS"))
    assert errors == []
    context.close()


def test_a_name_with_markup_shows_as_text_and_runs_nothing(
    browser, asgi_server, station, zone, officer
):
    from playwright.sync_api import expect

    name = "<img src=x onerror=alert(1)><b id=sz-injected>x</b>"
    services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=station, name=name, kind=Landmark.Kind.MARKET, lat=16.5447, lng=104.7258
        ),
    )
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, asgi_server, officer.username)
    marker = page.locator("path.sz-landmark")
    expect(marker).to_have_count(1)
    marker.hover(force=True)
    # Its tooltip, or with no base map its label on the map: the name as text either way.
    tooltip = page.locator(".leaflet-tooltip", has_text=name)
    expect(tooltip.first).to_contain_text(name)
    expect(page.locator("#feed")).to_contain_text(name)
    expect(page.locator("#sz-injected")).to_have_count(0)
    expect(page.locator(".leaflet-tooltip img, #feed img")).to_have_count(0)
    assert dialogs == []
    context.close()
