"""Retention of personal data (PDPA): purge what is past its period, and record what went.

Each app's purge (in its retention.py, run daily by its Celery task) goes through
`purge_batches`: a batch at a time, one transaction each, one audit entry per station naming
counts and ids, never the personal data; files are deleted only after the commit. Running a
purge twice, or two at once, removes and records each thing once. The periods are settings
(RETENTION_*_DAYS, see README "Retention of personal data").

The outbox's old events (the stations' timelines) go after RETENTION_EVENT_DAYS with
`events_purge`: on PostgreSQL a whole month at a time (its partition dropped, audited), the
rest a batch at a time.

The audit trail's own old entries go with `audit_purge`, which moves the chain's checkpoint
so that `manage.py verify_audit` still proves the kept entries intact.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from smartzone import partitions
from smartzone.audit import PURGE_ACTION, audit_append
from smartzone.models import AuditEntry, AuditHead, Event

SYSTEM = "system:retention"
BATCH_SIZE = 500


def cutoff_for(setting: str, *, now: datetime | None = None, days: int | None = None):
    """Return (cutoff time, days): DAYS, or the SETTING's number of days, before NOW."""
    days = int(getattr(settings, setting)) if days is None else days
    return (now or timezone.now()) - timedelta(days=days), days


def delete_files_after_commit(files: Iterable) -> None:
    """Delete stored files once the transaction that dropped their rows has committed."""
    for f in files:
        if f and f.name:
            transaction.on_commit(lambda s=f.storage, n=f.name: s.delete(n))


def purge_batches(
    *,
    candidates: models.QuerySet,
    action: str,
    retention_days: int,
    purge: Callable[[list], dict],
    station_of: Callable[[models.Model], int | None],
    batch_size: int = BATCH_SIZE,
    list_ids: bool = True,
) -> list[int]:
    """Purge CANDIDATES a locked batch at a time; return the ids of the rows purged.

    PURGE gets one station's locked rows, deletes or blanks them, and returns what the audit
    entry records besides the ids (e.g. {"files": 3}). CANDIDATES must stop matching a row once
    it is purged: that is what makes a second run a no-op. With LIST_IDS false the entry
    names the first and last id ("id_range") instead of every id.
    """
    done: list[int] = []
    last_pk = 0
    while True:
        with transaction.atomic():
            rows = list(
                candidates.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update(of=("self",))[:batch_size]
            )
            if not rows:
                return done
            last_pk = rows[-1].pk
            by_station: dict[int | None, list] = defaultdict(list)
            for row in rows:
                by_station[station_of(row)].append(row)
            for station_id, group in by_station.items():
                ids = [row.pk for row in group]
                changes = {"retention_days": retention_days, "count": len(ids)}
                changes |= {"ids": ids} if list_ids else {"id_range": [ids[0], ids[-1]]}
                changes |= purge(group)
                audit_append(actor=SYSTEM, action=action, station=station_id, changes=changes)
            done += [row.pk for row in rows]


def audit_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete audit entries older than RETENTION_AUDIT_DAYS; return how many went.

    The purge appends its own entry naming the first kept id and the hash that id links to,
    and stores the same on AuditHead, where audit_verify starts; a checkpoint no purge entry
    records is reported as a broken chain.
    """
    cutoff, days = cutoff_for("RETENTION_AUDIT_DAYS", now=now, days=days)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)  # no appends now
        old = AuditEntry.objects.filter(pk__lt=head.seq + 1, created_at__lt=cutoff)
        last_old = old.order_by("-pk").values_list("pk", flat=True).first()
        if last_old is None:
            return 0
        keep = AuditEntry.objects.filter(pk__gt=last_old).order_by("pk").first()
        # With nothing newer, the purge's own entry (appended next) is the first one kept.
        first_kept = keep.pk if keep else head.seq + 1
        first_kept_prev = keep.prev_hash if keep else head.hash
        count = AuditEntry.objects.filter(pk__lt=first_kept).count()
        changes = {
            "retention_days": days,
            "count": count,
            "ids": [head.first_seq, first_kept - 1],
            "first_kept": first_kept,
            "first_kept_prev_hash": first_kept_prev,
        }
        # On PostgreSQL, a month whose every entry goes is dropped whole, not row by row.
        whole = partitions_before("smartzone_auditentry", first_kept=first_kept, cutoff=cutoff)
        if whole:
            changes["partitions_dropped"] = [p.name for p in whole]
        audit_append(actor=SYSTEM, action=PURGE_ACTION, changes=changes)
        for partition in whole:
            partitions.drop(partition.name)
        AuditEntry.objects.filter(pk__lt=first_kept).delete()
        AuditHead.objects.filter(pk=1).update(first_seq=first_kept, first_prev_hash=first_kept_prev)
    return count


def partitions_before(table: str, *, cutoff: datetime, first_kept: int | None = None) -> list:
    """Return TABLE's monthly partitions (PostgreSQL) that end by CUTOFF and, with FIRST_KEPT,
    hold only ids below it: the ones retention drops whole."""
    whole = []
    for partition in partitions.monthly_partitions(table):
        if partitions.month_bounds(partition.month)[1] > cutoff:
            continue
        if first_kept is not None and (partition.last_id or 0) >= first_kept:
            continue
        whole.append(partition)
    return whole


def drop_partitions_before(table: str, cutoff: datetime, *, action: str, days: int) -> None:
    """Drop TABLE's monthly partitions (PostgreSQL) that end by CUTOFF, each with one audit
    entry ACTION naming it, its row count and id range (its rows' ids are not listed)."""
    for partition in partitions_before(table, cutoff=cutoff):
        with transaction.atomic():
            audit_append(
                actor=SYSTEM,
                action=action,
                changes={
                    "retention_days": days,
                    "partition": partition.name,
                    "count": partition.rows,
                    "id_range": [partition.first_id, partition.last_id],
                },
            )
            partitions.drop(partition.name)


# Events come with every change of every station: big batches, the entry names an id range.
EVENT_BATCH = 5000


def _delete_events(events: list) -> dict:
    Event.objects.filter(pk__in=[e.pk for e in events]).delete()
    return {}


def events_purge(*, now: datetime | None = None, days: int | None = None) -> list[int]:
    """Delete outbox events older than RETENTION_EVENT_DAYS; return the ids deleted row by
    row. On PostgreSQL each month wholly past the retention is dropped whole first, with one
    audit entry naming the partition, its row count and id range (its ids are not listed)."""
    cutoff, days = cutoff_for("RETENTION_EVENT_DAYS", now=now, days=days)
    drop_partitions_before("smartzone_event", cutoff, action="event.partition_dropped", days=days)
    return purge_batches(
        candidates=Event.objects.filter(created_at__lt=cutoff),
        action="event.purged",
        retention_days=days,
        purge=_delete_events,
        station_of=lambda event: event.station_id,
        batch_size=EVENT_BATCH,
        list_ids=False,
    )
