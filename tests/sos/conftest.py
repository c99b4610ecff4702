import json

import pytest

from sos import services
from sos.signing import signed_headers

EVENTS_PATH = "/api/v1/sos/events/"
HEARTBEATS_PATH = "/api/v1/sos/heartbeats/"


@pytest.fixture
def kiosk_and_secret(station):
    return services.kiosk_create(
        actor="test",
        station=station,
        name="ตู้ SOS ตลาดอินโดจีน",
        serial="K-001",
        lat=16.5453,
        lng=104.7248,
    )


@pytest.fixture
def kiosk(kiosk_and_secret):
    return kiosk_and_secret[0]


@pytest.fixture
def other_kiosk(other_station):
    return services.kiosk_create(
        actor="test", station=other_station, name="Other kiosk", serial="K-900", lat=16.0, lng=104.0
    )[0]


def signed_post(client, kiosk, data, *, path=EVENTS_PATH, secret=None, timestamp=None, raw=None):
    body = raw if raw is not None else json.dumps(data).encode()
    headers = signed_headers(secret or kiosk.secret, kiosk.serial, path, body, timestamp=timestamp)
    return client.post(path, body, content_type="application/json", **headers)


@pytest.fixture(autouse=True)
def no_rate_limits_left(fresh_rate_limits):
    """Every SOS test starts with no rate-limit counts (refused kiosk requests are counted)."""
