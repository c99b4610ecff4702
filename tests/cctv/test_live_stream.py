"""A watch job on a live MJPEG-over-HTTP stream raises the alert while it plays (item 4)."""

import threading
import time

import pytest
from django.db import connection

from cctv import analysis
from cctv.models import AnalysisJob, Camera, FaceMatch
from cctv.tasks import analyse_job
from tests.cctv import faces
from tests.cctv.servers import CameraServer


def _run_in_thread(job_id: int) -> threading.Thread:
    def target():
        try:
            analyse_job(job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_watch_job_raises_the_alert_while_the_stream_plays(station, officer, site, entry_a):
    # A for 3 s, then B for 3 s, over and over: about 10 minutes of stream in all.
    frames = [faces.frame_of(faces.person_a(), 40 + i) for i in range(30)]
    frames += [faces.frame_of(faces.person_b(), 100 - i) for i in range(30)]
    with CameraServer(frames, fps=10, loops=100) as server:
        camera = Camera(
            station=station,
            site=site,
            code="live-1",
            name="Live",
            lat=16.5447,
            lng=104.7258,
            stream_url=f"{server.base}/stream.mjpg",
        )
        from cctv import services

        camera = services.camera_save(actor="test", camera=camera)
        job = analysis.job_create(
            actor=officer,
            station=station,
            kind="watch",
            purpose="เฝ้าดูกล้อง",
            camera=camera,
            watch_minutes=10,
            enqueue=False,
        )
        thread = _run_in_thread(job.pk)
        deadline = time.monotonic() + 90
        while not FaceMatch.objects.filter(job=job).exists():
            assert thread.is_alive(), AnalysisJob.objects.get(pk=job.pk).reason
            assert time.monotonic() < deadline, "no alert within 90 s of stream"
            time.sleep(0.2)
        playing = server.frames_sent < len(frames) * server.loops
        analysis.job_cancel(actor=officer, job=job)
        thread.join(timeout=60)
    assert playing
    assert not thread.is_alive()
    job.refresh_from_db()
    assert job.state == AnalysisJob.State.CANCELLED
    matches = list(FaceMatch.objects.filter(job=job))
    assert {m.entry_id for m in matches} == {entry_a.pk}
    assert all(m.camera_id == camera.pk for m in matches)
    assert job.progress_done > 0
