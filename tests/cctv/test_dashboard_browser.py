"""The camera layer on the dashboard and the job page's progress bar, in a real browser."""

import pytest

from cctv.models import AnalysisJob, Camera
from tests.cctv.conftest import STREAM_SECRET
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, server, username):
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{server.url}/dashboard/")


def test_the_dashboard_draws_each_camera_with_its_wedge_and_no_credentials(
    browser, asgi_server, station, zone, officer, camera, other_camera
):
    from playwright.sync_api import expect

    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    responses = []
    page.on("response", lambda r: responses.append(r))
    log_in(page, asgi_server, officer.username)
    expect(page.locator("path.cctv-fov")).to_have_count(2)
    expect(page.locator("path.cctv-camera")).to_have_count(2)
    assert STREAM_SECRET not in page.content()
    for response in responses:
        if "/api/v1/cctv/" in response.url:
            assert STREAM_SECRET not in response.text()
    assert not errors


def test_the_job_page_moves_its_progress_bar(browser, asgi_server, station, zone, officer, camera):
    from playwright.sync_api import expect

    job = AnalysisJob.objects.create(
        station=station,
        kind="clip",
        camera=camera,
        purpose="x",
        created_by=officer,
        state="running",
        progress_done=1,
        progress_total=10,
    )
    page = browser.new_page()
    log_in(page, asgi_server, officer.username)
    page.goto(f"{asgi_server.url}/cctv/jobs/{job.pk}/")
    expect(page.locator("#job-percent")).to_have_text("10%")
    AnalysisJob.objects.filter(pk=job.pk).update(progress_done=10, state="done")
    expect(page.locator("#job-percent")).to_have_text("100%")
    expect(page.locator("#job-state")).to_have_attribute("data-state", "done")


def test_a_match_on_the_dashboard_links_to_its_review_page_with_the_camera_on_a_map(
    browser, asgi_server, station, zone, officer, camera, entry_a
):
    import numpy as np
    from playwright.sync_api import expect

    from cctv import analysis

    job = AnalysisJob.objects.create(
        station=station, kind="clip", camera=camera, purpose="x", created_by=officer
    )
    match = analysis.match_record(
        job_id=job.pk,
        entry_id=entry_a.pk,
        track_start_frame=0,
        offset_s=0.0,
        distance=0.2,
        score=0.8,
        crop=np.full((40, 40, 3), 100, np.uint8),
    )
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Console errors catch CSP refusals; the server process keeps private media elsewhere, so
    # the crop and photo answer 404 there (tests/cctv/test_views.py covers them).
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    log_in(page, asgi_server, officer.username)
    link = page.locator("#feed li[data-kind='cctv.match'] a.cctv-review")
    expect(link).to_have_attribute("href", f"/cctv/matches/{match.pk}/")
    link.click()
    page.wait_for_url(f"{asgi_server.url}/cctv/matches/{match.pk}/")
    expect(page.locator("#cctv-match-map path.cctv-fov")).to_have_count(1)
    expect(page.locator("#cctv-match-map path.cctv-camera")).to_have_count(1)
    assert not errors


def test_the_job_page_shows_a_live_watch_reconnecting_and_behind_live(
    browser, asgi_server, station, zone, officer, camera
):
    """The live figures follow the job's API: reconnecting with its reason, then live again
    but behind live by more than CCTV_LIVE_LAG_WARN_SECONDS, with the warning."""
    from playwright.sync_api import expect

    job = AnalysisJob.objects.create(
        station=station,
        kind="watch",
        watch_minutes=60,
        camera=camera,
        purpose="เฝ้าดูกล้องตลาด",
        created_by=officer,
        state="running",
        progress_done=600,
        progress_total=3600,
        live_state="reconnecting",
        live_reason="unreachable",
        lag_ms=400,
        frames_dropped=12,
        seconds_lost=31,
        reconnects=2,
    )
    page = browser.new_page()
    log_in(page, asgi_server, officer.username)
    page.goto(f"{asgi_server.url}/cctv/jobs/{job.pk}/")
    expect(page.locator("#job-live-state")).to_have_text("กำลังเชื่อมต่อใหม่")
    expect(page.locator("#job-live-reason")).to_have_text("ติดต่อกล้องที่ที่อยู่และพอร์ตนี้ไม่ได้")
    expect(page.locator("#job-lag-warning")).to_be_hidden()
    AnalysisJob.objects.filter(pk=job.pk).update(live_state="live", live_reason="", lag_ms=4200)
    expect(page.locator("#job-live-state")).to_have_text("กำลังดูภาพสด")
    expect(page.locator("#job-lag")).to_have_text("4.2")
    expect(page.locator("#job-lag-warning")).to_be_visible()
    Camera.objects.filter(pk=camera.pk).update(
        status="reconnecting", status_reason="กล้องไม่ยอมรับชื่อผู้ใช้หรือรหัสผ่าน"
    )
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{asgi_server.url}/cctv/cameras/")
    expect(page.locator("td.status-reconnecting")).to_contain_text("กำลังเชื่อมต่อใหม่")


def test_the_job_page_says_in_thai_why_a_clip_broke_when_the_job_ends(
    browser, asgi_server, station, zone, officer, camera
):
    from playwright.sync_api import expect

    job = AnalysisJob.objects.create(
        station=station,
        kind="clip",
        camera=camera,
        purpose="x",
        created_by=officer,
        state="running",
        progress_done=1,
        progress_total=10,
    )
    page = browser.new_page()
    log_in(page, asgi_server, officer.username)
    page.goto(f"{asgi_server.url}/cctv/jobs/{job.pk}/")
    expect(page.locator("#job-percent")).to_have_text("10%")
    AnalysisJob.objects.filter(pk=job.pk).update(
        state="partial", broke_at_frame=42, reason="corrupt video: frame 42 cannot be decoded"
    )
    expect(page.locator("#job-state")).to_have_attribute("data-state", "partial")
    expect(page.locator("#job-reason")).to_have_text("วิดีโอเสียหาย: ถอดรหัสเฟรม 42 ไม่ได้")
    assert "corrupt" not in page.content()
