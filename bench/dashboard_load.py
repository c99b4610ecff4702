"""The duty desk dashboard in Chromium with a full station: how long until the map and the
queue are drawn, and how much script and style the page loads.

Run: .venv/bin/python bench/dashboard_load.py [--loads 5] [--shots DIR]

It makes a throwaway SQLite database in a temporary folder, migrates it, loads the Mukdahan
demo (61 cameras at 18 sites) and tops it up to 3 kiosks, 50 patrol points, 500 open reports
(new, triaged, dispatched) and one open SOS; then starts its own daphne on it and opens
/dashboard/ as the demo officer in headless Chromium (th-TH, Asia/Bangkok, 1440x900), --loads
times, each in a fresh browser context (an empty cache).

- dashboard_ready_ms: the page's own mark `sz-dashboard-ready` (set when the zones, cameras,
  reports and queue are drawn), from the start of navigation; median and worst of the loads
  with an empty cache, and (dashboard_ready_warm_ms) the median of the next visit in the same
  browser context (scripts and styles cached as the server allows).
- static_kb: the script and style files the page loads (decoded size, KB), vendor files too.

With --shots DIR it also saves the dashboard as the officer and as the supervisor at phone
(360x740) and desk (1440x900) sizes, and a camera's popup. Prints the figures, then one JSON line.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support.common import ROOT, django_shell, free_port, wait_for_port  # noqa: E402

SEED = r"""
import json, random
from datetime import timedelta
from django.test import Client
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from cctv.models import Camera
from incidents import services as incidents
from incidents.models import Category, Report
from patrol import services as patrol
from patrol.models import PatrolPoint
from smartzone.models import Station
from sos import services as sos
from sos.models import Kiosk

random.seed(7)
station = Station.objects.get(code="mukdahan-city")
lat0, lng0 = station.lat, station.lng
def near(spread=0.004):
    return lat0 + random.uniform(-spread, spread), lng0 + random.uniform(-spread, spread)
officer = get_user_model().objects.get(username="officer")
supervisor = get_user_model().objects.get(username="supervisor")
n = Kiosk.objects.filter(station=station).count()
while n < 3:
    lat, lng = near()
    sos.kiosk_create(actor="bench", station=station, name=f"ตู้ SOS {n + 1}", serial=f"B-{n}",
                     lat=lat, lng=lng)
    n += 1
n = PatrolPoint.objects.filter(station=station).count()
while n < 50:
    lat, lng = near()
    patrol.point_save(actor="bench", point=PatrolPoint(station=station, name=f"ตู้แดง {n + 1}",
                      lat=lat, lng=lng, kind="market"))
    n += 1
categories = list(Category.objects.filter(active=True))
n = Report.objects.filter(station=station).exclude(state__in=["resolved", "rejected"]).count()
while n < 500:
    lat, lng = near()
    report, _ = incidents.report_submit(kind="report", category=random.choice(categories),
        description="เหตุทดสอบ", lat=lat, lng=lng, reporter_phone="0812345678")
    step = n % 3
    if step >= 1:
        incidents.report_transition(actor=officer, report_id=report.pk, to_state="triaged")
    if step == 2:
        incidents.report_transition(actor=officer, report_id=report.pk, to_state="dispatched",
                                    officer_id=officer.pk)
    n += 1
lat, lng = near(0.001)
sos.sos_public_raise(station=station, lat=lat, lng=lng, callback_phone="0898765432",
                     message="มีคนล้มหมดสติ")
def session_of(user):
    client = Client()
    client.force_login(user)
    key = client.cookies["sessionid"].value
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or \
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    store = SessionStore(session_key=key)
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.save()
    return key
