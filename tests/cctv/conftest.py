from datetime import timedelta

import pytest
from django.utils import timezone

from cctv import services
from cctv.models import Camera, CameraSite, WatchlistEntry
from smartzone.models import OfficerProfile
from tests.cctv import faces
from tests.conftest import make_officer

STREAM_SECRET = "s3cr3t-Pa55word"  # noqa: S105


@pytest.fixture(autouse=True)
def camera_network(settings):
    """The loopback servers standing in for cameras are the station's camera network here."""
    settings.CAMERA_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.CCTV_PRIVATE_ROOT = tmp_path / "private"
    return settings.CCTV_PRIVATE_ROOT


@pytest.fixture
def second_supervisor(station):
    return make_officer("erin", station, OfficerProfile.Role.SUPERVISOR)


@pytest.fixture
def site(station):
    return services.camera_site_save(
        actor="test",
        site=CameraSite(station=station, name="ตลาดอินโดจีน ประตู 1", lat=16.5447, lng=104.7258),
    )


@pytest.fixture
def camera(site):
    return services.camera_save(
        actor="test",
        camera=Camera(
            station=site.station,
            site=site,
            code="cam-01",
            name="Market gate 1",
            lat=16.5447,
            lng=104.7258,
            direction_deg=90,
            fov_deg=70,
            stream_url=f"rtsp://admin:{STREAM_SECRET}@127.0.0.1:1/stream1",
            snapshot_url="http://127.0.0.1:1/snapshot.jpg",
        ),
    )


@pytest.fixture
def other_camera(site):
    return services.camera_save(
        actor="test",
        camera=Camera(
            station=site.station,
            site=site,
            code="cam-02",
            name="Market gate 2",
            lat=16.5448,
            lng=104.7259,
        ),
    )


def make_entry(station, requester, *, name="Eileen Collins", category="wanted", days=30):
    return services.watchlist_entry_create(
        actor=requester,
        station=station,
        name=name,
        category=category,
        legal_basis="หมายจับ 123/2569",
        valid_until=timezone.localdate() + timedelta(days=days),
    )


@pytest.fixture
def entry_a(station, supervisor, second_supervisor) -> WatchlistEntry:
    """Person A on the watchlist, with one photo (another view of A than the clips show),
    approved by another supervisor."""
    entry = make_entry(station, supervisor)
    services.enrollment_photo_add(
        actor=supervisor,
        entry=entry,
        filename="a.jpg",
        data=faces.jpeg(faces.person_a_enrollment()),
    )
    return services.watchlist_entry_approve(actor=second_supervisor, entry=entry)
