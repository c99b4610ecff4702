"""report_submit: which station gets the report, anonymity, idempotency, events, rollback."""

import json

import pytest
from django.core.exceptions import ValidationError

from incidents import services
from incidents.models import TRACKING_ALPHABET, Category, Report
from smartzone.models import AuditEntry, Event
from tests.incidents.conftest import IN_ZONE, OUTSIDE


def test_the_default_categories_are_seeded_by_the_migration(db):
    codes = set(Category.objects.values_list("code", flat=True))
    assert {"theft", "burglary", "robbery", "assault", "drugs", "gambling"} <= codes
    assert {"suspicious", "traffic-accident", "fire", "disturbance", "other"} <= codes
    assert Category.objects.count() >= 11


def test_a_report_in_a_zone_goes_to_that_zones_station(
    zone, other_zone, categories, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report, created = services.report_submit(
            kind="report",
            category=categories["robbery"],
            description="ชิงทรัพย์ร้านทอง",
            lat=IN_ZONE[0],
            lng=IN_ZONE[1],
        )
    assert created
    assert report.station == zone.station and report.zone == zone
    assert report.outside_zone is False
    assert report.state == Report.State.NEW
    event = Event.objects.get(kind="report.submitted")
    assert event.station == zone.station and event.zone == zone
    assert event.payload["lat"] == IN_ZONE[0] and event.payload["lng"] == IN_ZONE[1]


def test_a_report_outside_every_zone_goes_to_the_nearest_station_flagged(
    zone, other_zone, categories
):
    # Just outside the Don Tan zone: Don Tan's station is nearest.
    report, _ = services.report_submit(
        kind="report",
        category=categories["fire"],
        description="ไฟไหม้หญ้า",
        lat=16.415,
        lng=104.815,
    )
    assert report.station == other_zone.station
    assert report.zone is None and report.outside_zone is True
    far, _ = services.report_submit(
        kind="report", category=categories["fire"], description="x", lat=OUTSIDE[0], lng=OUTSIDE[1]
    )
    assert far.station == zone.station and far.outside_zone


def test_an_anonymous_tip_off_keeps_no_name_phone_or_ip(zone, categories):
    report, _ = services.report_submit(
        kind="tip_off",
        category=categories["drugs"],
        description="ขายยาหลังตลาด",
        lat=IN_ZONE[0],
        lng=IN_ZONE[1],
        anonymous=True,
        reporter_name="สมชาย ใจดี",
        reporter_phone="0812345678",
        ip="203.0.113.7",
    )
    report.refresh_from_db()
    assert report.kind == "tip_off" and report.anonymous
    assert report.reporter_name == "" and report.reporter_phone == ""
    assert report.reporter_ip is None
    entry = AuditEntry.objects.get(action="report.submitted", object_id=str(report.pk))
    stored = json.dumps(entry.changes, ensure_ascii=False) + entry.actor_label
    for secret in ["สมชาย", "0812345678", "203.0.113.7"]:
        assert secret not in stored
    event = Event.objects.get(kind="report.submitted")
    assert "0812345678" not in json.dumps(event.payload, ensure_ascii=False)


def test_a_named_report_keeps_the_contact_but_not_in_the_audit_or_event(zone, categories):
    report, _ = services.report_submit(
        kind="report",
        category=categories["theft"],
        description="x",
        lat=IN_ZONE[0],
        lng=IN_ZONE[1],
        reporter_name="สมหญิง",
        reporter_phone="0899999999",
        ip="203.0.113.8",
    )
    assert (report.reporter_name, report.reporter_phone) == ("สมหญิง", "0899999999")
    assert report.reporter_ip == "203.0.113.8"
    entry = AuditEntry.objects.get(action="report.submitted")
    assert "0899999999" not in json.dumps(entry.changes)


def test_the_same_idempotency_key_makes_one_report(zone, categories):
    first, created = services.report_submit(
        kind="report",
        category=categories["theft"],
        description="x",
        lat=IN_ZONE[0],
        lng=IN_ZONE[1],
        idempotency_key="k-1",
    )
    assert created
    for _ in range(4):
        again, created = services.report_submit(
            kind="report",
            category=categories["theft"],
            description="x",
            lat=IN_ZONE[0],
            lng=IN_ZONE[1],
            idempotency_key="k-1",
        )
        assert not created and again.pk == first.pk
    assert Report.objects.count() == 1
    assert AuditEntry.objects.filter(action="report.submitted").count() == 1


def test_tracking_codes_are_eight_unambiguous_random_characters(make_report):
    codes = [make_report().tracking_code for _ in range(20)]
    assert len(set(codes)) == 20
    for code in codes:
        assert len(code) == 8 and set(code) <= set(TRACKING_ALPHABET)
        assert not set(code) & set("01OIL")
    assert codes != sorted(codes)


def test_a_point_off_the_globe_is_refused(zone, categories):
    with pytest.raises(ValidationError) as info:
        services.report_submit(
            kind="report", category=categories["theft"], description="x", lat=95, lng=104
        )
    assert "lat" in info.value.message_dict
    assert Report.objects.count() == 0


def test_with_no_station_set_up_it_says_so(categories):
    with pytest.raises(ValidationError):
        services.report_submit(
            kind="report", category=categories["theft"], description="x", lat=16.5, lng=104.7
        )


def test_a_rolled_back_submission_sends_no_event(
    zone, categories, django_capture_on_commit_callbacks
):
    from django.db import transaction

    class Boom(Exception):
        pass

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        services.report_submit(
            kind="report",
            category=categories["theft"],
            description="x",
            lat=IN_ZONE[0],
            lng=IN_ZONE[1],
        )
        raise Boom
    assert callbacks == []
    assert not Event.objects.filter(kind="report.submitted").exists()
    assert Report.objects.count() == 0


def test_the_same_idempotency_key_with_other_content_is_a_conflict(zone, categories):
    from incidents.services import IdempotencyConflict

    common = {"kind": "report", "lat": IN_ZONE[0], "lng": IN_ZONE[1], "idempotency_key": "k-2"}
    services.report_submit(category=categories["theft"], description="first", **common)
    with pytest.raises(IdempotencyConflict):
        services.report_submit(category=categories["theft"], description="second", **common)
    with pytest.raises(IdempotencyConflict):
        services.report_submit(
            category=categories["theft"], description="first", anonymous=True, **common
        )
    # Whitespace around the text is not content: the service strips it before storing.
    again, created = services.report_submit(
        category=categories["theft"], description="  first ", **common
    )
    assert not created
    assert Report.objects.count() == 1


def test_a_tracking_code_already_taken_is_drawn_again(make_report, monkeypatch):
    first = make_report()
    field = Report._meta.get_field("tracking_code")
    codes = iter([first.tracking_code, first.tracking_code, "Q7M2X9KP"])
    monkeypatch.setattr(field, "_get_default", lambda: next(codes))  # what Report() calls
    second = make_report(description="อีกเรื่อง")
    assert second.tracking_code == "Q7M2X9KP"
    assert Report.objects.count() == 2
    assert Event.objects.filter(kind="report.submitted").count() == 2
    assert AuditEntry.objects.filter(action="report.submitted").count() == 2


def test_a_zone_redrawn_takes_the_next_report_at_once(zone, make_report):
    from smartzone import services as core_services
    from smartzone.demo import ZONE_BOUNDARY

    assert make_report().zone == zone  # the zones are now kept in memory
    moved = [
        [lng + 0.5, lat] for lng, lat in ZONE_BOUNDARY["coordinates"][0]
    ]  # the same shape, 50 km east
    zone.boundary = {"type": "Polygon", "coordinates": [moved]}
    core_services.zone_save(actor="test", zone=zone)
    later = make_report()
    assert later.zone is None and later.outside_zone
