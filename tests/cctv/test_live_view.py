"""The live view in a real browser: real RTSP and MJPEG cameras on loopback, the real ASGI server
with its FFmpeg relay, mpegts.js playing in Chromium."""

import base64
import shutil

import cv2
import numpy as np
import pytest

from cctv import services
from cctv.live.services import ENDED, STARTED
from cctv.models import Camera
from smartzone.models import AuditEntry
from tests.cctv.conftest import STREAM_SECRET
from tests.cctv.servers import CameraServer
from tests.conftest import PASSWORD, need, wait_until
from tests.rtsp import RtspServer, frames_launch, need_rtsp, write_frames

pytestmark = [pytest.mark.browser, pytest.mark.rtsp, pytest.mark.django_db(transaction=True)]

IDLE_S = 1.5
SIZE = (640, 360)


def clip_frames(count=7):
    """Frames the page's picture can be told apart by: a bright bar at a place of its own."""
    frames = []
    for i in range(count):
        frame = np.full((SIZE[1], SIZE[0], 3), (40, 60, 90), np.uint8)
        x = 20 + i * 60
        cv2.rectangle(frame, (x, 40), (x + 50, 320), (240, 240, 240), -1)
        cv2.rectangle(frame, (0, 0), (120, 30), (0, 0, 200), -1)
        frames.append(frame)
    return frames


@pytest.fixture(scope="module")
def rtsp_camera(tmp_path_factory):
    need_rtsp()
    need(shutil.which("ffmpeg") is not None, "ffmpeg is not installed (apt install ffmpeg)")
    directory = write_frames(clip_frames(), tmp_path_factory.mktemp("live-frames"))
    server = RtspServer(
        {"/live": frames_launch(directory, fps=10, codec="h264", kbps=800)},
        user="admin",
        password=STREAM_SECRET,
        auth="digest",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def live_settings(monkeypatch):
    """The ASGI server's settings (it reads its environment): loopback cameras, short timers."""
    for name, value in {
        "CAMERA_NETWORKS": "127.0.0.0/8",
        "CCTV_LIVE_IDLE_S": str(IDLE_S),
        "CCTV_LIVE_RETRY_S": "0.3",
        "CCTV_LIVE_OFFLINE_AFTER_S": "3",
        "CCTV_LIVE_STALL_S": "2",
    }.items():
        monkeypatch.setenv(name, value)


def rtsp_camera_row(site, server, code="live-01"):
    return services.camera_save(
        actor="test",
        camera=Camera(
            station=site.station,
            site=site,
            code=code,
            name="ตลาดอินโดจีน สด",
            lat=16.5447,
            lng=104.7258,
            stream_url=f"rtsp://127.0.0.1:{server.port}/live",
            username="admin",
            password=STREAM_SECRET,
        ),
    )


def log_in(context, server, username):
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{server.url}/dashboard/")
    return page


def tile_state(page):
    return page.evaluate("document.querySelector('.live-tile').dataset.state")


def current_time(page):
    return page.evaluate("document.querySelector('.live-tile video').currentTime")


GRAB = """() => {
  const video = document.querySelector('.live-tile video');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  return canvas.toDataURL('image/png');
}"""


def picture(page) -> np.ndarray:
    """The frame the video element shows now, as the page draws it."""
    data = base64.b64decode(page.evaluate(GRAB).split(",", 1)[1])
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return cv2.resize(image, SIZE)


def nearest_clip_frame(image) -> tuple[int, float]:
    diffs = [float(np.abs(image.astype(int) - f.astype(int)).mean()) for f in clip_frames()]
    return int(np.argmin(diffs)), min(diffs)


def watch(page, server, camera):
    page.goto(f"{server.url}/cctv/cameras/{camera.pk}/live/")
    wait_until(lambda: tile_state(page) == "live", 30, "the tile to go live")
    wait_until(lambda: current_time(page) > 0.3, 30, "the video to play")


def test_an_h264_camera_plays_live_with_the_clips_picture_and_each_viewing_is_audited(
    browser, asgi_server, rtsp_camera, site, officer
):
    camera = rtsp_camera_row(site, rtsp_camera)
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = log_in(context, asgi_server, officer.username)
    responses, frames = [], []
    page.on("response", lambda r: responses.append(r))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f)))
    watch(page, asgi_server, camera)

    first_time, first = current_time(page), picture(page)
    wait_until(lambda: current_time(page) > first_time + 0.5, 20, "currentTime to grow")
    shown = []

    def changed() -> bool:
        shown.append(picture(page))
        return np.abs(first.astype(int) - shown[-1].astype(int)).mean() > 2

    wait_until(changed, 20, "the picture to change")
    second = shown[-1]
    index, distance = nearest_clip_frame(second)
    assert distance < 12, f"the picture is not the clip's (nearest frame {index}: {distance})"
    other = [f for i, f in enumerate(clip_frames()) if i != index]
    assert all(np.abs(second.astype(int) - f.astype(int)).mean() > distance for f in other)

    assert STREAM_SECRET not in page.content()
    pages = [r for r in responses if r.request.resource_type == "document" and r.status == 200]
    assert pages and all(STREAM_SECRET not in r.text() for r in pages)
    texts = [f for f in frames if isinstance(f, str)]
    assert any('"live"' in t for t in texts) and not any(STREAM_SECRET in t for t in texts)
    context.close()

    wait_until(
        lambda: AuditEntry.objects.filter(action=ENDED, object_id=str(camera.pk)).exists(),
        20,
        "the viewing's end in the audit trail",
    )
    start = AuditEntry.objects.get(action=STARTED, object_id=str(camera.pk))
    end = AuditEntry.objects.get(action=ENDED, object_id=str(camera.pk))
    assert start.actor_id == end.actor_id == officer.pk
    assert end.changes["viewing"] == start.changes["viewing"]
    assert end.changes["from"] == start.changes["from"] < end.changes["to"]
    assert STREAM_SECRET not in str(start.changes) + str(end.changes)


