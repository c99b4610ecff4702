"""Acknowledge, dispatch, on scene, close: enforced order, audited, response times stored."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from smartzone.models import AuditEntry, Event
from sos import services
from sos.models import SosEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sos(kiosk):
    return services.sos_receive(kiosk=kiosk, client_event_id="w-1")[0]


def test_the_full_workflow_is_audited_and_response_times_are_computed(sos, officer, supervisor):
    services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    services.sos_dispatch(actor=supervisor, sos_id=sos.pk, officer_ids=[officer.pk])
    services.sos_on_scene(actor=officer, sos_id=sos.pk)
    services.sos_close(actor=officer, sos_id=sos.pk, outcome="resolved", note="ok")
    sos.refresh_from_db()
    assert sos.state == "closed" and sos.outcome == "resolved"
    assert sos.acknowledged_by == officer
    assert list(sos.dispatched_officers.all()) == [officer]
    assert 0 <= sos.seconds_to_acknowledge <= sos.seconds_to_on_scene <= sos.seconds_to_close
    actions = list(
        AuditEntry.objects.filter(object_type="sos.sosevent").values_list("action", flat=True)
    )
    assert actions == [
        "sos.raised",
        "sos.acknowledged",
        "sos.dispatched",
        "sos.on_scene",
        "sos.closed",
    ]
    kinds = list(Event.objects.filter(kind__startswith="sos.").values_list("kind", flat=True))
    assert kinds == actions


def test_response_times_follow_the_stored_timestamps(sos):
    sos.acknowledged_at = sos.received_at + timedelta(seconds=42)
    sos.on_scene_at = sos.received_at + timedelta(seconds=300)
    assert (sos.seconds_to_acknowledge, sos.seconds_to_on_scene, sos.seconds_to_close) == (
        42,
        300,
        None,
    )


def test_the_second_officer_to_acknowledge_is_told_it_is_done(sos, officer, supervisor):
    services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    with pytest.raises(services.TransitionError) as refused:
        services.sos_acknowledge(actor=supervisor, sos_id=sos.pk)
    assert refused.value.code == "wrong_state" and refused.value.messages
    sos.refresh_from_db()
    assert sos.acknowledged_by == officer
    assert AuditEntry.objects.filter(action="sos.acknowledged").count() == 1


def test_steps_cannot_be_skipped(sos, officer):
    with pytest.raises(services.TransitionError):
        services.sos_dispatch(actor=officer, sos_id=sos.pk, officer_ids=[officer.pk])
    with pytest.raises(services.TransitionError):
        services.sos_close(actor=officer, sos_id=sos.pk, outcome="resolved")
    assert SosEvent.objects.get().state == "received"


def test_dispatch_refuses_another_stations_officer(sos, officer, other_officer):
    services.sos_acknowledge(actor=officer, sos_id=sos.pk)
    with pytest.raises(services.ValidationError):
        services.sos_dispatch(actor=officer, sos_id=sos.pk, officer_ids=[other_officer.pk])
    assert SosEvent.objects.get().state == "acknowledged"


def test_another_stations_officer_cannot_see_or_acknowledge(sos, other_officer, citizen):
    with pytest.raises(Http404):
        services.sos_acknowledge(actor=other_officer, sos_id=sos.pk)
    with pytest.raises(PermissionDenied):
        services.sos_acknowledge(actor=citizen, sos_id=sos.pk)
    assert SosEvent.objects.get().state == "received"


def test_the_detail_page_acknowledges_and_refuses_outsiders(
    sos, officer_client, client, other_officer
):
    response = officer_client.post(f"/sos/{sos.pk}/", {"step": "acknowledge"})
    assert response.status_code == 302
    assert SosEvent.objects.get().state == "acknowledged"
    assert officer_client.get(f"/sos/{sos.pk}/").status_code == 200
    client.force_login(other_officer)
    assert client.get(f"/sos/{sos.pk}/").status_code == 404


def test_a_rolled_back_acknowledgement_sends_nothing(
    sos, officer, django_capture_on_commit_callbacks
):
    from django.db import transaction

    before = Event.objects.count()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.sos_acknowledge(actor=officer, sos_id=sos.pk)
        raise RuntimeError
    assert callbacks == [] and Event.objects.count() == before
