from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from patrol import services
from patrol.models import PatrolPoint
from patrol.tokens import make_token
from smartzone.geo import WGS84

BANGKOK = ZoneInfo("Asia/Bangkok")
MARKET = (16.5447, 104.7258)
NIGHT_MARKET = (16.5418, 104.7252)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BANGKOK)


def offset(lat: float, lng: float, metres: float, azimuth: float = 0.0) -> tuple[float, float]:
    """Return the point METRES from (LAT, LNG) towards AZIMUTH (degrees from north)."""
    lng2, lat2, _ = WGS84.fwd(lng, lat, azimuth, metres)
    return lat2, lng2


def make_point(station, name, lat, lng, **extra) -> PatrolPoint:
    return services.point_save(
        actor="test",
        point=PatrolPoint(
            station=station, name=name, lat=lat, lng=lng, kind=extra.pop("kind", "market"), **extra
        ),
    )


def checkin_path(point: PatrolPoint) -> str:
    return reverse("patrol:checkin", args=[make_token(point)])


@pytest.fixture
def point(station):
    return make_point(station, "ตู้แดง ตลาดอินโดจีน", *MARKET)


@pytest.fixture
def night_point(station):
    return make_point(station, "ตู้แดง ตลาดไนท์บาซาร์", *NIGHT_MARKET)


@pytest.fixture
def other_point(other_station):
    return make_point(other_station, "ตู้แดง ร้านทองดอนตาล", 16.405, 104.805, kind="gold_shop")
