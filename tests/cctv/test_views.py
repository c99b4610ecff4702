"""The cctv pages: access checks, private media, forms that say what to fix."""

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cctv import analysis
from cctv.models import AnalysisJob, FaceMatch, WatchlistEntry
from smartzone.models import AuditEntry
from tests.cctv import faces

pytestmark = pytest.mark.django_db


@pytest.fixture
def match(station, officer, camera, entry_a):
    job = AnalysisJob.objects.create(
        station=station, kind="clip", camera=camera, purpose="x", created_by=officer
    )
    return analysis.match_record(
        job_id=job.pk,
        entry_id=entry_a.pk,
        track_start_frame=0,
        offset_s=0.0,
        distance=0.2,
        score=0.8,
        crop=np.full((40, 40, 3), 100, np.uint8),
    )


@pytest.mark.parametrize(
    "url",
    ["/cctv/cameras/", "/cctv/watchlist/", "/cctv/jobs/", "/cctv/jobs/new/"],
)
def test_a_citizen_is_refused_and_an_officer_gets_the_page(url, client, citizen, officer):
    client.force_login(citizen)
    assert client.get(url).status_code == 403
    client.force_login(officer)
    assert client.get(url).status_code == 200


def test_the_review_page_shows_the_crop_beside_the_enrollment_photo(officer_client, match):
    response = officer_client.get(f"/cctv/matches/{match.pk}/")
    assert response.status_code == 200
    photo = match.entry.photos.first()
    assert f"/cctv/matches/{match.pk}/crop.jpg" in response.content.decode()
    assert f"/cctv/photos/{photo.pk}.jpg" in response.content.decode()
    crop = officer_client.get(f"/cctv/matches/{match.pk}/crop.jpg")
    assert crop.status_code == 200 and crop["X-Content-Type-Options"] == "nosniff"
    assert b"".join(crop.streaming_content)[:2] == b"\xff\xd8"


def test_private_media_is_refused_to_another_station(other_officer_client, match):
    photo = match.entry.photos.first()
    assert other_officer_client.get(f"/cctv/matches/{match.pk}/crop.jpg").status_code == 404
    assert other_officer_client.get(f"/cctv/photos/{photo.pk}.jpg").status_code == 404
    assert other_officer_client.get(f"/cctv/matches/{match.pk}/").status_code == 404


def test_an_officer_confirms_a_match_with_a_note_and_it_is_audited(officer_client, officer, match):
    response = officer_client.post(
        f"/cctv/matches/{match.pk}/", {"decision": "confirmed", "note": "ตรงกับหมายจับ"}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == FaceMatch.Status.CONFIRMED and match.reviewed_by == officer
    assert AuditEntry.objects.filter(action="cctv.match.confirmed", actor=officer).exists()


def test_dismissing_without_a_note_says_what_to_fix(officer_client, match):
    response = officer_client.post(f"/cctv/matches/{match.pk}/", {"decision": "dismissed"})
    assert response.status_code == 400
    assert "note" in response.context["form"].errors
    match.refresh_from_db()
    assert match.status == FaceMatch.Status.CANDIDATE


def test_a_supervisor_requests_an_entry_and_a_bad_photo_leaves_nothing(supervisor_client):
    data = {
        "name": "Someone",
        "category": "missing",
        "valid_until": "2099-01-01",
        "photo": SimpleUploadedFile("coffee.jpg", faces.jpeg(faces.no_face())),
    }
    response = supervisor_client.post("/cctv/watchlist/new/", data)
    assert response.status_code == 400
    assert not WatchlistEntry.objects.exists()


def test_a_supervisor_requests_an_entry_with_one_face(supervisor_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    data = {
        "name": "Eileen",
        "category": "missing",
        "valid_until": (timezone.localdate() + timedelta(days=20)).isoformat(),
        "photo": SimpleUploadedFile("a.jpg", faces.jpeg(faces.person_a())),
    }
    response = supervisor_client.post("/cctv/watchlist/new/", data)
    assert response.status_code == 302
    entry = WatchlistEntry.objects.get()
    assert entry.status == WatchlistEntry.Status.PENDING and entry.photos.count() == 1
    # The requester's own approval is refused on the page too.
    supervisor_client.post(f"/cctv/watchlist/{entry.pk}/approve/")
    entry.refresh_from_db()
    assert entry.status == WatchlistEntry.Status.PENDING


def test_a_job_form_with_no_clip_says_what_to_fix(officer_client, camera):
    response = officer_client.post(
        "/cctv/jobs/new/", {"kind": "clip", "purpose": "ตรวจ", "camera": camera.pk}
    )
    assert response.status_code == 400
    assert "clip" in response.context["form"].errors
    assert not AnalysisJob.objects.exists()


def test_the_job_page_and_api_show_progress(officer_client, station, officer, camera):
    job = AnalysisJob.objects.create(
        station=station,
        kind="clip",
        camera=camera,
        purpose="x",
        created_by=officer,
        progress_done=5,
        progress_total=10,
        state="running",
    )
    page = officer_client.get(f"/cctv/jobs/{job.pk}/")
    assert page.status_code == 200 and 'id="job-progress"' in page.content.decode()
    api = officer_client.get(f"/api/v1/cctv/jobs/{job.pk}/").json()
    assert api["percent"] == 50 and api["state"] == "running"
