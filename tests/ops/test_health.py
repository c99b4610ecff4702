"""/healthz/: "up" is cheap and always 200; "ready" checks what serving needs, 200 or 503."""

import pytest

from ops import health

pytestmark = pytest.mark.django_db


def test_up_answers_without_looking_at_anything(client, monkeypatch):
    monkeypatch.setattr(health, "readiness", lambda: pytest.fail("up must not run the checks"))
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "up"}


def test_ready_lists_each_check(client):
    response = client.get("/healthz/ready")
    body = response.json()
    assert set(body["checks"]) == {"database", "channel_layer", "broker", "disk", "backup"}
    assert body["checks"]["database"]["ok"] is True
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    # No backup yet: said, but not a reason to take the process out of rotation.
    assert body["checks"]["backup"] == {
        "ok": False,
        "detail": "no good backup yet",
        "ms": body["checks"]["backup"]["ms"],
        "fatal": False,
    }
    assert client.get("/healthz/?ready=1").json()["status"] == "ready"


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