def test_three_viewers_share_one_camera_connection_that_ends_when_they_leave(
    browser, asgi_server, rtsp_camera, site, officer
):
    camera = rtsp_camera_row(site, rtsp_camera, code="live-02")
    rtsp_camera.wait_for(lambda s: s.open_clients == 0)
    before = rtsp_camera.connections
    contexts = []
    for username in (officer.username, officer.username, officer.username):
        context = browser.new_context()
        watch(log_in(context, asgi_server, username), asgi_server, camera)
        contexts.append(context)
    assert rtsp_camera.connections - before == 1
    assert rtsp_camera.open_clients == 1
    for context in contexts:
        context.close()
    rtsp_camera.wait_for(lambda s: s.open_clients == 0, timeout=IDLE_S + 10)
    assert rtsp_camera.connections - before == 1


def test_an_mjpeg_camera_plays_in_the_same_view(browser, asgi_server, site, officer):
    need(shutil.which("ffmpeg") is not None, "ffmpeg is not installed (apt install ffmpeg)")
    with CameraServer(clip_frames(), password=STREAM_SECRET, fps=10, loops=1000) as server:
        camera = services.camera_save(
            actor="test",
            camera=Camera(
                station=site.station,
                site=site,
                code="mjpeg-01",
                name="MJPEG",
                lat=16.5447,
                lng=104.7258,
                stream_url=f"{server.base}/stream.mjpg",
                username="admin",
                password=STREAM_SECRET,
            ),
        )
        context = browser.new_context()
        page = log_in(context, asgi_server, officer.username)
        page.goto(f"{asgi_server.url}/cctv/cameras/{camera.pk}/live/")
        wait_until(lambda: tile_state(page) == "live", 30, "the MJPEG tile to go live")
        tile = "document.querySelector('.live-tile').dataset.frames || 0"

        def frames() -> int:
            return int(page.evaluate(tile))

        wait_until(lambda: frames() > 5, 20, "MJPEG frames to arrive")
        png = page.locator(".live-tile img").screenshot()
        image = cv2.resize(cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR), SIZE)
        assert nearest_clip_frame(image)[1] < 12
        context.close()


