"""Window jobs (a camera, a time window): resumed when their message is lost, started late
they watch only what is left; progress stays off the dashboard feed (items 7 and 8)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cctv import analysis, services, tasks
from cctv.models import AnalysisJob, Camera
from smartzone.models import Event
from tests.cctv import faces
from tests.cctv.servers import CameraServer

pytestmark = pytest.mark.django_db


def window_job(station, camera, start, end):
    """A queued window job whose window is START..END from now (seconds); created while the
    window is open or ahead, then moved, as if time had passed."""
    now = timezone.now()
    job = AnalysisJob.objects.create(
        station=station,
        kind=AnalysisJob.Kind.WINDOW,
        camera=camera,
        purpose="ช่วงเวลาเกิดเหตุ",
        window_start=now + timedelta(seconds=start),
        window_end=now + timedelta(seconds=end),
    )
    return job


def test_a_queued_window_job_whose_window_opened_long_ago_is_resumed(settings, station, camera):
    settings.CCTV_JOB_STALE_SECONDS = 60
    lost = window_job(station, camera, -600, 600)
    ahead = window_job(station, camera, 300, 900)
    just_opened = window_job(station, camera, -10, 600)
    over = window_job(station, camera, -900, -300)
    assert analysis.jobs_stale() == [lost.pk]
    assert analysis.jobs_window_expire() == [over.pk]
    over.refresh_from_db()
    assert over.state == AnalysisJob.State.FAILED and "window ended" in over.reason
    for job in (lost, ahead, just_opened):
        job.refresh_from_db()
        assert job.state == AnalysisJob.State.QUEUED


def test_a_window_job_delivered_before_its_window_waits_for_it(station, camera, monkeypatch):
    job = window_job(station, camera, 3600, 7200)
    queued = []
    monkeypatch.setattr(
        tasks.analyse_job, "apply_async", lambda args, eta: queued.append((args, eta))
    )
    assert tasks.analyse_job(job.pk) == "waiting"
    assert queued == [((job.pk,), job.window_start)]
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.QUEUED and job.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_a_late_window_job_watches_only_what_is_left_of_its_window(
    station, site, entry_a, monkeypatch
):
    durations = []
    real_read_stream = tasks.read_stream

    def recording_read_stream(url, **kwargs):
        durations.append(kwargs["duration_s"])
        return real_read_stream(url, **kwargs)

    monkeypatch.setattr(tasks, "read_stream", recording_read_stream)
    frames = [faces.frame_of(faces.person_b(), 60) for _ in range(10)]
    with CameraServer(frames, fps=10, loops=50) as server:
        camera = services.camera_save(
            actor="test",
            camera=Camera(
                station=station,
                site=site,
                code="live-w",
                name="Window",
                lat=16.5447,
                lng=104.7258,
                stream_url=f"{server.base}/stream.mjpg",
            ),
        )
        # The window opened 60 s ago and closes in 3 s: a worker picks the job up only now.
        job = window_job(station, camera, -60, 3)
        assert tasks.analyse_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.DONE
    assert len(durations) == 1 and 0 < durations[0] <= 3
    assert job.progress_total == pytest.approx(63, abs=1)
    assert job.percent == 100


def test_a_window_job_run_after_its_window_fails_with_the_reason(station, camera):
    job = window_job(station, camera, -120, -1)
    assert tasks.analyse_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.FAILED and "window ended" in job.reason


def test_progress_is_stored_for_the_job_page_but_sends_no_event(station, camera):
    job = window_job(station, camera, -1, 600)
    analysis.job_start(job_id=job.pk)
    before = Event.objects.count()
    for second in range(5):
        assert analysis.job_progress(job_id=job.pk, done=second, total=601, resume_from=second)
    job.refresh_from_db()
    assert job.progress_done == 4 and job.heartbeat_at
    assert Event.objects.count() == before
    assert not Event.objects.filter(kind="cctv.job.progress").exists()


def test_a_window_job_whose_worker_died_ends_done_once_its_window_closed(station, camera):
    job = window_job(station, camera, -120, -1)
    AnalysisJob.objects.filter(pk=job.pk).update(
        state=AnalysisJob.State.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(seconds=120),
        heartbeat_at=timezone.now() - timedelta(hours=1),
        progress_done=60,
        progress_total=119,
    )
    assert tasks.analyse_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.DONE and job.attempts == 2 and not job.reason
