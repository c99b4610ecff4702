"""A confirmed match opens an incident through the incidents app; the review page shows the
camera on a map; the dashboard event links to the review page."""

import json

import numpy as np
import pytest

from cctv import analysis
from cctv.models import AnalysisJob, FaceMatch
from incidents.models import Report
from smartzone.models import AuditEntry, Event

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


def test_a_confirmed_match_opens_one_triaged_incident_linked_to_it(
    officer_client, officer, zone, match
):
    analysis.match_review(actor=officer, match=match, decision="confirmed", note="ตรงกับหมายจับ")
    page = officer_client.get(f"/cctv/matches/{match.pk}/")
    assert f"/cctv/matches/{match.pk}/incident/" in page.content.decode()
    response = officer_client.post(f"/cctv/matches/{match.pk}/incident/")
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    match.refresh_from_db()
    assert match.incident_id == report.pk
    assert report.station_id == match.station_id and report.state == Report.State.TRIAGED
    assert (report.lat, report.lng) == (match.camera.lat, match.camera.lng)
    assert match.entry.name in report.description and report.reporter_name == ""
    assert AuditEntry.objects.filter(action="cctv.match.linked", actor=officer).exists()
    assert AuditEntry.objects.filter(action="report.triaged", actor=officer).exists()
    # Asking again opens nothing new.
    officer_client.post(f"/cctv/matches/{match.pk}/incident/")
    assert Report.objects.count() == 1
    page = officer_client.get(f"/cctv/matches/{match.pk}/").content.decode()
    assert f"/reports/{report.pk}/" in page


def test_a_candidate_or_dismissed_match_opens_no_incident(officer_client, officer, zone, match):
    response = officer_client.post(f"/cctv/matches/{match.pk}/incident/")
    assert response.status_code == 302 and response["Location"] == f"/cctv/matches/{match.pk}/"
    analysis.match_review(actor=officer, match=match, decision="dismissed", note="คนละคน")
    officer_client.post(f"/cctv/matches/{match.pk}/incident/")
    assert not Report.objects.exists()
    match.refresh_from_db()
    assert match.incident_id is None


def test_another_stations_officer_cannot_open_an_incident(other_officer_client, officer, match):
    analysis.match_review(actor=officer, match=match, decision="confirmed", note="ใช่")
    assert other_officer_client.post(f"/cctv/matches/{match.pk}/incident/").status_code == 404
    assert not Report.objects.exists()


def test_the_review_page_puts_the_camera_on_a_map(officer_client, match):
    page = officer_client.get(f"/cctv/matches/{match.pk}/").content.decode()
    assert 'id="cctv-match-map"' in page and "cctv/review.js" in page
    start = page.index('id="cctv-match-config"')
    config = json.loads(page[page.index(">", start) + 1 : page.index("</script>", start)])
    camera = match.camera
    assert (config["lat"], config["lng"]) == (camera.lat, camera.lng)
    assert config["direction_deg"] == camera.direction_deg
    assert "stream" not in json.dumps(config)


def test_the_dashboard_event_of_a_match_carries_its_review_url(match):
    event = Event.objects.get(kind="cctv.match")
    assert event.payload["url"] == f"/cctv/matches/{match.pk}/"
    assert FaceMatch.objects.get().pk == match.pk
