"""Shared fixtures: the roles (like healthchecks' alice/bob/charlie), real servers, a browser.

Tests that need a service this machine may lack call `need(...)`: it skips with the reason, or
fails when SMARTZONE_REQUIRE_SERVICES=1 (CI), so that CI cannot pass by skipping them.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import hypothesis
import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from smartzone import services
from smartzone.demo import ZONE_BOUNDARY
from smartzone.models import Landmark, OfficerProfile, SafetyZone, Station

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery-42"
REQUIRE_SERVICES = os.environ.get("SMARTZONE_REQUIRE_SERVICES") == "1"

# Property tests: CI tries the same examples every run (a red CI then means a change broke
# something, not that the fuzzer got lucky); on a developer's machine they vary and explore.
hypothesis.settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    hypothesis.settings.load_profile("ci")


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    return [
        f"smartzone: database {database['ENGINE'].rsplit('.', 1)[-1]} ({database['NAME']}), "
        f"channel layer {layer}, celery broker {settings.CELERY_BROKER_URL.split('://')[0]}, "
        f"services required: {REQUIRE_SERVICES}"
    ]


# Markers of tests that need a service (pyproject.toml's markers; plugins add others there).
SERVICE_MARKERS = ("browser", "redis", "postgres", "celery", "rtsp")
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database or need a service (CI's second pass: the "
        "others do not depend on the deployment's shape and ran in the first)",
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-tests-only"):
        return
    keep, drop = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") or (
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        needs_service = any(item.get_closest_marker(name) for name in SERVICE_MARKERS)
        (keep if uses_database or needs_service else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def need(condition: bool, reason: str) -> None:
    """Skip (or in CI fail) the test unless CONDITION holds."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"SMARTZONE_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


# --- stations and roles --------------------------------------------------------------------

OTHER_BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [[104.80, 16.40], [104.81, 16.40], [104.81, 16.41], [104.80, 16.41], [104.80, 16.40]]
    ],
}


@pytest.fixture
def station(db):
    return services.station_save(
        actor="test",
        station=Station(code="mukdahan", name="สภ.เมืองมุกดาหาร", lat=16.5466, lng=104.7233),
    )


@pytest.fixture
def other_station(db):
    return services.station_save(
        actor="test", station=Station(code="dontan", name="สภ.ดอนตาล", lat=16.405, lng=104.805)
    )


@pytest.fixture
def zone(station):
    return services.zone_save(
        actor="test",
        zone=SafetyZone(station=station, name="ตลาดอินโดจีน", boundary=ZONE_BOUNDARY),
    )


@pytest.fixture
def other_zone(other_station):
    return services.zone_save(
        actor="test",
        zone=SafetyZone(station=other_station, name="ดอนตาล", boundary=OTHER_BOUNDARY),
    )


@pytest.fixture
def landmark(station, zone):
    return services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=station,
            name="ตลาดอินโดจีน",
            kind=Landmark.Kind.MARKET,
            lat=16.5447,
            lng=104.7258,
        ),
    )


@pytest.fixture
def other_landmark(other_station, other_zone):
    return services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=other_station,
            name="ร้านทองดอนตาล",
            kind=Landmark.Kind.GOLD_SHOP,
            lat=16.405,
            lng=104.805,
        ),
    )


def make_officer(username: str, station: Station, role=OfficerProfile.Role.OFFICER):
    return services.officer_create(
        actor="test", username=username, password=PASSWORD, station=station, role=role
    ).user


@pytest.fixture
def officer(station):
    return make_officer("alice", station)


@pytest.fixture
def supervisor(station):
    return make_officer("charlie", station, OfficerProfile.Role.SUPERVISOR)


@pytest.fixture
def other_officer(other_station):
    return make_officer("bob", other_station)


@pytest.fixture
def other_supervisor(other_station):
    return make_officer("dave", other_station, OfficerProfile.Role.SUPERVISOR)


@pytest.fixture
def other_supervisor_client(client, other_supervisor):
    return _client_for(client, other_supervisor)


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("root", password=PASSWORD)


@pytest.fixture
def citizen(db, django_user_model):
    """Someone with a login but no police role (citizens normally have no account at all)."""
    return django_user_model.objects.create_user("citizen", password=PASSWORD)


def _client_for(client, user):
    client.force_login(user)
    return client


# --- two-factor sign-in (smartzone/auth.py) ---------------------------------------------------


