"""Production mode: refuses the default secret key; passes `check --deploy` when configured."""

import os
import secrets
import subprocess
import sys

from tests.conftest import ROOT


def run_manage(*args, **env):
    unset = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_with_the_default_secret_key_refuses_to_start():
    result = run_manage("check", SMARTZONE_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "embedded default key is refused" in result.stderr


def test_production_with_the_placeholder_key_of_env_example_refuses_to_start():
    example = (ROOT / ".env.example").read_text()
    placeholder = next(
        line.split("=", 1)[1] for line in example.splitlines() if line.startswith("SECRET_KEY=")
    )
    assert len(placeholder) >= 50  # long enough that the length rule alone would let it pass
    result = run_manage("check", SMARTZONE_ENV="production", SECRET_KEY=placeholder)
    assert result.returncode != 0
    assert "placeholder of .env.example" in result.stderr


def test_production_with_the_documented_variables_passes_check_deploy(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(64))
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SMARTZONE_ENV="production",
        SECRET_KEY_FILE=str(key_file),
        ALLOWED_HOSTS="safetyzone.example.org",
        SITE_URL="https://safetyzone.example.org",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_site_url_is_warned_by_check_deploy(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(64))
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SMARTZONE_ENV="production",
        SECRET_KEY_FILE=str(key_file),
        ALLOWED_HOSTS="safetyzone.example.org",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode != 0
    assert "smartzone.W001" in result.stdout + result.stderr


def test_a_site_url_without_a_scheme_refuses_to_start():
    result = run_manage("check", SITE_URL="safetyzone.example.org")
    assert result.returncode != 0 and "SITE_URL must start with http" in result.stderr


def test_every_beat_entry_names_a_registered_task():
    from django.conf import settings

    from smartzone.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled - set(app.tasks) == set()
    periodic = {
        "sos.tasks.sos_escalate_overdue",
        "sos.tasks.kiosk_health_check",
        "cctv.tasks.cameras_probe",
        "cctv.tasks.jobs_resume_stale",
        "cctv.tasks.matches_purge",
        "patrol.tasks.missed_visits_detect",
        "patrol.tasks.shifts_end_announce",
        "community.tasks.broadcasts_send_due",
        "incidents.tasks.personal_data_purge",
        "sos.tasks.personal_data_purge",
        "patrol.tasks.personal_data_purge",
        "smartzone.tasks.audit_purge",
    }
    assert periodic <= scheduled


PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
# A page that needs neither the database nor collected static files: the 404 page.
response = Client().get("/no-such-page/", secure=True, HTTP_HOST="safetyzone.example.org")
print(json.dumps({
    "status": response.status_code,
    "hsts": response.get("Strict-Transport-Security"),
    "csp": response.get("Content-Security-Policy"),
    "frame": response.get("X-Frame-Options"),
    "nosniff": response.get("X-Content-Type-Options"),
    "referrer": response.get("Referrer-Policy"),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "plain_http": Client().get("/no-such-page/", HTTP_HOST="safetyzone.example.org").status_code,
}))
"""


def test_production_sends_hsts_and_the_csp_and_keeps_cookies_secure(tmp_path):
    import json

    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(64))
    result = run_manage(
        "shell",
        "-c",
        PRODUCTION_PROBE,
        SMARTZONE_ENV="production",
        SECRET_KEY_FILE=str(key_file),
        ALLOWED_HOSTS="safetyzone.example.org",
        STATIC_ROOT=str(tmp_path / "static"),
        MAP_TILES_URL="https://tiles.example.org/{z}/{x}/{y}.png",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["status"] == 404
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in seen["csp"]
    assert "img-src 'self' data: blob: https://tiles.example.org" in seen["csp"]
    assert "unsafe-inline" not in seen["csp"]
    assert seen["frame"] == "DENY"
    assert seen["nosniff"] == "nosniff"
    assert seen["referrer"] == "same-origin"
    assert seen["session_secure"] is True
    assert seen["csrf_secure"] is True
    assert seen["plain_http"] == 301  # SECURE_SSL_REDIRECT


POOLED_QUERIES = """
import json, threading
from django.db import connection, connections
from smartzone.models import Station

counts, errors = [], []

def work():
    try:
        for _ in range(20):
            counts.append(Station.objects.count())
            connections.close_all()  # what the end of a request does: back to the pool
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=work) for _ in range(6)]
for t in threads: t.start()
for t in threads: t.join()
stats = connection.pool.get_stats()
print(json.dumps({"queries": len(counts), "errors": errors,
                  "opened": stats.get("connections_num", 0),
                  "max_size": connection.pool.max_size}))
"""


def test_db_pool_size_serves_many_requests_from_a_few_reused_connections(db, postgres):
    import json

    from tests.conftest import database_url_for_subprocess

    result = run_manage(
        "shell", "-c", POOLED_QUERIES, DATABASE_URL=database_url_for_subprocess(), DB_POOL_SIZE="3"
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["errors"] == [] and figures["queries"] == 120
    assert figures["max_size"] == 3
    assert 1 <= figures["opened"] <= 3  # 120 "requests" from 6 threads, at most 3 connections


def test_db_pool_size_and_conn_max_age_together_are_refused():
    result = run_manage(
        "check",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/none",
        DB_POOL_SIZE="3",
        DB_CONN_MAX_AGE="60",
    )
    assert result.returncode != 0
    assert "DB_POOL_SIZE or DB_CONN_MAX_AGE" in result.stderr
