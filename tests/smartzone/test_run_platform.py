"""The embedded default as bin/start serves it (`manage.py run_platform`): DEBUG off, the
project's Thai error pages, static files still served, links on the address it serves on."""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.template import loader
from django.utils import translation

from smartzone.management.commands.run_platform import serving_environment
from tests.conftest import ROOT, free_port, wait_for_port

EVERYWHERE = "0.0.0.0"  # noqa: S104 (what --bind 0.0.0.0 asks: serve the network)


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (our server)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def platform(tmp_path):
    """`manage.py run_platform --no-demo` on a free port, its data in TMP_PATH."""
    port = free_port()
    unset = {"DEBUG", "SITE_URL", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SMARTZONE_ENV"}
    env = {k: v for k, v in os.environ.items() if k not in unset} | {
        "DATA_DIR": str(tmp_path),
        "MAP_TILES_URL": "",
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
    }
    log = open(tmp_path / "platform.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_platform", "--no-demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its server and worker are ours to stop with it
    )
    try:
        wait_for_port(port, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_a_mistyped_url_gets_the_thai_404_page_not_djangos_debug_page(platform):
    status, page = fetch(f"{platform}/dashbord/")
    assert status == 404
    assert "ไม่พบหน้านี้" in page and 'data-testid="not-found"' in page
    assert "URLconf" not in page and "DEBUG = True" not in page
    status, css = fetch(f"{platform}/static/smartzone/base.css")
    assert status == 200 and css.strip()


def test_debug_is_off_unless_asked_and_links_use_the_served_address():
    quiet = serving_environment(bind="127.0.0.1", port="8000", debug=False, environ={})
    assert quiet["DEBUG"] == "false" and quiet["SITE_URL"] == "http://127.0.0.1:8000"
    assert "127.0.0.1" in quiet["ALLOWED_HOSTS"].split(",")
    loud = serving_environment(bind="192.168.10.5", port="8080", debug=True, environ={})
    assert loud["DEBUG"] == "true" and loud["SITE_URL"] == "http://192.168.10.5:8080"
    assert "192.168.10.5" in loud["ALLOWED_HOSTS"].split(",")


def test_a_configured_site_url_and_hosts_are_kept():
    environ = {"SITE_URL": "https://safetyzone.example.org", "ALLOWED_HOSTS": "a.example.org"}
    served = serving_environment(bind=EVERYWHERE, port="8000", debug=False, environ=environ)
    assert "SITE_URL" not in served and "ALLOWED_HOSTS" not in served


def test_serving_the_network_accepts_this_machines_own_addresses():
    served = serving_environment(bind=EVERYWHERE, port="8000", debug=False, environ={})
    host = served["SITE_URL"].removeprefix("http://").rsplit(":", 1)[0]
    assert host in served["ALLOWED_HOSTS"].split(",")


def test_the_500_page_renders_without_a_request_or_a_database():
    with translation.override("th"):
        page = loader.get_template("500.html").render()  # as Django's server_error does
    assert "ระบบขัดข้อง" in page and "191" in page


def test_the_error_pages_render_before_the_static_files_are_collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    }
    for name in ("404.html", "500.html"):
        page = loader.get_template(name).render()
        assert 'href="/static/smartzone/base.css"' in page, name
