"""Monthly partitions on PostgreSQL (smartzone/partitions.py): rows land in their month's
partition, retention drops a whole old month and audits it, and the kept audit chain still
verifies. On SQLite nothing is partitioned and these tests skip."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone

from patrol.retention import positions_purge
from smartzone import partitions
from smartzone.models import AuditEntry, Event
from smartzone.outbox import event_record
from smartzone.retention import audit_purge, events_purge
from tests.smartzone.test_audit import age, chain, verify  # noqa: F401 (chain: a fixture)

pytestmark = pytest.mark.django_db


def partition_of(table: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT tableoid::regclass::text FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_sqlite_has_no_partitions():
    if connection.vendor != "sqlite":
        pytest.skip("the embedded default only")
    assert partitions.ensure_ahead() == []
    assert partitions.monthly_partitions("smartzone_event") == []


BANGKOK = ZoneInfo("Asia/Bangkok")


def test_events_written_across_a_month_boundary_land_in_their_partitions(postgres, station):
    created = partitions.ensure_ahead(today=date(2027, 1, 20), months=1)
    assert {"smartzone_event_p202701", "smartzone_event_p202702"} <= set(
        created + [p.name for p in partitions.monthly_partitions("smartzone_event")]
    )
    with transaction.atomic():
        before = event_record(station=station, kind="test.before", payload={})
        after = event_record(station=station, kind="test.after", payload={})
    # The station's months, not UTC's: 00:30 on 1 February in Bangkok is still 31 January
    # (17:30) in UTC, and it is February's.
    Event.objects.filter(pk=before.pk).update(
        created_at=datetime(2027, 1, 31, 23, 59, 59, tzinfo=BANGKOK)
    )
    Event.objects.filter(pk=after.pk).update(created_at=datetime(2027, 2, 1, 0, 30, tzinfo=BANGKOK))
    assert Event.objects.get(pk=after.pk).created_at == datetime(2027, 1, 31, 17, 30, tzinfo=UTC)
    assert partition_of("smartzone_event", before.pk) == "smartzone_event_p202701"
    assert partition_of("smartzone_event", after.pk) == "smartzone_event_p202702"
    # The station's catch-up reads them as before, in id order.
    assert list(
        Event.objects.filter(station=station, pk__gte=before.pk).values_list("kind", flat=True)
    ) == [
        "test.before",
        "test.after",
    ]
    assert partitions.ensure_ahead(today=date(2027, 1, 20), months=1) == []  # idempotent


def test_partitions_cut_at_utc_midnight_are_recut_at_bangkok_midnight(postgres, station):
    """What migration 0007 does to a deployment whose months were UTC's."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the fixtures' pending FK checks
        for name in [p.name for p in partitions.monthly_partitions("smartzone_event")]:
            cursor.execute(f'DROP TABLE "{name}"')
        for month in ("2027-01", "2027-02"):
            cursor.execute(
                f'CREATE TABLE "smartzone_event_p{month.replace("-", "")}" PARTITION OF'
                f" smartzone_event FOR VALUES FROM ('{month}-01 00:00+00')"
                f" TO ('{month}-01 00:00+00'::timestamptz + interval '1 month')"
            )
    with transaction.atomic():
        event = event_record(station=station, kind="test.night", payload={})
    Event.objects.filter(pk=event.pk).update(created_at=datetime(2027, 2, 1, 0, 30, tzinfo=BANGKOK))
    assert partition_of("smartzone_event", event.pk) == "smartzone_event_p202701"  # UTC's month
    assert partitions.rebound("smartzone_event") is True
    assert partition_of("smartzone_event", event.pk) == "smartzone_event_p202702"
    assert Event.objects.get(pk=event.pk).kind == "test.night"
    assert partitions.rebound("smartzone_event") is False  # already Bangkok's months
    # The parent kept its indexes: a new partition gets them too.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'smartzone_event_p202702'"
        )
        assert cursor.fetchone()[0] >= 3


