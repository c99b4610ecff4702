"""The camera layer on the dashboard and the job page's progress bar, in a real browser."""

import pytest

from cctv.models import AnalysisJob
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
