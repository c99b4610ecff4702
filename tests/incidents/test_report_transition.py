"""The triage workflow: every illegal step is refused; every legal one is logged, audited and
sent to the dashboard; merging and updates."""

import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from incidents import services
from incidents.models import TRANSITIONS, Report, ReportTransition, ReportUpdate
from smartzone.models import AuditEntry, Event

STATES = Report.State.values
# The path that reaches each state, from new.
PATH = {
    "new": [],
    "triaged": ["triaged"],
    "dispatched": ["triaged", "dispatched"],
    "on_scene": ["triaged", "dispatched", "on_scene"],
    "resolved": ["triaged", "dispatched", "on_scene", "resolved"],
    "rejected": ["rejected"],
}


def step(report, to_state, actor, **extra):
    if to_state == "dispatched":
        extra.setdefault("officer_id", actor.pk)
    if to_state == "rejected":
        extra.setdefault("reason", "spam")
    return services.report_transition(actor=actor, report_id=report.pk, to_state=to_state, **extra)


def bring_to(report, state, actor):
    for s in PATH[state]:
        report = step(report, s, actor)
    return report


@pytest.mark.parametrize(
    "from_state, to_state",
    [(a, b) for a, b in itertools.product(STATES, STATES) if b not in TRANSITIONS[a]],
)
def test_an_illegal_transition_is_refused_and_changes_nothing(
    from_state, to_state, make_report, officer
):
    report = bring_to(make_report(), from_state, officer)
    audits, events = AuditEntry.objects.count(), Event.objects.count()
    with pytest.raises(services.TransitionError):
        step(report, to_state, officer)
    report.refresh_from_db()
    assert report.state == from_state
    assert (AuditEntry.objects.count(), Event.objects.count()) == (audits, events)


@pytest.mark.parametrize(
    "from_state, to_state",
    [(a, b) for a in STATES for b in sorted(TRANSITIONS[a])],
)
def test_a_legal_transition_is_logged_audited_and_sent(
    from_state, to_state, make_report, officer, django_capture_on_commit_callbacks
):
    report = bring_to(make_report(), from_state, officer)
    with django_capture_on_commit_callbacks(execute=True):
        report = step(report, to_state, officer, note="ตรวจสอบแล้ว")
    assert report.state == to_state
    assert getattr(report, f"{to_state}_at") is not None
    log = ReportTransition.objects.filter(report=report).last()
    assert (log.from_state, log.to_state, log.actor, log.note) == (
        from_state,
        to_state,
        officer,
        "ตรวจสอบแล้ว",
    )
    entry = AuditEntry.objects.order_by("pk").last()
    assert entry.action == f"report.{to_state}" and entry.actor == officer
    assert entry.changes["state"] == [from_state, to_state]
    event = Event.objects.order_by("pk").last()
    assert event.kind == f"report.{to_state}" and event.station == report.station
    assert event.payload["state"] == to_state and event.payload["report"] == report.pk


def test_the_whole_workflow_keeps_timestamps_for_response_times(make_report, officer):
    report = bring_to(make_report(), "resolved", officer)
    assert report.created_at <= report.triaged_at <= report.dispatched_at
    assert report.dispatched_at <= report.on_scene_at <= report.resolved_at
    assert report.assigned_officer == officer
    assert report.response_minutes() >= 0


def test_dispatch_needs_an_officer_of_the_same_station(make_report, officer, other_officer):
    report = step(make_report(), "triaged", officer)
    with pytest.raises(ValidationError) as info:
        step(report, "dispatched", officer, officer_id=other_officer.pk)
    assert "officer" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.report_transition(actor=officer, report_id=report.pk, to_state="dispatched")


def test_reject_needs_a_reason(report, officer):
    with pytest.raises(ValidationError) as info:
        step(report, "rejected", officer, reason="")
    assert "reason" in info.value.message_dict
    report = step(report, "rejected", officer, reason="duplicate")
    assert report.rejection_reason == "duplicate"


def test_another_stations_officer_cannot_move_the_report(report, other_officer, citizen):
    with pytest.raises(Http404):
        step(report, "triaged", other_officer)
    with pytest.raises(PermissionDenied):
        step(report, "triaged", citizen)
    report.refresh_from_db()
    assert report.state == "new"


def test_public_updates_and_internal_notes_are_kept_apart(report, officer):
    services.report_update_add(actor=officer, report_id=report.pk, text="กำลังตรวจสอบ", public=True)
    services.report_update_add(
        actor=officer, report_id=report.pk, text="ผู้ต้องสงสัยชื่อ ก.", public=False
    )
    assert list(ReportUpdate.objects.filter(public=True).values_list("text", flat=True)) == [
        "กำลังตรวจสอบ"
    ]
    assert AuditEntry.objects.filter(action="report.note_added").count() == 1
    with pytest.raises(ValidationError):
        services.report_update_add(actor=officer, report_id=report.pk, text="  ", public=True)


def test_merging_rejects_the_duplicate_and_tells_its_reporter(make_report, officer):
    first, second = make_report(), make_report()
    services.report_merge(actor=officer, duplicate_id=second.pk, into_id=first.pk)
    second.refresh_from_db()
    assert second.state == "rejected" and second.rejection_reason == "duplicate"
    assert second.duplicate_of == first
    assert second.updates.filter(public=True).exists()
    assert AuditEntry.objects.filter(action="report.merged", object_id=str(second.pk)).exists()
    with pytest.raises(services.TransitionError):  # already rejected
        services.report_merge(actor=officer, duplicate_id=second.pk, into_id=first.pk)
    with pytest.raises(ValidationError):
        services.report_merge(actor=officer, duplicate_id=first.pk, into_id=first.pk)


def test_another_station_cannot_merge(make_report, other_officer):
    first, second = make_report(), make_report()
    with pytest.raises(Http404):
        services.report_merge(actor=other_officer, duplicate_id=second.pk, into_id=first.pk)
