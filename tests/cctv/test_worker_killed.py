"""A real Celery worker killed mid-job: the job is resumed and ends once, no duplicate alert
(item 5). Broker from settings: the filesystem transport by default, Redis with REDIS_URL."""

import signal
import sys

import pytest

from cctv import analysis, services
from cctv.models import AnalysisJob, FaceMatch
from cctv.pipeline import analyse_frames, read_clip
from cctv.tasks import jobs_resume_stale
from smartzone.models import AuditEntry
from tests.cctv import faces
from tests.conftest import need, start_worker, stop_process, wait_until

STALE_SECONDS = 3


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_was_killed_ends_once_without_duplicate_alerts(
    settings, tmp_path, station, officer, camera, entry_a
):
    need(sys.platform.startswith("linux"), "needs POSIX signals")
    settings.CCTV_PRIVATE_ROOT = None  # the worker and this test share DATA_DIR/private
    settings.CCTV_JOB_STALE_SECONDS = STALE_SECONDS
    # A for 2 s (swaying, so that each sampled frame is new evidence), nobody for 2 s, 25
    # times: 25 appearances in 100 s of video.
    a_frames = [faces.frame_of(faces.person_a(), 40 + (i % 10) * 6, (480, 360)) for i in range(50)]
    empty = faces.frame_of(faces.no_face(), 40, size=(480, 360))
    frames = (a_frames + [empty] * 50) * 25
    path = faces.write_clip(tmp_path / "long.mp4", frames)
    expected = {
        a.start_frame
        for a in analyse_frames(
            read_clip(str(path)), services.matcher_for_station(station.pk), max_gap=5
        )
    }
    assert len(expected) == 25

    worker = start_worker(tmp_path, "first", CCTV_JOB_STALE_SECONDS=str(STALE_SECONDS))
    try:
        job = analysis.job_create(
            actor=officer,
            station=station,
            kind="clip",
            purpose="kill test",
            camera=camera,
            clip_name="long.mp4",
            clip_data=path.read_bytes(),
        )
        wait_until(lambda: FaceMatch.objects.filter(job=job).count() >= 3, 180, "alerts", worker)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
    finally:
        stop_process(worker, grace=20)
    job.refresh_from_db()
    need(job.state == AnalysisJob.State.RUNNING, "the first worker finished before it was killed")
    before = FaceMatch.objects.filter(job=job).count()
    assert 3 <= before < 25

    wait_until(lambda: analysis.jobs_stale() == [job.pk], 30, "the job to be seen as stale")
    assert jobs_resume_stale() == [job.pk]
    worker = start_worker(tmp_path, "second", CCTV_JOB_STALE_SECONDS=str(STALE_SECONDS))
    try:
        wait_until(
            lambda: AnalysisJob.objects.get(pk=job.pk).is_final, 300, "the job to end", worker
        )
    finally:
        stop_process(worker, grace=20)
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.DONE, job.reason
    assert job.attempts == 2 and job.resume_from > 0
    starts = list(FaceMatch.objects.filter(job=job).values_list("track_start_frame", flat=True))
    assert len(starts) == len(set(starts))
    assert set(starts) == expected
    assert AuditEntry.objects.filter(action="cctv.job.done", object_id=str(job.pk)).count() == 1
