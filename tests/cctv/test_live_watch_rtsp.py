"""Live watches of real RTSP cameras (issue 22): they keep up with live, stamp alerts with the
capture time, keep people's tracks apart, go on when the camera drops, and say why a camera
does not play.

One loopback RTSP server (Debian's GStreamer RTSP server) serves a 1280x720 street at 10 fps
behind a digest login, in a 10 s loop encoded once beforehand (tests/rtsp; it keeps real time
on a busy machine) and in phase with the wall clock: person B (Joe Biden, not listed) walks in
at 0-2 s, nobody at 2-5 s, then listed person A (Barack Obama, enrolled from two other photos)
at the same place at 5-7.5 s, nobody after (real photos from tests/cctv/photos). So A appears
every 10 s, 3 s after someone else stood where A stands. A watch starts just after A has left
(the loop's phase is the wall clock's), so the number of appearances it must find is known.
"""

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cctv import analysis, services, tasks
from cctv.models import AnalysisJob, Camera, FaceMatch
from cctv.pipeline import analyse as analyse_module
from tests.cctv import faces
from tests.cctv.conftest import make_entry
from tests.conftest import wait_until
from tests.rtsp import RtspServer, frames_launch, need_rtsp, write_frames

pytestmark = pytest.mark.rtsp

FPS, LOOP_S, A_AT_S, A_FOR_S, B_FOR_S = 10, 10.0, 5.0, 2.5, 2.0
SIZE, FACE_PX, AT = (1280, 720), 110, (480, 220)  # where both walk in; face width
A, B = "barack_obama", "joe_biden"
USER, PASSWORD = "admin", "cam:pa ss"  # noqa: S105


def _loop_frames() -> list:
    def walking(person: str, step: int):
        x, y = AT[0] + 6 * step, AT[1] + step
        return faces.street_frame([(faces.photo(person, 1), FACE_PX, x, y)], SIZE, quality=85)

    empty = faces.street_frame([], SIZE, quality=85)
    frames = []
    for i in range(int(LOOP_S * FPS)):
        t = i / FPS
        if t < B_FOR_S:
            frames.append(walking(B, i))
        elif A_AT_S <= t < A_AT_S + A_FOR_S:
            frames.append(walking(A, i - int(A_AT_S * FPS)))
        else:
            frames.append(empty)
    return frames


@pytest.fixture(scope="module")
def frame_dir(tmp_path_factory):
    need_rtsp()
    return write_frames(_loop_frames(), tmp_path_factory.mktemp("live-watch"))


