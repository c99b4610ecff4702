"""/metrics: who may read it, and gauges read from the database when scraped."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ops.models import TaskFailureCount
from smartzone import outbox
from smartzone.models import Event
from sos import services as sos_services
from tests.conftest import redis_layer_settings

pytestmark = pytest.mark.django_db


def scrape(client=None, **headers) -> dict[str, float]:
    """Return {"name{labels}": value} of one scrape."""
    response = (client or Client()).get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    values = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def test_an_address_outside_the_allowed_list_without_the_token_is_refused(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.METRICS_TOKEN = "scrape-token-of-prometheus-0123456789"
    assert Client().get("/metrics").status_code == 403
    wrong = {"Authorization": "Bearer not-the-token"}
    assert Client().get("/metrics", headers=wrong).status_code == 403
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    right = {"Authorization": f"Bearer {settings.METRICS_TOKEN}"}
    assert "smartzone_sos_open" in scrape(**right)


def test_requests_are_counted_by_view_method_and_status_class(client):
    before = scrape().get(
        'smartzone_http_requests_total{method="GET",status="2xx",view="ops:healthz"}', 0
    )
    client.get("/healthz/")
    client.get("/healthz/")
    after = scrape()
    assert after['smartzone_http_requests_total{method="GET",status="2xx",view="ops:healthz"}'] == (
        before + 2
    )
    assert (
        after[
            'smartzone_http_request_duration_seconds_count{method="GET",status="2xx",view="ops:healthz"}'
        ]
        >= 2
    )


def test_an_sos_nobody_acknowledges_shows_with_an_age_that_grows(station, monkeypatch):
    sos = sos_services.sos_public_raise(station=station, lat=16.5447, lng=104.7256)
    values = scrape()
    assert values["smartzone_sos_open"] == 1
    assert values["smartzone_sos_oldest_unacknowledged_age_seconds"] < 60
    real_now = timezone.now
    for minutes in (10, 25):
        later = sos.received_at + timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda later=later: later)
        age = scrape()["smartzone_sos_oldest_unacknowledged_age_seconds"]
        assert age == pytest.approx(minutes * 60, abs=1)
    monkeypatch.setattr(timezone, "now", real_now)


def test_an_acknowledged_sos_is_open_but_not_waiting(station, officer):
    sos = sos_services.sos_public_raise(station=station, lat=16.5447, lng=104.7256)
    sos_services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    values = scrape()
    assert values["smartzone_sos_open"] == 1
    assert values["smartzone_sos_oldest_unacknowledged_age_seconds"] == 0


def test_the_outbox_backlog_grows_while_redis_is_down_and_empties_after(
    settings, redis_server, station, django_capture_on_commit_callbacks
):
    settings.CHANNEL_LAYERS = redis_layer_settings(redis_server.url)
    before = scrape()["smartzone_outbox_backlog"]  # the station's own event, never pushed
    redis_server.stop()
    with django_capture_on_commit_callbacks(execute=True):
        sos_services.sos_public_raise(station=station, lat=16.5447, lng=104.7256)
        sos_services.sos_public_raise(station=station, lat=16.5448, lng=104.7257)
    unpushed = Event.objects.filter(published_at__isnull=True).count()
    assert unpushed == before + 2
    assert scrape()["smartzone_outbox_backlog"] == unpushed
    redis_server.start()
    settings.OUTBOX_RELAY_GRACE = 0
    outbox.relay_pending()
    assert scrape()["smartzone_outbox_backlog"] == 0


def test_task_failures_counted_by_the_worker_show_per_task():
    TaskFailureCount.objects.create(task="cctv.tasks.analyse_job", failures=3)
    assert scrape()['smartzone_celery_task_failures_total{task="cctv.tasks.analyse_job"}'] == 3


def test_the_backup_age_is_minus_one_before_the_first_backup():
    assert scrape()["smartzone_backup_age_seconds"] == -1
