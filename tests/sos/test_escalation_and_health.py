"""Escalation of unacknowledged SOS, once; kiosk offline/online detection."""

from datetime import timedelta

import pytest
from django.utils import timezone

from smartzone import registry
from smartzone.models import Event
from sos import services, tasks
from sos.models import Kiosk, SosEvent

pytestmark = pytest.mark.django_db


def test_an_unacknowledged_sos_escalates_once_after_the_limit(
    kiosk, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.SOS_ESCALATE_AFTER_SECONDS = 60
    called = []
    monkeypatch.setattr(registry, "ESCALATION_HANDLERS", [called.append])
    sos, _ = services.sos_receive(kiosk=kiosk, client_event_id="late")
    assert services.sos_escalate_overdue(now=sos.received_at + timedelta(seconds=30)) == []
    later = sos.received_at + timedelta(seconds=61)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sos_escalate_overdue(now=later) == [sos.pk]
        assert services.sos_escalate_overdue(now=later) == []
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sos_escalate_overdue()  # the task, run again: nothing new
    assert called == [sos.pk]
    assert Event.objects.filter(kind="sos.escalated").count() == 1
    assert SosEvent.objects.get().escalated_at == later


def test_an_acknowledged_sos_does_not_escalate(kiosk, officer):
    sos, _ = services.sos_receive(kiosk=kiosk, client_event_id="ok")
    services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    assert services.sos_escalate_overdue(now=timezone.now() + timedelta(hours=1)) == []


def test_a_silent_kiosk_goes_offline_and_comes_back_with_its_heartbeat(kiosk):
    services.kiosk_heartbeat(kiosk_id=kiosk.pk)
    kiosk.refresh_from_db()
    assert kiosk.status == Kiosk.Status.ONLINE
    limit = timedelta(seconds=kiosk.heartbeat_interval_s * 3)
    assert services.kiosk_health_check(now=kiosk.last_seen + limit - timedelta(seconds=1)) == []
    assert services.kiosk_health_check(now=kiosk.last_seen + limit + timedelta(seconds=1)) == [
        kiosk.pk
    ]
    assert services.kiosk_health_check(now=kiosk.last_seen + limit * 2) == []
    kiosk.refresh_from_db()
    assert kiosk.status == Kiosk.Status.OFFLINE
    services.kiosk_heartbeat(kiosk_id=kiosk.pk)
    kinds = list(Event.objects.filter(kind__startswith="kiosk.").values_list("kind", flat=True))
    assert kinds == ["kiosk.created", "kiosk.online", "kiosk.offline", "kiosk.online"]


def test_the_escalated_event_names_its_audience_and_when_it_escalated(kiosk):
    sos, _ = services.sos_receive(kiosk=kiosk, client_event_id="esc")
    later = sos.received_at + timedelta(seconds=services.escalate_after_s() + 1)
    services.sos_escalate_overdue(now=later)
    payload = Event.objects.get(kind="sos.escalated").payload
    assert payload["audience"] == "supervisors"
    assert (payload["id"], payload["state"]) == (sos.pk, "received")
    assert payload["escalated_at"] == later.isoformat()
    assert (payload["lat"], payload["lng"], payload["name"]) == (kiosk.lat, kiosk.lng, kiosk.name)
    # The open-SOS list the dashboard loads on a reload says it too.
    assert Event.objects.get(kind="sos.raised").payload["escalated_at"] is None


@pytest.mark.parametrize(
    "who, role", [("officer_client", "officer"), ("supervisor_client", "supervisor")]
)
def test_the_dashboard_tells_its_script_whose_dashboard_it_is(request, zone, who, role):
    client = request.getfixturevalue(who)
    config = client.get("/dashboard/").context["dashboard_config"]
    assert config["role"] == role
    assert "sos.escalated" in config["labels"]
