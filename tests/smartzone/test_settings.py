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
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


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
    }
    assert periodic <= scheduled
