"""A live watch's window is wall-clock time from its first start: a worker restart resumes what
is left of it (issue 22, item 4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cctv import analysis, tasks
from cctv.models import AnalysisJob


def _watch(officer, camera, minutes: int, started_s_ago: float) -> AnalysisJob:
    job = analysis.job_create(
        actor=officer,
        station=camera.station,
        kind=AnalysisJob.Kind.WATCH,
        purpose="เฝ้าดูกล้อง",
        camera=camera,
        watch_minutes=minutes,
        enqueue=False,
    )
    AnalysisJob.objects.filter(pk=job.pk).update(
        state=AnalysisJob.State.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(seconds=started_s_ago),
        heartbeat_at=timezone.now() - timedelta(hours=1),
        frames_dropped=7,
        seconds_lost=12.5,
        reconnects=2,
    )
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_resumed_watch_watches_what_is_left_and_adds_to_its_figures(officer, camera):
    job = _watch(officer, camera, 1, 45)
    assert job.pk in analysis.jobs_stale()
    report = tasks._LiveReport(job)
    assert report.total == 60
    assert 14 < report.remaining <= 15
    assert report.base == job.started_at.timestamp()
    assert (report.dropped0, report.lost0, report.reconnects0) == (7, 12.5, 2)


@pytest.mark.django_db
def test_a_watch_whose_window_ended_while_its_worker_was_dead_ends_done(officer, camera):
    job = _watch(officer, camera, 1, 120)
    assert tasks.analyse_job(job.pk) == "done"
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.DONE and not job.reason and job.attempts == 2