print(json.dumps({
    "officer": session_of(officer),
    "supervisor": session_of(supervisor),
    "cameras": Camera.objects.filter(station=station).count(),
    "sites": Camera.objects.filter(station=station).values("site").distinct().count(),
    "kiosks": Kiosk.objects.filter(station=station).count(),
    "points": PatrolPoint.objects.filter(station=station).count(),
    "open_reports": Report.objects.filter(station=station)
        .exclude(state__in=["resolved", "rejected"]).count(),
}))
"""

MEASURE = """() => {
  const mark = performance.getEntriesByName("sz-dashboard-ready")[0];
  let bytes = 0, files = 0;
  for (const r of performance.getEntriesByType("resource")) {
    const path = new URL(r.name).pathname;
    if (/\\.(js|css)$/.test(path)) { bytes += r.decodedBodySize; files += 1; }
  }
  const api = {};
  for (const r of performance.getEntriesByType("resource")) {
    const path = new URL(r.name).pathname;
    if (path.startsWith("/api/") || path.startsWith("/desk/")) {
      api[path] = Math.round(r.responseEnd);
    }
  }
  const nav = performance.getEntriesByType("navigation")[0];
  return { ready: mark ? mark.startTime : null, bytes, files, api,
           html: Math.round(nav.responseEnd), loaded: Math.round(nav.domContentLoadedEventEnd),
           cards: document.querySelectorAll("#sz-queue li.sz-card").length,
           reports: document.querySelectorAll("path.sz-report-marker").length,
           cameras: document.querySelectorAll("path.cctv-camera").length };
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--shots", type=Path, default=None)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="sz-bench-dashboard-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "CHANNELS_PREFIX")
        }
        env |= {
            "DATA_DIR": tmp,
            "DJANGO_SETTINGS_MODULE": "smartzone.settings",
            "MAP_TILES_URL": "",
            "LOG_LEVEL": "WARNING",
        }
        for command in (["migrate", "-v", "0"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        seeded = django_shell(SEED, env, timeout=900)
        print(
            f"seeded: {seeded['cameras']} cameras at {seeded['sites']} sites, "
            f"{seeded['kiosks']} kiosks, {seeded['points']} patrol points, "
            f"{seeded['open_reports']} open reports, 1 open SOS"
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
            + ["smartzone.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, server)
            base = f"http://127.0.0.1:{port}"
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu"],
                )

                def open_page(role: str, viewport: dict):
                    context = browser.new_context(
                        viewport=viewport, locale="th-TH", timezone_id="Asia/Bangkok"
                    )
                    cookie = {"name": "sessionid", "value": seeded[role], "url": base}
                    context.add_cookies([cookie])
                    page = context.new_page()
                    page.goto(f"{base}/dashboard/")
                    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                    return context, page

                # One load to warm the server (its first request imports and reads a lot).
                context, _page = open_page("officer", {"width": 1440, "height": 900})
                context.close()
                figures, warm = [], []
                for _ in range(args.loads):
                    context, page = open_page("officer", {"width": 1440, "height": 900})
                    figures.append(page.evaluate(MEASURE))
                    # The officer's next visit: the browser has the scripts and styles.
                    page.goto(f"{base}/dashboard/")
                    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                    warm.append(page.evaluate(MEASURE)["ready"])
                    context.close()
                if args.shots:
                    args.shots.mkdir(parents=True, exist_ok=True)
                    sizes = {"phone": (360, 740), "desk": (1440, 900)}
                    for role in ("officer", "supervisor"):
                        for size, (width, height) in sizes.items():
                            context, page = open_page(role, {"width": width, "height": height})
                            page.wait_for_timeout(1500)
                            path = args.shots / f"dashboard-{role}-{size}.png"
                            page.screenshot(path=str(path), full_page=size == "phone")
                            if size == "desk":  # a camera's popup (the demo cameras send none)
                                page.locator("path.cctv-camera").first.click(force=True)
                                page.wait_for_selector(".cctv-no-picture, img.cctv-picture")
                                page.wait_for_timeout(500)  # the popup's fade-in
                                path = args.shots / f"dashboard-{role}-camera.png"
                                page.screenshot(path=str(path))
                            context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    ready = [f["ready"] for f in figures]
    last = figures[-1]
    result = {
        "dashboard_ready_ms": round(statistics.median(ready)),
        "dashboard_ready_worst_ms": round(max(ready)),
        "dashboard_ready_warm_ms": round(statistics.median(warm)),
        "static_kb": round(last["bytes"] / 1024, 1),
        "static_files": last["files"],
        "queue_cards": last["cards"],
        "report_markers": last["reports"],
        "camera_markers": last["cameras"],
        "loads": len(figures),
        **{k: seeded[k] for k in ("cameras", "sites", "kiosks", "points", "open_reports")},
    }
    print(
        f"dashboard ready: median {result['dashboard_ready_ms']} ms, worst "
        f"{result['dashboard_ready_worst_ms']} ms over {len(figures)} loads with an empty cache, "
        f"median {result['dashboard_ready_warm_ms']} ms on the next visit; "
        f"script and style {result['static_kb']} KB in {result['static_files']} files; "
        f"{result['queue_cards']} queue cards, {result['report_markers']} report markers, "
        f"{result['camera_markers']} cameras drawn"
    )
    print(
        "responses ended (ms):",
        json.dumps({"html": last["html"], "DOMContentLoaded": last["loaded"], **last["api"]}),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