@pytest.fixture(scope="module")
def rtsp(frame_dir):
    """The module's camera server: /cam (H.264) and /cam265 (H.265), digest login."""
    server = RtspServer(
        {
            "/cam": frames_launch(frame_dir, fps=FPS, codec="h264", kbps=3000),
            "/cam265": frames_launch(frame_dir, fps=FPS, codec="h265", kbps=3000),
        },
        user=USER,
        password=PASSWORD,
        auth="digest",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def entry_a(station, supervisor, second_supervisor):
    """A on the watchlist, from two photos other than the one the camera shows."""
    entry = make_entry(station, supervisor, name="Barack Obama")
    for number in (2, 3):
        services.enrollment_photo_add(
            actor=supervisor,
            entry=entry,
            filename=f"a{number}.jpg",
            data=faces.photo_bytes(A, number),
        )
    return services.watchlist_entry_approve(actor=second_supervisor, entry=entry)


def _after_a_left(margin: float = 0.1) -> None:
    """Wait (once, under 10 s) until A has just left the view: the loop's phase is the wall
    clock's (tests/rtsp), so B walks in 2.4 s later and A 7.4 s later."""
    phase = time.time() % LOOP_S
    time.sleep((A_AT_S + A_FOR_S + margin - phase) % LOOP_S)


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.CCTV_RECONNECT_SECONDS = 0.5
    settings.CCTV_RECONNECT_MAX_SECONDS = 2.0


@pytest.fixture
def lags(monkeypatch):
    """Every frame's lag behind live as the job saw it: (capture time - base, lag in s)."""
    seen = []
    real = tasks._LiveReport.frame_done

    def frame_done(self, time_s):
        real(self, time_s)
        seen.append((self.base + time_s, self.lags[-1]))

    monkeypatch.setattr(tasks._LiveReport, "frame_done", frame_done)
    return seen


def _camera(site, url: str, code: str) -> Camera:
    camera = Camera(
        station=site.station,
        site=site,
        code=code,
        name=code,
        lat=16.5447,
        lng=104.7258,
        stream_url=url,
    )
    return services.camera_save(actor="test", camera=camera)


def _window_job(officer, camera, seconds: float) -> AnalysisJob:
    now = timezone.now()
    return analysis.job_create(
        actor=officer,
        station=camera.station,
        kind=AnalysisJob.Kind.WINDOW,
        purpose="เฝ้าดูกล้องสด",
        camera=camera,
        window_start=now,
        window_end=now + timedelta(seconds=seconds),
        enqueue=False,
    )


def _run_in_thread(job_id: int, result: list) -> threading.Thread:
    def target():
        try:
            result.append(tasks.analyse_job(job_id))
        finally:
            connection.close()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def _appearances(playing: float, start: float, end: float) -> list[float]:
    """Wall times at which A steps in, between START and END."""
    first = int((start - playing - A_AT_S) // LOOP_S)
    times = [playing + A_AT_S + k * LOOP_S for k in range(first, first + 100)]
    return [t for t in times if start <= t <= end]


def _check_alerts(job, entry, playing, seen, window_end) -> list[float]:
    """Each alert is A, stamped within 1 s of A's step-in (the capture time of the first frame
    A is on), one per appearance; every appearance wholly watched (from the first frame
    analysed to 1 s before the end) has its alert. Return those appearances."""
    matches = list(FaceMatch.objects.filter(job=job).order_by("seen_at"))
    assert matches, job.reason
    assert {m.entry_id for m in matches} == {entry.pk}
    stepped_in = _appearances(playing, seen - LOOP_S, window_end + LOOP_S)
    found = []
    for match in matches:
        at = match.seen_at.timestamp()
        nearest = min(stepped_in, key=lambda t: abs(t - at))
        assert abs(at - nearest) < 1.0, f"alert at {at - nearest:+.2f} s from A stepping in"
        found.append(nearest)
    assert len(found) == len(set(found)), "one alert per appearance"
    whole = [t for t in stepped_in if t >= seen and t + A_FOR_S <= window_end - 1.0]
    assert whole, "the watch saw no whole appearance"
    assert set(whole) <= set(found), (job.face_counts, job.frames_dropped, found, whole)
    return whole


@pytest.fixture
def busy_core():
    """Another process keeping one core busy, as on a shared machine."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield
    proc.kill()
    proc.wait()


@pytest.mark.parametrize("run", [1, 2, 3])
@pytest.mark.django_db(transaction=True)
def test_a_minute_of_live_watch_alerts_all_six_appearances_at_their_capture_time(
    run, rtsp, site, officer, entry_a, lags, busy_core
):
    # Issue 22, test 1: a 60 s stream in which A appears 6 times, another process keeping one
    # core busy, three runs in a row (the parameter): 6 alerts, each within 1 s of capture.
    path = "/cam"
    camera = _camera(site, rtsp.url(path), f"live-{run}")
    _after_a_left()
    job = _window_job(officer, camera, 62)  # A walks in at +7.4, +17.4, ... +57.4 s
    assert tasks.analyse_job(job.pk) == "done"
    job.refresh_from_db()
    whole = _check_alerts(job, entry_a, rtsp.playing[path], lags[0][0], job.window_end.timestamp())
    assert len(whole) == 6
    assert FaceMatch.objects.filter(job=job).count() == 6
    # No backlog builds up (the trial was 25 s behind after 60 s, and growing). The
    # lag's own bound (2 s) is test 2's, without the busy core; here the machine's other work
    # (loads of 10 on 2 cores are seen on the shared machine) starves the watch now and then.
    values = sorted(lag for _, lag in lags)
    assert values[len(values) // 2] < 1.5 and values[-1] < 10.0, values[-5:]
    assert job.lag_ms is not None and job.live_state == ""
    assert job.seconds_lost == 0 and job.reconnects == 0


@pytest.mark.django_db(transaction=True)
def test_a_live_watch_of_an_h265_camera_alerts(rtsp, site, officer, entry_a):
    # Times are checked on H.264 above; this checks that H.265 is read and analysed.
    camera = _camera(site, rtsp.url("/cam265"), "live-h265")
    job = _window_job(officer, camera, 14)
    assert tasks.analyse_job(job.pk) == "done"
    assert {m.entry_id for m in FaceMatch.objects.filter(job=job)} == {entry_a.pk}


@pytest.mark.django_db(transaction=True)
def test_a_slow_analysis_stays_near_live_by_dropping_frames(
    rtsp, site, officer, entry_a, lags, monkeypatch
):
    # Issue 22, test 2: each analysis slower than the 0.2 s between sampled frames.
    real = analyse_module.detect_faces

    def slow_detect(*args, **kwargs):
        time.sleep(0.25)  # each analysis then takes 0.3 s or more: sampled frames are dropped
        return real(*args, **kwargs)

    monkeypatch.setattr(analyse_module, "detect_faces", slow_detect)
    camera = _camera(site, rtsp.url("/cam"), "live-slow")
    _after_a_left()
    job = _window_job(officer, camera, 23)  # A walks in at +7.4 and +17.4 s, for 2.5 s
    assert tasks.analyse_job(job.pk) == "done"
    job.refresh_from_db()
    # While A is in sight every sampled frame is searched (0.3 s or more, for 0.2 s between
    # frames): at least a third of the ~12 frames of each of the two appearances is dropped.
    assert job.frames_dropped >= 6
    assert max(lag for _, lag in lags) < 2.0  # every frame, not most
    end = job.window_end.timestamp()
    whole = _check_alerts(job, entry_a, rtsp.playing["/cam"], lags[0][0], end)
    assert len(whole) >= 2


@pytest.mark.django_db(transaction=True)
def test_two_people_at_the_same_place_3_s_apart_get_their_own_tracks(rtsp, site, officer, entry_a):
    # Issue 22, test 3: B stands where A will stand, and leaves 3 s before A walks in.
    camera = _camera(site, rtsp.url("/cam"), "live-two")
    _after_a_left()
    job = _window_job(officer, camera, 21)  # B at +2.4 and +12.4 s, A at +7.4 and +17.4 s
    assert tasks.analyse_job(job.pk) == "done"
    job.refresh_from_db()
    matches = list(FaceMatch.objects.filter(job=job))
    # Only A is alerted, and at A's own step-in (had A joined B's track, the alert would carry
    # B's start, 5 s earlier, or A would never have been compared).
    assert len(matches) == 2 and {m.entry_id for m in matches} == {entry_a.pk}
    playing = rtsp.playing["/cam"]
    for match in matches:
        phase = (match.seen_at.timestamp() - playing) % LOOP_S
        assert abs(phase - A_AT_S) < 1.0, f"A's alert at {phase:.2f} s into the loop"
    # B's tracks were compared too (at least the whole one at +12.4 s), apart from A's.
    assert job.face_counts["compared"] >= 3, job.face_counts


@pytest.mark.django_db(transaction=True)
def test_a_camera_that_drops_for_10_s_is_reconnected_and_its_alerts_kept(
    frame_dir, site, officer, entry_a
):
    server = RtspServer(
        {"/cam": frames_launch(frame_dir, fps=FPS, codec="h264", kbps=3000)},
        user=USER,
        password=PASSWORD,
        auth="basic",
    )
    server.start()
    try:
        camera = _camera(site, server.url("/cam"), "live-drop")
        job = _window_job(officer, camera, 120)
        result = []
        thread = _run_in_thread(job.pk, result)
        wait_until(lambda: FaceMatch.objects.filter(job=job).exists(), 40, "a first alert")
        first = FaceMatch.objects.get(job=job)
        server.stop()
        dropped_at = time.time()

        def state():
            job.refresh_from_db()
            camera.refresh_from_db()
            return job.live_state

        wait_until(lambda: state() == "reconnecting", 15, "the job reconnecting")
        assert job.state == AnalysisJob.State.RUNNING
        assert camera.status == Camera.Status.RECONNECTING
        assert job.live_reason == "unreachable" and camera.status_reason
        time.sleep(max(0.0, 10 - (time.time() - dropped_at)))  # the camera is down 10 s
        server.start()
        back_at = time.time()
        wait_until(lambda: state() == "live", 30, "the job live again")
        assert camera.status == Camera.Status.ONLINE
        wait_until(
            lambda: FaceMatch.objects.filter(job=job, seen_at__gt=first.seen_at).exists(),
            40,
            "an alert after the camera came back",
        )
        analysis.job_cancel(actor=officer, job=job)
        thread.join(timeout=30)
    finally:
        server.stop()
    assert result == ["cancelled"]
    job.refresh_from_db()
    later = FaceMatch.objects.filter(job=job).exclude(pk=first.pk)
    assert FaceMatch.objects.filter(pk=first.pk).exists()
    assert all(m.seen_at.timestamp() > back_at for m in later)
    assert job.reconnects == 1
    assert 9 < job.seconds_lost < 30


@pytest.mark.django_db(transaction=True)
def test_a_failed_live_watch_keeps_its_alerts(station, camera, officer, entry_a):
    job = _window_job(officer, camera, 60)
    analysis.job_start(job_id=job.pk)
    crop = faces.frame_of(faces.person_a(), 0)[:100, :100]
    match = analysis.match_record(
        job_id=job.pk,
        entry_id=entry_a.pk,
        track_start_frame=3,
        offset_s=1.5,
        distance=0.3,
        score=0.7,
        crop=crop,
    )
    analysis.job_fail(job_id=job.pk, reason="internal error", keep_matches=True)
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.FAILED
    assert FaceMatch.objects.filter(pk=match.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_wrong_password_unknown_path_and_unreachable_port_each_say_why(rtsp, site, officer):
    wrong = _camera(site, rtsp.url("/cam", password="wrong"), "wrong-login")
    unknown = _camera(site, rtsp.url("/nothing-here"), "unknown-path")
    closed = _camera(site, rtsp.url("/cam", port=1), "no-answer")
    said = {}
    for camera in (wrong, unknown):
        job = _window_job(officer, camera, 30)
        assert tasks.analyse_job(job.pk) == "failed"
        job.refresh_from_db()
        camera.refresh_from_db()
        said[camera.code] = (job.live_reason, job.reason, camera.status_reason)
    job = _window_job(officer, closed, 60)
    result = []
    thread = _run_in_thread(job.pk, result)

    def reconnecting():
        job.refresh_from_db()
        return job.live_state == "reconnecting"

    wait_until(reconnecting, 20, "the job retrying an unreachable camera")
    analysis.job_cancel(actor=officer, job=job)
    thread.join(timeout=30)
    closed.refresh_from_db()
    # The watch ended while retrying: the camera is offline, not "reconnecting" any more.
    assert closed.status == Camera.Status.OFFLINE
    said[closed.code] = (job.live_reason, job.get_live_reason_display(), closed.status_reason)
    assert [said[c][0] for c in ("wrong-login", "unknown-path", "no-answer")] == [
        "auth",
        "not_found",
        "unreachable",
    ]
    reasons = {text for codes in said.values() for text in codes[1:]}
    assert len(reasons) == 3  # job and camera say the same, and each camera its own
    for code, _reason, text in said.values():
        assert text == str(AnalysisJob.LiveReason(code).label)
        assert PASSWORD not in text and "wrong" not in text
    # The health probe tells them apart too.
    assert [tasks.probe_camera(c)[1] for c in (wrong, unknown, closed)] == [
        said[c][2] for c in ("wrong-login", "unknown-path", "no-answer")
    ]
