"""/healthz/: "up" is cheap and always 200; "ready" checks what serving needs, 200 or 503, and
says apart an overdue backup (200, or 503 when strict)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ops import health
from ops.models import BackupRecord

pytestmark = pytest.mark.django_db


def test_up_answers_without_looking_at_anything(client, monkeypatch):
    monkeypatch.setattr(health, "readiness", lambda: pytest.fail("up must not run the checks"))
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "up"}


def test_ready_lists_each_check(client):
    BackupRecord.objects.create(started_at=timezone.now(), finished_at=timezone.now(), ok=True)
    response = client.get("/healthz/ready")
    body = response.json()
    assert set(body["checks"]) == {"database", "channel_layer", "broker", "disk", "backup"}
    assert body["checks"]["database"]["ok"] is True
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert client.get("/healthz/?ready=1").json()["status"] == "ready"
    assert client.get("/healthz/ready?strict=1").status_code == 200


def test_an_overdue_backup_is_its_own_status_and_a_503_only_when_strict(client, settings):
    # No backup yet: said, but not a reason to take the process out of a load balancer.
    response = client.get("/healthz/ready")
    body = response.json()
    assert (response.status_code, body["status"]) == (200, "ready, backup overdue")
    assert body["checks"]["backup"] == {
        "ok": False,
        "detail": "no good backup yet",
        "ms": body["checks"]["backup"]["ms"],
        "fatal": False,
    }
    strict = client.get("/healthz/ready?strict=1")
    assert (strict.status_code, strict.json()["status"]) == (503, "ready, backup overdue")

    settings.BACKUP_MAX_AGE_HOURS = 26
    old = timezone.now() - timedelta(hours=27)
    BackupRecord.objects.create(started_at=old, finished_at=old, ok=True)
    assert client.get("/healthz/ready").json()["status"] == "ready, backup overdue"
    BackupRecord.objects.create(started_at=timezone.now(), finished_at=timezone.now(), ok=True)
    assert client.get("/healthz/ready?strict=1").json()["status"] == "ready"


def test_not_ready_wins_over_an_overdue_backup(client, settings):
    settings.HEALTH_MIN_FREE_MB = 10**12
    response = client.get("/healthz/ready")
    assert (response.status_code, response.json()["status"]) == (503, "not ready")


def test_ready_is_503_when_the_disk_is_nearly_full(client, settings):
    settings.HEALTH_MIN_FREE_MB = 10**12
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert response.json()["checks"]["disk"]["ok"] is False


def test_ready_is_503_when_redis_is_down_and_up_stays_200(client, settings, redis_server):
    from tests.conftest import redis_layer_settings

    settings.CHANNEL_LAYERS = redis_layer_settings(redis_server.url)
    assert client.get("/healthz/ready").status_code == 200
    redis_server.stop()
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"]["ok"] is False
    assert client.get("/healthz/").status_code == 200


def test_ready_is_503_when_the_database_is_unreachable_and_up_stays_200(db_proxy, app_via_proxy):
    assert app_via_proxy.get("/healthz/ready").status == 200
    db_proxy.refuse()
    db_proxy.cut()
    answer = app_via_proxy.get("/healthz/ready")
    assert answer.status == 503
    assert answer.json()["status"] == "not ready"
    assert answer.json()["checks"]["database"]["ok"] is False
    assert app_via_proxy.get("/healthz/").status == 200
    db_proxy.resume()
    assert app_via_proxy.get("/healthz/ready").status == 200
