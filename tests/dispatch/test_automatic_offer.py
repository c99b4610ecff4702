"""The platform offers an SOS to the nearest free officer; not accepted in the station's time,
it moves to the next nearest, the first can no longer accept, and the desk sees both steps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.models import Assignment, DispatchPolicy
from smartzone.models import Event

pytestmark = pytest.mark.django_db


def test_an_unaccepted_offer_moves_to_the_next_nearest(positions, sos, officer, dave, supervisor):
    DispatchPolicy.objects.create(station=sos.station, offer_timeout_s=45)
    first = services.assignment_offer_nearest(actor=supervisor, kind="sos", item_id=sos.pk)
    assert first.officer == officer and first.automatic and first.timeout_s == 45
    # Before its time nothing moves, run as often as one likes.
    assert (
        services.offer_expire(assignment_id=first.pk, now=first.offered_at + timedelta(seconds=44))
        is None
    )
    due = first.offered_at + timedelta(seconds=45)
    second = services.offer_expire(assignment_id=first.pk, now=due)
    assert second.officer == dave and second.attempt == 2
    # A second run of the timer (or the sweep) does nothing more.
    assert services.offer_expire(assignment_id=first.pk, now=due) is None
    assert services.offers_expire_due(now=due) == []
    first.refresh_from_db()
    assert first.state == "expired" and first.expired_at == due
    with pytest.raises(services.TransitionError):
        services.assignment_step(actor=officer, assignment_id=first.pk, step="accept")
    assert (
        services.assignment_step(actor=dave, assignment_id=second.pk, step="accept").state
        == "accepted"
    )
    kinds = list(
        Event.objects.filter(kind__startswith="dispatch.").values_list("kind", "payload__officer")
    )
    assert kinds == [
        ("dispatch.offered", officer.pk),
        ("dispatch.expired", officer.pk),
        ("dispatch.offered", dave.pk),
        ("dispatch.accepted", dave.pk),
    ]


def test_an_offer_whose_time_is_up_cannot_be_accepted_before_the_timer_runs(
    positions, sos, officer, supervisor
):
    a = services.assignment_offer_nearest(actor=supervisor, kind="sos", item_id=sos.pk)
    with pytest.raises(services.TransitionError) as refused:
        services.assignment_step(
            actor=officer, assignment_id=a.pk, step="accept", now=a.offer_due_at
        )
    assert refused.value.code == "expired"


def test_when_nobody_is_left_the_desk_is_told(positions, sos, officer, dave, supervisor):
    a = services.assignment_offer_nearest(actor=supervisor, kind="sos", item_id=sos.pk)
    b = services.offers_expire_due(now=a.offer_due_at)
    b = Assignment.objects.get(state="offered")
    assert services.offer_expire(assignment_id=b.pk, now=b.offer_due_at) is None
    told = Event.objects.get(kind="dispatch.no_officer")
    assert told.payload["item_key"] == f"sos:{sos.pk}"
    assert sorted(told.payload["tried"]) == sorted([officer.pk, dave.pk])


def test_a_station_may_offer_every_new_sos_at_once(
    positions, kiosk, officer, django_capture_on_commit_callbacks
):
    from sos import services as sos_services

    DispatchPolicy.objects.create(station=kiosk.station, auto_offer_sos=True)
    with django_capture_on_commit_callbacks(execute=True):
        sos, _ = sos_services.sos_receive(kiosk=kiosk, client_event_id="auto-1")
    a = Assignment.objects.get()
    assert (a.sos, a.officer, a.automatic) == (sos, officer, True)
    assert timezone.now() < a.offer_due_at
