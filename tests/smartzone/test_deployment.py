"""The production shape: the Docker image's static files and the compose file's start order."""

import os
import re
import subprocess
import sys

import yaml

from tests.conftest import ROOT

RENDER_PROBE = """
import json
from django.conf import settings
from django.test import Client
response = Client().get("/", secure=True, HTTP_HOST="safetyzone.example.org")
print(json.dumps({
    "debug": settings.DEBUG,
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "status": response.status_code,
    "body": response.content.decode(errors="replace"),
}))
"""


def dockerfile_collectstatic() -> str:
    """Return the shell command of the Dockerfile's collectstatic step (continuations joined)."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line for line in text.splitlines() if "collectstatic" in line]
    assert len(lines) == 1, lines
    return re.sub(r"^RUN\s+", "", lines[0].strip())


def clean_env(tmp_path, **extra) -> dict:
    unset = {"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "SMARTZONE_ENV", "STATIC_ROOT"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    bin_dir = os.path.dirname(sys.executable)
    return base | {
        "PATH": f"{bin_dir}:{base.get('PATH', '')}",
        "DATA_DIR": str(tmp_path / "data"),
        **extra,
    }


def test_the_images_collectstatic_step_lets_production_render_pages_with_debug_off(tmp_path):
    import json
    import secrets

    static_root = tmp_path / "static"
    build = subprocess.run(
        ["sh", "-c", dockerfile_collectstatic()],
        cwd=ROOT,
        env=clean_env(tmp_path, STATIC_ROOT=str(static_root)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    assert (static_root / "staticfiles.json").exists()

    run = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", RENDER_PROBE],
        cwd=ROOT,
        env=clean_env(
            tmp_path,
            STATIC_ROOT=str(static_root),
            SMARTZONE_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(64),
            ALLOWED_HOSTS="safetyzone.example.org",
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["debug"] is False
    assert seen["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert seen["status"] == 200, seen["body"][:500]
    # The page links the hashed name the manifest gave, and that file was collected.
    hashed = re.search(r'href="/static/(smartzone/base\.[0-9a-f]{12}\.css)"', seen["body"])
    assert hashed, seen["body"][:2000]
    assert (static_root / hashed.group(1)).exists()


def test_web_worker_and_beat_start_only_after_the_migrations_ran():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name


def test_the_web_server_does_not_take_the_client_address_from_x_forwarded_for():
    # daphne's --proxy-headers would make the first (client-written) entry REMOTE_ADDR;
    # smartzone/clientaddr.py reads the header itself, as TRUSTED_PROXY_COUNT says.
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert "--proxy-headers" not in compose["services"]["web"]["command"]
    assert "TRUSTED_PROXY_COUNT=1" in (ROOT / ".env.example").read_text()
