"""Retention: old crops go, crops linked to an incident stay (item 8 of the issue)."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from cctv import analysis
from cctv.models import AnalysisJob, FaceMatch
from cctv.tasks import matches_purge

pytestmark = pytest.mark.django_db


def make_match(job, entry, frame):
    return analysis.match_record(
        job_id=job.pk,
        entry_id=entry.pk,
        track_start_frame=frame,
        offset_s=1.0,
        distance=0.3,
        score=0.7,
        crop=np.full((60, 50, 3), 128, np.uint8),
    )


@pytest.fixture
def job(station, officer, camera):
    job = AnalysisJob.objects.create(
        station=station, kind="clip", camera=camera, purpose="x", created_by=officer
    )
    return job


def test_purge_removes_old_crops_and_keeps_recent_and_incident_linked_ones(
    settings, station, officer, job, entry_a, django_capture_on_commit_callbacks
):
    settings.CCTV_MATCH_RETENTION_DAYS = 30
    old, linked, recent = (make_match(job, entry_a, f) for f in (1, 2, 3))
    analysis.match_review(actor=officer, match=linked, decision="confirmed", note="ตรงกัน")
    analysis.match_link_incident(actor=officer, match=linked, incident_id=42)
    long_ago = timezone.now() - timedelta(days=31)
    FaceMatch.objects.filter(pk__in=[old.pk, linked.pk]).update(created_at=long_ago)
    storage = old.crop.storage
    assert storage.exists(old.crop.name)

    with django_capture_on_commit_callbacks(execute=True):
        assert matches_purge() == 1

    assert set(FaceMatch.objects.values_list("pk", flat=True)) == {linked.pk, recent.pk}
    assert not storage.exists(old.crop.name)
    assert storage.exists(linked.crop.name) and storage.exists(recent.crop.name)


def test_the_retention_period_is_a_setting(settings, job, entry_a):
    match = make_match(job, entry_a, 1)
    FaceMatch.objects.filter(pk=match.pk).update(created_at=timezone.now() - timedelta(days=8))
    settings.CCTV_MATCH_RETENTION_DAYS = 10
    assert matches_purge() == 0
    settings.CCTV_MATCH_RETENTION_DAYS = 7
    assert matches_purge() == 1


def test_only_a_confirmed_match_can_open_an_incident(officer, job, entry_a):
    from django.core.exceptions import PermissionDenied

    match = make_match(job, entry_a, 1)
    with pytest.raises(PermissionDenied):
        analysis.match_link_incident(actor=officer, match=match, incident_id=1)
