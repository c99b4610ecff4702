"""In a real Chromium against the real ASGI server: with a PMTiles file in the data folder and no
tile server, the maps fetch ranges of it (206) and draw vector tiles on canvas; with neither, the
maps label the zone, its landmarks and the camera sites instead of showing a grey box."""

import pytest

from cctv import services as cctv_services
from cctv.models import Camera, CameraSite
from smartzone import services
from smartzone.models import Landmark
from tests.basemap_sample import write_sample
from tests.conftest import PASSWORD, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESK = {"width": 1440, "height": 900}

# Pixels of the drawn tiles: how many differ from the flavour's background, and how many colours.
TILE_PIXELS = """() => {
  const out = {tiles: 0, painted: 0, colours: 0};
  const colours = new Set();
  for (const c of document.querySelectorAll(".leaflet-tile-pane canvas.leaflet-tile")) {
    if (!c.width || !c.height) continue;
    out.tiles++;
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (let i = 0; i < px.length; i += 4 * 7) {
      const key = px[i] + "," + px[i + 1] + "," + px[i + 2];
      colours.add(key);
      if (px[i + 3] > 0) out.painted++;
    }
  }
  out.colours = colours.size;
  return out;
}"""


VISIBLE_LABEL_BOXES = """() => [
  ...document.querySelectorAll(".sz-map-label:not(.sz-map-label-hidden)")
].map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""


@pytest.fixture
def pmtiles_env(monkeypatch, tmp_path):
    """A sample PMTiles file in the data folder of the server started after this fixture."""
    data = tmp_path / "data"
    path = write_sample(data / "basemap" / "mukdahan.pmtiles")
    monkeypatch.setenv("DATA_DIR", str(data))
    return path


@pytest.fixture
def places(station, zone):
    landmark = services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=station,
            name="ร้านทองแม่ทองใบ",
            kind=Landmark.Kind.GOLD_SHOP,
            lat=16.5500,
            lng=104.7255,
        ),
    )
    site = cctv_services.camera_site_save(
        actor="test", site=CameraSite(station=station, name="ประตูตลาด", lat=16.5400, lng=104.7262)
    )
    camera = cctv_services.camera_save(
        actor="test",
        camera=Camera(
            station=station,
            site=site,
            code="cam-07",
            name="ประตูตลาดทิศเหนือ",
            lat=16.5400,
            lng=104.7262,
        ),
    )
    return {"zone": zone, "landmark": landmark, "camera": camera}


def watch(page):
    """Collect the page's errors, CSP violations and answers to the base map file."""
    seen = {"errors": [], "ranges": []}
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))
    page.on(
        "console",
        lambda m: (
            seen["errors"].append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            seen["ranges"].append((r.status, r.request.headers.get("range")))
            if "/basemap/" in r.url
            else None
        ),
    )
    return seen


def login(browser, server, officer, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{server.url}/dashboard/")
    return context, page, seen


def assert_tiles_drawn(page, seen):
    from playwright.sync_api import expect

    expect(page.locator(".leaflet-tile-pane canvas.leaflet-tile").first).to_be_attached()
    # Polled through evaluate: wait_for_function's string predicate is an eval the page's CSP
    # refuses.
    wait_until(lambda: page.evaluate(TILE_PIXELS)["colours"] >= 4, 15, "tiles painted")
    pixels = page.evaluate(TILE_PIXELS)
    assert pixels["tiles"] >= 1 and pixels["painted"] > 1000, pixels
    ranged = [status for status, header in seen["ranges"] if header]
    assert ranged and set(ranged) <= {206}, seen["ranges"]
    assert page.locator(".sz-basemap-none").count() == 0
    assert not seen["errors"], seen["errors"]


def test_the_dashboard_draws_the_stations_pmtiles_base_map(
    pmtiles_env, asgi_server, browser, officer, places
):
    context, page, seen = login(browser, asgi_server, officer, DESK)
    assert_tiles_drawn(page, seen)
    context.close()


def test_the_citizens_report_map_draws_the_pmtiles_base_map_on_a_phone(
    pmtiles_env, asgi_server, browser, places
):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{asgi_server.url}/report/")
    assert_tiles_drawn(page, seen)
    context.close()


def labels(page) -> list[str]:
    return page.locator(".leaflet-tooltip.sz-map-label").all_inner_texts()


def test_with_no_base_map_the_dashboard_labels_the_zone_landmarks_and_cameras(
    asgi_server, browser, officer, places
):
    from playwright.sync_api import expect

    context, page, seen = login(browser, asgi_server, officer, DESK)
    expect(page.locator("#map.sz-basemap-none")).to_have_count(1)
    expect(page.locator(".sz-basemap-grid").first).to_be_attached()
    for name in (places["zone"].name, places["landmark"].name, "cam-07 ประตูตลาดทิศเหนือ"):
        expect(page.locator(".leaflet-tooltip.sz-map-label", has_text=name).first).to_be_visible()

    # No label shown covers another (the lower one is hidden until the officer zooms in), once
    # the map has settled: labels are sorted out shortly after a burst of layers is drawn.
    def overlapping():
        boxes = page.evaluate(VISIBLE_LABEL_BOXES)
        return [
            (a, b)
            for i, a in enumerate(boxes)
            for b in boxes[i + 1 :]
            if not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])
        ]

    expect(page.locator("body[data-ready]")).to_have_count(1)
    wait_until(lambda: not overlapping(), 10, "labels that do not overlap")
    assert not seen["ranges"] and not seen["errors"], seen


def test_with_no_base_map_the_citizens_map_labels_the_zone_and_landmarks(
    asgi_server, browser, places
):
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    seen = watch(page)
    page.goto(f"{asgi_server.url}/report/")
    expect(page.locator("#sz-report-map.sz-basemap-none")).to_have_count(1)
    for name in (places["zone"].name, places["landmark"].name):
        expect(page.locator(".leaflet-tooltip.sz-map-label", has_text=name).first).to_be_visible()
    # Camera sites are not shown to the public.
    assert not [t for t in labels(page) if "cam-07" in t or "ประตูตลาด" in t]
    # The labels do not catch the tap that picks the spot.
    page.locator(".leaflet-tooltip.sz-map-label-sz-zone").first.click(force=True)
    expect(page.locator("#sz-zone-state")).to_have_attribute("data-state", "inside")
    assert not seen["errors"], seen
