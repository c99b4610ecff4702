from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from incidents.models import Report
from sos.models import SosEvent
from tests.incidents.conftest import categories, theft  # noqa: F401 (fixtures)

MARKET = (16.5447, 104.7256)  # in the zone
RIVERSIDE = (16.5490, 104.7210)  # about 550 m north-west of it


@pytest.fixture(autouse=True)
def _private_files_in_tmp(settings, tmp_path):
    """Report PDFs go to this test's own folder, not the checkout's data/."""
    settings.DATA_DIR = tmp_path


def at(text: str) -> datetime:
    """A local (Asia/Bangkok) time from 'YYYY-MM-DD HH:MM'."""
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def seed_report(station, category, when: datetime, where=MARKET, *, zone=None, **minutes):
    """A report received at WHEN; MINUTES (triaged, on_scene, resolved, rejected) after it."""
    report = Report.objects.create(
        station=station,
        zone=zone,
        category=category,
        description="seeded",
        lat=where[0],
        lng=where[1],
    )
    stamps = {f"{name}_at": when + timedelta(minutes=m) for name, m in minutes.items()}
    state = Report.State.NEW
    for name, value in (
        ("triaged", Report.State.TRIAGED),
        ("on_scene", Report.State.ON_SCENE),
        ("resolved", Report.State.RESOLVED),
        ("rejected", Report.State.REJECTED),
    ):
        if name in minutes:
            state = value
    Report.objects.filter(pk=report.pk).update(created_at=when, state=state, **stamps)
    report.refresh_from_db()
    return report


def seed_sos(station, when: datetime, where=MARKET, **minutes):
    stamps = {f"{name}_at": when + timedelta(minutes=m) for name, m in minutes.items()}
    return SosEvent.objects.create(
        station=station,
        source=SosEvent.Source.PUBLIC,
        lat=where[0],
        lng=where[1],
        received_at=when,
        state=SosEvent.State.CLOSED if "closed" in minutes else SosEvent.State.RECEIVED,
        **stamps,
    )