def test_the_events_purge_drops_a_whole_old_month_and_audits_it(postgres, station):
    partitions.ensure_ahead(today=date(2025, 1, 1), months=0)
    with transaction.atomic():
        gone = [event_record(station=station, kind="test.old", payload={}) for _ in range(3)]
        kept = event_record(station=station, kind="test.new", payload={})
    Event.objects.filter(pk__in=[e.pk for e in gone]).update(
        created_at=datetime(2025, 1, 10, 3, 0, tzinfo=BANGKOK)
    )
    assert partition_of("smartzone_event", gone[0].pk) == "smartzone_event_p202501"
    assert events_purge(days=365) == []  # nothing left to delete row by row
    assert Event.objects.filter(pk__in=[e.pk for e in gone]).count() == 0
    assert Event.objects.filter(pk=kept.pk).exists()
    entry = AuditEntry.objects.get(action="event.partition_dropped")
    assert entry.actor_label == "system:retention"
    assert entry.changes["partition"] == "smartzone_event_p202501"
    assert entry.changes["count"] == 3
    assert entry.changes["id_range"] == [gone[0].pk, gone[-1].pk]
    assert "smartzone_event_p202501" not in [
        p.name for p in partitions.monthly_partitions("smartzone_event")
    ]
    assert events_purge(days=365) == []  # twice: nothing more, no second entry
    assert AuditEntry.objects.filter(action="event.partition_dropped").count() == 1
    assert verify().startswith("OK")


def test_the_events_purge_deletes_old_rows_where_there_are_no_partitions(station):
    """SQLite (and, on PostgreSQL, a month not wholly past): old events go a batch at a time."""
    with transaction.atomic():
        old = event_record(station=station, kind="test.old", payload={})
        kept = event_record(station=station, kind="test.new", payload={})
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert events_purge(days=365) == [old.pk]
    assert list(Event.objects.filter(pk__in=[old.pk, kept.pk]).values_list("pk", flat=True)) == [
        kept.pk
    ]
    entry = AuditEntry.objects.get(action="event.purged")
    assert entry.station_id == station.pk
    assert entry.changes["id_range"] == [old.pk, old.pk]
    assert events_purge(days=365) == []


def test_the_audit_purge_drops_a_whole_old_month_audits_it_and_the_chain_verifies(
    postgres,
    chain,  # noqa: F811
    settings,
):
    partitions.ensure_ahead(today=date(2025, 1, 1), months=0)
    age(chain[:2], days=(date.today() - date(2025, 1, 15)).days)
    assert {partition_of("smartzone_auditentry", e.pk) for e in chain[:2]} == {
        "smartzone_auditentry_p202501"
    }
    assert verify().startswith("OK")
    assert audit_purge(days=365) == 2
    entry = AuditEntry.objects.get(action="audit.purged")
    assert entry.changes["partitions_dropped"] == ["smartzone_auditentry_p202501"]
    assert "smartzone_auditentry_p202501" not in [
        p.name for p in partitions.monthly_partitions("smartzone_auditentry")
    ]
    assert verify().startswith(f"OK: {len(chain) - 2 + 1} audit entries")


def test_the_positions_purge_drops_a_whole_old_month_and_audits_it(postgres, officer, station):
    from datetime import timedelta

    from django.utils import timezone

    from patrol.models import OfficerPosition, PatrolShift

    partitions.ensure_ahead(today=date(2025, 1, 1), months=0)
    now = timezone.now()
    shift = PatrolShift.objects.create(
        station=station, name="night", starts_at=now, ends_at=now + timedelta(hours=8)
    )
    old = datetime(2025, 1, 10, 3, 0, tzinfo=UTC)
    kept = OfficerPosition.objects.create(
        officer=officer, shift=shift, lat=16.54, lng=104.72, accuracy_m=5, reported_at=now
    )
    gone = [
        OfficerPosition.objects.create(
            officer=officer, shift=shift, lat=16.54, lng=104.72, accuracy_m=5, reported_at=old
        )
        for _ in range(3)
    ]
    assert partition_of("patrol_officerposition", gone[0].pk) == "patrol_officerposition_p202501"
    positions_purge(days=30)
    assert list(OfficerPosition.objects.values_list("pk", flat=True)) == [kept.pk]
    entry = AuditEntry.objects.get(action="patrol_position.partition_dropped")
    assert entry.changes["partition"] == "patrol_officerposition_p202501"
    assert entry.changes["count"] == 3
    assert entry.changes["id_range"] == [gone[0].pk, gone[-1].pk]
    assert verify().startswith("OK")