def totp_device(user):
    """USER's confirmed TOTP device, created if missing."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def verified_session(user):
    """A saved session of USER that passed the second factor (for a websocket's scope)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    session = SessionStore()
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return session


def totp_code(key: bytes) -> str:
    """The current 6-digit code for the binary secret KEY (what the phone app shows)."""
    from django_otp.oath import totp

    return f"{totp(key):06d}"


def pass_two_factor(page, username: str) -> None:
    """In a browser, after the password step: enrol or enter the code if the person is asked."""
    import re
    from base64 import b32decode

    from django.contrib.auth import get_user_model

    from smartzone.auth import needs_otp

    if not needs_otp(get_user_model().objects.get(username=username)):
        return
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    if "/setup/" in page.url:
        key = b32decode(page.get_by_test_id("otp-secret").inner_text().strip())
    else:
        key = totp_device(get_user_model().objects.get(username=username)).bin_key
    page.fill("#id_token", totp_code(key))
    page.click("form button.primary")


@pytest.fixture(autouse=True)
def _fresh_memos():
    """Each test reads the memos (smartzone/memo.py) afresh: a rollback sends no signal."""
    from smartzone import memo

    memo.clear_all()
    yield
    memo.clear_all()


@pytest.fixture(autouse=True)
def _no_hubs_of_earlier_tests():
    """Each test starts with no dashboard hubs: one an earlier test left (its event loop is
    gone) would be taken for this test's when the ids of its layer and loop are reused."""
    from smartzone.consumers import StationHub

    StationHub.hubs.clear()


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """client.force_login(user) signs a supervisor or admin in fully, second factor included.

    force_login already skips the password; tests of the two-factor step itself log in through
    the form, or call `raw_force_login`.
    """
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY

    from smartzone.auth import needs_otp

    original = ClientMixin.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if needs_otp(user):
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
            session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
    monkeypatch.setattr(ClientMixin, "raw_force_login", original, raising=False)


@pytest.fixture
def admin_client(client, admin_user):
    """An admin's session that has passed the second factor."""
    return _client_for(client, admin_user)


@pytest.fixture
def officer_client(client, officer):
    return _client_for(client, officer)


@pytest.fixture
def other_officer_client(client, other_officer):
    return _client_for(client, other_officer)


@pytest.fixture
def supervisor_client(client, supervisor):
    return _client_for(client, supervisor)


class FakeClock:
    """Stands in for the `time` module of code under test: time() and monotonic() read NOW,
    sleep() moves it on (and counts SLEPT). monkeypatch.setattr(module, "time", FakeClock())."""

    def __init__(self, now: float = 100.0):
        self.now, self.slept = now, 0.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


# --- real servers ----------------------------------------------------------------------------


class RedisServer:
    """A throwaway redis-server of the test's own, on a free port; stop and start it at will."""

    def __init__(self, binary: str):
        self.binary, self.port, self.proc = binary, free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, proc=self.proc)

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server")
    need(binary is not None, "no redis-server binary on this machine")
    server = RedisServer(binary)
    server.start()
    yield server
    server.stop()


def redis_layer_settings(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": url, "socket_connect_timeout": 2, "socket_timeout": 10}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }


@pytest.fixture
def postgres():
    need(
        connection.vendor == "postgresql", "the test database is not PostgreSQL (set DATABASE_URL)"
    )


def database_url_for_subprocess() -> str:
    """Return a DATABASE_URL that points a child process at the test database."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class AsgiServer:
    def __init__(self, proc: subprocess.Popen, port: int):
        self.proc, self.port = proc, port
        self.url = f"http://127.0.0.1:{port}"


@pytest.fixture
def fresh_rate_limits():
    """Start and end the test with no rate-limit counts (they live in their own cache)."""
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def english(settings):
    """Speak English in this test (pages and services): for tests that read messages."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def stop_process(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds (daphne may wait on closing sockets)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def start_worker(tmp_path, name: str, **env: str) -> subprocess.Popen:
    """Start a real Celery worker (solo pool) on the test database, its log in TMP_PATH.

    ENV adds environment variables (settings the worker reads from its environment). The broker
    is the settings' one: the filesystem transport by default, Redis with REDIS_URL.
    """
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "CAMERA_NETWORKS": "127.0.0.0/8",  # the loopback stand-ins for cameras and LINE
        **env,
    }
    log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "smartzone",
            "worker",
            "--pool=solo",
            "--loglevel=info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until(condition, timeout: float, what: str, proc: subprocess.Popen | None = None):
    """Poll CONDITION until it holds; fail after TIMEOUT seconds or if PROC exits first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"worker exited with {proc.returncode} while waiting for {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def asgi_server(transactional_db):
    """Run the real ASGI server (daphne) in a child process on the test database."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "MAP_TILES_URL": "",
        "OUTBOX_RELAY_INTERVAL": "0.2",
        "OUTBOX_RELAY_GRACE": "0.2",
    }
    if settings.CHANNEL_LAYERS["default"]["BACKEND"].startswith("channels_redis"):
        env["REDIS_URL"] = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "smartzone.asgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(port, proc=proc)
        yield AsgiServer(proc, port)
    finally:
        stop_process(proc)


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def browser(monkeypatch):
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "the playwright package is not installed")
    need(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM must still work here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield ThaiBrowser(chromium)
        chromium.close()


class ThaiBrowser:
    """The browser, whose new contexts and pages default to a Thai user in Bangkok (locale
    th-TH, time zone Asia/Bangkok): some faults (dates, Buddhist-era years) show only there."""

    DEFAULTS = {"locale": "th-TH", "timezone_id": "Asia/Bangkok"}

    def __init__(self, chromium):
        self._chromium = chromium

    def new_context(self, **options):
        return self._chromium.new_context(**(self.DEFAULTS | options))

    def new_page(self, **options):
        return self._chromium.new_page(**(self.DEFAULTS | options))

    def __getattr__(self, name):
        return getattr(self._chromium, name)


# --- LINE: its API stood in for on loopback, and a station's channel to it -----------------

LINE_CHANNEL_SECRET = "c0ffee-channel-secret-4242"  # noqa: S105
LINE_ACCESS_TOKEN = "TOKEN-Xq9v2LmN8kP4rT7wZ1yB6cD3fG5hJ0sA-TOKEN"  # noqa: S105


@pytest.fixture
def fake_line(settings):
    """LINE's API on 127.0.0.1: the SDK reaches it through settings.LINE_API_HOST."""
    from tests.community.fake_line import FakeLine

    server = FakeLine().start()
    settings.LINE_API_HOST = server.url
    yield server
    server.stop()


@pytest.fixture
def channel(station):
    """The station's LINE channel, with LINE_CHANNEL_SECRET and LINE_ACCESS_TOKEN."""
    from community import services as community_services

    return community_services.line_channel_save(
        actor="test",
        station=station,
        name="สภ.เมืองมุกดาหาร",
        channel_secret=LINE_CHANNEL_SECRET,
        access_token=LINE_ACCESS_TOKEN,
    )
