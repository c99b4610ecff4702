"""A damaged clip keeps what it showed before it broke (issue 17, item 4)."""

from pathlib import Path

import numpy as np
import pytest

from cctv import services
from cctv.models import AnalysisJob, FaceMatch
from tests.cctv import faces
from tests.cctv.conftest import make_entry
from tests.cctv.test_analyse_job import run_clip

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry_biden(station, supervisor, second_supervisor):
    entry = make_entry(station, supervisor, name="Joe Biden")
    for n in (1, 2):
        services.enrollment_photo_add(
            actor=supervisor,
            entry=entry,
            filename=f"{n}.jpg",
            data=faces.photo_bytes("joe_biden", n),
        )
    return services.watchlist_entry_approve(actor=second_supervisor, entry=entry)


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    """Joe Biden walks through the first 8 frames (5 fps); 12 empty frames follow."""
    biden = faces.photo("joe_biden", 3)
    frames = faces.walk([(biden, 100, 200, 80)], 8, (640, 360)) + faces.walk([], 12, (640, 360))
    path = Path(tmp_path_factory.mktemp("partial")) / "walk.mp4"
    return faces.write_clip(path, frames, fps=5).read_bytes()


def test_a_clip_with_a_corrupted_middle_keeps_the_alert_from_its_start(
    station, officer, camera, entry_biden, clip, client
):
    data = bytearray(clip)
    middle, length = len(data) // 2, len(data) // 6
    data[middle : middle + length] = (
        np.random.default_rng(1).integers(0, 256, length, np.uint8).tobytes()
    )
    job = run_clip(station, officer, camera, bytes(data), "walk.mp4")
    assert job.state == AnalysisJob.State.PARTIAL, job.reason
    assert 8 <= job.broke_at_frame < 20
    match = FaceMatch.objects.get(job=job)
    assert match.entry == entry_biden and match.tier == FaceMatch.Tier.STRONG
    assert match.frames >= 3
    assert job.face_counts["compared"] == 1

    client.force_login(officer)
    page = client.get(f"/cctv/jobs/{job.pk}/").content.decode()
    assert "วิเคราะห์ได้บางส่วน" in page and f"เฟรมที่ {job.broke_at_frame}" in page
    assert "ใบหน้าที่พบ" in page
    # Why it broke, in Thai under the Thai line, not the pipeline's English.
    assert job.reason not in page and "ถอดรหัสเฟรม" in page
    api = client.get(f"/api/v1/cctv/jobs/{job.pk}/").json()
    assert api["state"] == "partial" and api["broke_at_frame"] == job.broke_at_frame
    assert api["face_counts"] == {"compared": 1}
    assert api["reason"] == job.reason and "ถอดรหัสเฟรม" in api["reason_text"]


def test_a_truncated_upload_is_an_unreadable_file_not_an_unreachable_stream(
    station, officer, camera, entry_biden, clip, client
):
    job = run_clip(station, officer, camera, clip[: len(clip) * 2 // 3], "walk.mp4")
    assert job.state == AnalysisJob.State.FAILED
    assert job.reason.startswith("unreadable file")
    assert "stream" not in job.reason
    client.force_login(officer)
    page = client.get(f"/cctv/jobs/{job.pk}/").content.decode()
    assert "อ่านไฟล์ไม่ได้" in page and job.reason not in page