def test_a_camera_that_stops_shows_reconnecting_then_offline_and_comes_back_by_itself(
    browser, asgi_server, rtsp_camera, site, officer
):
    camera = rtsp_camera_row(site, rtsp_camera, code="live-03")
    context = browser.new_context()
    page = log_in(context, asgi_server, officer.username)
    watch(page, asgi_server, camera)
    rtsp_camera.stop()
    try:
        wait_until(lambda: tile_state(page) == "reconnecting", 20, "the tile to say reconnecting")
        label = page.locator(".live-state").inner_text()
        wait_until(lambda: tile_state(page) == "offline", 20, "the tile to say offline")
        assert page.locator(".live-state").inner_text() != label
    finally:
        rtsp_camera.start()
    wait_until(lambda: tile_state(page) == "live", 30, "the tile to come back")
    played = current_time(page)
    wait_until(lambda: current_time(page) > played + 0.5, 30, "the video to play again")
    context.close()


def test_the_camera_wall_plays_a_grid_of_cameras(browser, asgi_server, rtsp_camera, site, officer):
    one = rtsp_camera_row(site, rtsp_camera, code="wall-01")
    two = rtsp_camera_row(site, rtsp_camera, code="wall-02")
    context = browser.new_context()
    page = log_in(context, asgi_server, officer.username)
    page.goto(f"{asgi_server.url}/cctv/wall/?size=4&camera={one.pk}&camera={two.pk}")
    states = "Array.from(document.querySelectorAll('.live-tile')).map(t => t.dataset.state)"
    wait_until(lambda: page.evaluate(states) == ["live", "live"], 30, "both tiles to go live")
    context.close()


def test_no_live_view_set_while_watching_closes_the_tile_at_once_with_the_reason(
    browser, asgi_server, rtsp_camera, site, officer, supervisor
):
    import re

    from django.conf import settings
    from django.test import Client

    camera = rtsp_camera_row(site, rtsp_camera, code="live-04")
    context = browser.new_context()
    page = log_in(context, asgi_server, officer.username)
    watch(page, asgi_server, camera)

    # The supervisor closes the camera through the web server the officer watches on.
    client = Client()
    client.force_login(supervisor)
    desk = browser.new_context()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    desk.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_server.url}]
    )
    url = f"{asgi_server.url}/cctv/cameras/{camera.pk}/edit/"
    form_page = desk.request.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.text())[1]
    form = {
        "csrfmiddlewaretoken": token,
        "site": camera.site_id,
        "code": camera.code,
        "name": camera.name,
        "lat": camera.lat,
        "lng": camera.lng,
        "direction_deg": 90,
        "fov_deg": 70,
        "range_m": 30,
        "stream_url": camera.stream_url,
        "username": camera.username,
        "live_view_blocked": "on",
        "live_view_blocked_reason": "หันเข้าห้องน้ำของร้าน",
    }
    answer = desk.request.post(url, form=form, headers={"Referer": url}, max_redirects=0)
    errors = re.findall(r'class="errorlist[^>]*>(.*?)</ul>', answer.text(), re.S)
    assert answer.status == 302, errors

    wait_until(lambda: tile_state(page) == "refused", 10, "the tile to be closed")
    assert "หันเข้าห้องน้ำของร้าน" in page.locator(".live-reason").inner_text()
    wait_until(
        lambda: AuditEntry.objects.filter(action=ENDED, object_id=str(camera.pk)).exists(),
        10,
        "the viewing's end in the audit trail",
    )
    end = AuditEntry.objects.get(action=ENDED, object_id=str(camera.pk))
    assert end.changes["ended_by"] == "live_view_blocked"
    context.close()
    desk.close()
