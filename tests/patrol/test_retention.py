"""Retention of officers' positions and check-in photos."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from patrol import services
from patrol.models import CheckIn, OfficerPosition
from patrol.tasks import personal_data_purge
from patrol.tokens import make_token
from smartzone.models import AuditEntry
from tests.patrol.conftest import MARKET

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift(station, supervisor, officer, point):
    now = timezone.now()
    return services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดเช้า",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=5),
        officers=[officer],
        plan={point: 120},
    )


def position(officer, shift, days_ago: int) -> OfficerPosition:
    return OfficerPosition.objects.create(
        officer=officer,
        shift=shift,
        lat=MARKET[0],
        lng=MARKET[1],
        accuracy_m=5,
        reported_at=timezone.now() - timedelta(days=days_ago),
    )


def test_positions_past_retention_are_deleted_and_their_id_range_audited(settings, officer, shift):
    settings.RETENTION_OFFICER_POSITION_DAYS = 30
    old = [position(officer, shift, 40), position(officer, shift, 31)]
    recent = position(officer, shift, 2)
    assert personal_data_purge()["positions"] == 2
    assert list(OfficerPosition.objects.values_list("pk", flat=True)) == [recent.pk]
    entry = AuditEntry.objects.get(action="patrol_position.purged")
    assert entry.changes["id_range"] == [old[0].pk, old[1].pk]
    assert entry.changes["count"] == 2 and entry.changes["officers"] == 1
    assert entry.station_id == shift.station_id
    assert personal_data_purge()["positions"] == 0


def test_check_in_photos_past_retention_are_deleted_and_the_check_in_stays(
    settings, officer, point, django_capture_on_commit_callbacks
):
    settings.RETENTION_CHECKIN_PHOTO_DAYS = 365
    checkins = []
    for days_ago in (400, 10):
        checkin = services.checkin_record(
            actor=officer,
            token=make_token(point),
            lat=MARKET[0],
            lng=MARKET[1],
            accuracy_m=5,
        )
        checkin.photo.save("p.jpg", ContentFile(b"jpeg"))
        CheckIn.objects.filter(pk=checkin.pk).update(
            checked_at=timezone.now() - timedelta(days=days_ago)
        )
        checkins.append(checkin)
    old, recent = checkins
    storage, old_name = old.photo.storage, old.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        assert personal_data_purge()["checkin_photos"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.photo and not storage.exists(old_name)
    assert recent.photo and storage.exists(recent.photo.name)
    entry = AuditEntry.objects.get(action="checkin.photos_purged")
    assert entry.changes["ids"] == [old.pk]
