"""DatabaseUnavailableMiddleware in process (any database): which answer for which failure."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError

from incidents.models import Report
from ops import health
from tests.incidents.conftest import IN_ZONE

pytestmark = pytest.mark.django_db


def dead_readiness():
    raise OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def dead_healthz(monkeypatch):
    monkeypatch.setattr(health, "readiness", dead_readiness)


def test_a_dropped_connection_in_a_view_answers_a_thai_503_page(client, dead_healthz):
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert "ระบบขัดข้องชั่วคราว" in response.content.decode()


def test_a_json_client_gets_a_json_detail(client, dead_healthz, english):
    response = client.get("/healthz/ready", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The service is briefly unavailable. Please try again in a moment."
    }


def test_an_api_path_gets_json_even_without_asking(client, monkeypatch, zone, categories):
    def closed(**kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("incidents.services.report_submit", closed)
    body = {"kind": "report", "category": "theft", "description": "d"}
    response = client.post("/api/v1/reports/", body | {"lat": IN_ZONE[0], "lng": IN_ZONE[1]})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "ระบบขัดข้องชั่วคราว" in response.json()["detail"]


def test_a_failure_inside_the_session_middleware_is_a_503_not_a_500(monkeypatch, officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)

    def lost(self):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(SessionStore, "load", lost)
    response = client.get("/dashboard/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_other_errors_are_left_alone(monkeypatch, officer):
    client = Client(raise_request_exception=False)
    client.force_login(officer)

    def broken(self):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(SessionStore, "load", broken)
    assert client.get("/dashboard/").status_code == 500


def test_redis_gone_while_a_report_checks_its_rate_limit_is_a_503_not_a_500(
    client, monkeypatch, zone, categories
):
    def refused(request):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("incidents.views.submit_limited", refused)
    body = {"kind": "report", "category": "theft", "description": "d"}
    response = client.post("/api/v1/reports/", body | {"lat": IN_ZONE[0], "lng": IN_ZONE[1]})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert not Report.objects.exists()
