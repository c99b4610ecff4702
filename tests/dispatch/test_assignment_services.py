"""Offer, accept, on the way, on scene, done: through the services, audited, with events,
scoped to the assigned officer and their shift; the SOS follows each step."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from dispatch import selectors, services
from dispatch.models import Assignment
from smartzone.models import AuditEntry, Event
from sos import services as sos_services
from sos.models import SosEvent

pytestmark = pytest.mark.django_db


def offer(actor, sos, officer):
    return services.assignment_offer(actor=actor, kind="sos", item_id=sos.pk, officer_id=officer.pk)


def test_free_officers_are_ranked_by_distance_with_their_position_age(
    positions, sos, officer, dave
):
    ranked = selectors.free_units_near(station_id=sos.station_id, lat=sos.lat, lng=sos.lng)
    assert [u.officer_id for u in ranked] == [officer.pk, dave.pk]
    assert round(ranked[0].distance_m) == 100 and round(ranked[1].distance_m) == 300
    assert all(0 <= u.position_age_s < 60 for u in ranked)


def test_the_desk_offers_and_the_officer_works_it_through(
    positions, sos, officer, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        a = offer(supervisor, sos, officer)
    sos.refresh_from_db()
    assert sos.state == SosEvent.State.DISPATCHED and a.state == "offered"
    assert selectors.officer_status(officer=officer) == selectors.Status.ASSIGNED
    for step, state in [
        ("accept", "accepted"),
        ("on_the_way", "on_the_way"),
        ("on_scene", "on_scene"),
    ]:
        a = services.assignment_step(actor=officer, assignment_id=a.pk, step=step)
        assert a.state == state
    sos.refresh_from_db()
    assert sos.state == SosEvent.State.ON_SCENE
    assert selectors.officer_status(officer=officer) == selectors.Status.ON_SCENE
    a = services.assignment_step(actor=officer, assignment_id=a.pk, step="done", note="เรียบร้อย")
    assert a.state == "done" and a.note == "เรียบร้อย"
    assert a.accepted_at <= a.on_the_way_at <= a.on_scene_at <= a.done_at
    assert selectors.officer_status(officer=officer) == selectors.Status.AVAILABLE
    actions = list(
        AuditEntry.objects.filter(object_type="dispatch.assignment").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "assignment.offered",
        "assignment.accepted",
        "assignment.on_the_way",
        "assignment.on_scene",
        "assignment.done",
    ]
    kinds = list(Event.objects.filter(kind__startswith="dispatch.").values_list("kind", flat=True))
    assert kinds == [a.replace("assignment.", "dispatch.") for a in actions]
    # The SOS's own trail holds the desk's and the officer's steps.
    sos_actions = list(
        AuditEntry.objects.filter(object_type="sos.sosevent").values_list("action", flat=True)
    )
    assert sos_actions == ["sos.raised", "sos.acknowledged", "sos.dispatched", "sos.on_scene"]


def test_the_old_dispatch_button_now_reaches_the_officers_phone(
    positions, sos, officer, supervisor
):
    sos_services.sos_acknowledge(actor=supervisor, sos_id=sos.pk)
    sos_services.sos_dispatch(actor=supervisor, sos_id=sos.pk, officer_ids=[officer.pk])
    a = Assignment.objects.get()
    assert (a.officer, a.state, a.sos) == (officer, "offered", sos)


def test_only_the_assigned_officer_can_act(
    positions, sos, officer, dave, supervisor, other_officer
):
    a = offer(supervisor, sos, officer)
    for someone in (dave, supervisor, other_officer):
        with pytest.raises(Http404):
            services.assignment_step(actor=someone, assignment_id=a.pk, step="accept")
    assert Assignment.objects.get().state == "offered"


def test_nothing_after_the_shift_ends(positions, sos, officer, supervisor):
    a = offer(supervisor, sos, officer)
    later = positions.ends_at + timedelta(seconds=1)
    with pytest.raises(PermissionDenied):
        services.assignment_step(actor=officer, assignment_id=a.pk, step="accept", now=later)
    with pytest.raises(ValidationError):
        services.assignment_offer(
            actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk, now=later
        )


def test_another_stations_desk_cannot_offer(positions, sos, officer, other_officer):
    with pytest.raises(Http404):
        offer(other_officer, sos, officer)
    assert not Assignment.objects.exists()


def test_a_busy_officer_or_a_second_offer_is_refused(positions, sos, officer, dave, supervisor):
    offer(supervisor, sos, officer)
    with pytest.raises(services.TransitionError):
        offer(supervisor, sos, dave)
    with pytest.raises(ValidationError):
        offer(supervisor, sos, officer)
    assert Assignment.objects.count() == 1


def test_a_rollback_sends_nothing(
    positions, sos, officer, supervisor, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        offer(supervisor, sos, officer)
        raise RuntimeError
    assert callbacks == [] and not Event.objects.filter(kind__startswith="dispatch.").exists()


def test_events_after_commit_carry_the_officer_and_the_place(
    positions, sos, officer, supervisor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        a = offer(supervisor, sos, officer)
    assert callbacks
    payload = Event.objects.get(kind="dispatch.offered").payload
    assert payload["officer"] == officer.pk and payload["item_key"] == f"sos:{sos.pk}"
    assert payload["place"] == {"lat": sos.lat, "lng": sos.lng} and "lat" not in payload
    assert payload["url"] == f"/officer/assignments/{a.pk}/"
    assert timezone.now() < services.Assignment.objects.get().offer_due_at


def test_a_report_follows_its_officer_to_the_scene_and_its_tracking_page_shows_it(
    positions, station, officer, supervisor, client
):
    from importlib import import_module

    from incidents import services as incident_services
    from incidents.models import Category

    code, name, name_en = import_module(
        "incidents.migrations.0002_default_categories"
    ).DEFAULT_CATEGORIES[0]
    category, _ = Category.objects.get_or_create(
        code=code, defaults={"name": name, "name_en": name_en}
    )
    report, _ = incident_services.report_submit(
        kind="report",
        category=category,
        description="กระเป๋าถูกขโมย",
        lat=16.5447,
        lng=104.7256,
        reporter_phone="0812345678",
    )
    a = services.assignment_offer(
        actor=supervisor, kind="report", item_id=report.pk, officer_id=officer.pk
    )
    assert services.item_summary(a)["phone"] == "0812345678"
    report.refresh_from_db()
    assert (report.state, report.assigned_officer) == ("dispatched", officer)
    services.assignment_step(actor=officer, assignment_id=a.pk, step="accept")
    services.assignment_step(actor=officer, assignment_id=a.pk, step="on_scene")
    report.refresh_from_db()
    assert report.state == "on_scene"
    assert list(report.transitions.values_list("to_state", flat=True)) == [
        "triaged",
        "dispatched",
        "on_scene",
    ]
