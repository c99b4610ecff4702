"""Fixtures of the dispatch tests: a kiosk and its SOS, a shift on now with two officers whose
phones shared positions near it (alice 100 m away, dave 300 m), and a report."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patrol import services as patrol_services
from patrol.models import PatrolShift
from smartzone.geo import WGS84
from sos import services as sos_services
from tests.conftest import make_officer

KIOSK = (16.5453, 104.7248)


def offset(lat: float, lng: float, metres: float, azimuth: float = 0.0) -> tuple[float, float]:
    lng2, lat2, _ = WGS84.fwd(lng, lat, azimuth, metres)
    return lat2, lng2


def share(officer, metres: float, *, at=None, azimuth: float = 0.0):
    lat, lng = offset(*KIOSK, metres, azimuth)
    return patrol_services.position_report(
        actor=officer, lat=lat, lng=lng, accuracy_m=5, at=at or timezone.now()
    )


@pytest.fixture
def dave(station):
    return make_officer("dave", station)


@pytest.fixture
def shift(station, officer, dave):
    now = timezone.now()
    shift = PatrolShift.objects.create(
        station=station,
        name="กะดึก",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=4),
    )
    shift.officers.set([officer, dave])
    return shift


@pytest.fixture
def positions(shift, officer, dave):
    share(officer, 100)
    share(dave, 300, azimuth=90)
    return shift


@pytest.fixture
def kiosk(station):
    return sos_services.kiosk_create(
        actor="test",
        station=station,
        name="ตู้ SOS ตลาดอินโดจีน",
        serial="K-001",
        lat=KIOSK[0],
        lng=KIOSK[1],
    )[0]


@pytest.fixture
def sos(kiosk):
    return sos_services.sos_receive(kiosk=kiosk, client_event_id="d-1")[0]
