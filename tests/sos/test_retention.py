"""Retention of SOS callback phones and snapshots: closed long enough goes, open stays."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from smartzone.models import AuditEntry
from sos import services
from sos.models import SosEvent
from sos.tasks import personal_data_purge

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(station):
    made = {}
    for name in ("open", "old", "recent"):
        sos = services.sos_public_raise(
            station=station, lat=16.5453, lng=104.7248, callback_phone="0899999999"
        )
        sos.snapshot.save(f"{name}.jpg", ContentFile(b"\xff\xd8 not really a jpeg"))
        made[name] = sos
    long_ago = timezone.now() - timedelta(days=400)
    SosEvent.objects.filter(pk=made["open"].pk).update(received_at=long_ago)
    SosEvent.objects.filter(pk=made["old"].pk).update(state="closed", closed_at=long_ago)
    SosEvent.objects.filter(pk=made["recent"].pk).update(
        state="closed", closed_at=timezone.now() - timedelta(days=3)
    )
    return made


def test_closed_sos_past_retention_lose_phone_and_snapshot_and_open_ones_keep_them(
    settings, events, django_capture_on_commit_callbacks
):
    settings.RETENTION_REPORTER_CONTACT_DAYS = 180
    settings.RETENTION_REPORT_PHOTO_DAYS = 365
    storage = events["old"].snapshot.storage
    old_name = events["old"].snapshot.name
    with django_capture_on_commit_callbacks(execute=True):
        assert personal_data_purge() == {"contacts": 1, "snapshots": 1}
    for sos in events.values():
        sos.refresh_from_db()
    assert events["old"].callback_phone == "" and not events["old"].snapshot
    assert not storage.exists(old_name)
    for kept in ("open", "recent"):
        assert events[kept].callback_phone == "0899999999"
        assert storage.exists(events[kept].snapshot.name)
    entry = AuditEntry.objects.get(action="sos.contacts_purged")
    assert entry.changes["ids"] == [events["old"].pk] and "0899999999" not in str(entry.changes)
    assert AuditEntry.objects.get(action="sos.snapshots_purged").changes["count"] == 1


def test_a_second_run_finds_nothing_and_writes_no_entry(settings, events):
    settings.RETENTION_REPORTER_CONTACT_DAYS = 180
    personal_data_purge()
    before = AuditEntry.objects.count()
    assert personal_data_purge() == {"contacts": 0, "snapshots": 0}
    assert AuditEntry.objects.count() == before
