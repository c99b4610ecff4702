"""Writes of the ops app: make a backup and record it, prune old archives."""

import fcntl
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ops.archive import write_archive
from ops.models import BackupRecord, TaskFailureCount
from smartzone.audit import audit_append
from smartzone.models import Station
from smartzone.outbox import events_record

log = logging.getLogger(__name__)
ARCHIVE_PREFIX, ARCHIVE_SUFFIX = "smartzone-", ".szbackup"
STAMP = "%Y%m%dT%H%M%SZ"


def backup_secret() -> str:
    """Return BACKUP_KEY; refuse a missing key or SECRET_KEY reused as one."""
    key = settings.BACKUP_KEY
    if not key:
        raise ImproperlyConfigured(
            "Set BACKUP_KEY (or BACKUP_KEY_FILE) to a long random value kept apart from the "
            "server, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'. "
            "Without it no archive can be written or read."
        )
    if key == settings.SECRET_KEY:
        raise ImproperlyConfigured("BACKUP_KEY must not be SECRET_KEY: keep them apart.")
    return key


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


def last_good_backup() -> BackupRecord | None:
    return BackupRecord.objects.filter(ok=True).order_by("-finished_at").first()


def last_good_backup_time() -> datetime | None:
    """Return when the last good backup finished: from its record, or, before the ops tables
    exist (upgrading onto the version that brings them), from the newest archive's name."""
    if BackupRecord._meta.db_table in connection.introspection.table_names():
        record = last_good_backup()
        return record.finished_at if record else None
    folder = Path(settings.BACKUP_DIR)
    times = [archive_time(p.name) for p in folder.iterdir()] if folder.is_dir() else []
    return max((t for t in times if t), default=None)


def backup_create(*, actor="backup", if_older_than: timedelta | None = None) -> BackupRecord | None:
    """Write an archive of the database and private files and record the result.

    With IF_OLDER_THAN, do nothing (return None) when a good backup is younger than that, so
    the scheduled task may run often and still make one a day. Return None too when another
    backup holds the lock.
    """
    secret = backup_secret()
    folder = backup_dir()
    with open(folder / ".lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("backup skipped: another backup is running")
            return None
        last = last_good_backup()
        if if_older_than and last and timezone.now() - last.finished_at < if_older_than:
            return None
        started = timezone.now()
        stamp = started.astimezone(UTC).strftime(STAMP)
        path = folder / f"{ARCHIVE_PREFIX}{stamp}{ARCHIVE_SUFFIX}"
        try:
            manifest = write_archive(path, secret)
        except Exception as exc:
            log.exception("backup failed")
            return _record(actor, started, ok=False, error=str(exc)[:2000])
        summary = {
            "engine": manifest["engine"],
            "files": manifest["files"],
            "files_bytes": manifest["files_bytes"],
            "rows": sum(manifest["tables"].values()),
            "audit_seq": (manifest["audit_head"] or {}).get("seq", 0),
        }
        return _record(
            actor,
            started,
            ok=True,
            archive=path.name,
            size=path.stat().st_size,
            sha256=_sha256(path),
            summary=summary,
        )


def _record(actor, started, **fields) -> BackupRecord:
    if BackupRecord._meta.db_table not in connection.introspection.table_names():
        # Not migrated yet (the backup before the upgrade that brings the ops app): the
        # archive's name says when it was made; upgrade_check reads it from there.
        return BackupRecord(started_at=started, finished_at=timezone.now(), **fields)
    with transaction.atomic():
        record = BackupRecord(started_at=started, finished_at=timezone.now(), **fields)
        record.full_clean()
        record.save()
        audit_append(
            actor=actor,
            action="backup.created" if record.ok else "backup.failed",
            obj=record,
            changes={"archive": record.archive, "size": record.size, "error": record.error},
        )
        if record.ok:
            # Every station's duty desk hears of it: its "backup too old" notice goes at once.
            payload = {"finished_at": record.finished_at.isoformat()}
            events_record(
                [
                    {"station": station, "kind": "backup.created", "payload": payload, "zone": None}
                    for station in Station.objects.only("pk")
                ]
            )
    return record


def archive_time(name: str) -> datetime | None:
    """Return when the archive NAME was made, or None if it is not one of ours."""
    if not (name.startswith(ARCHIVE_PREFIX) and name.endswith(ARCHIVE_SUFFIX)):
        return None
    try:
        stamp = name[len(ARCHIVE_PREFIX) : -len(ARCHIVE_SUFFIX)]
        return datetime.strptime(stamp, STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def archives_to_keep(times: list[datetime], now: datetime) -> set[datetime]:
    """Return which of TIMES to keep: the newest, the newest of each day for BACKUP_KEEP_DAILY_DAYS
    and the newest of each week (ISO) for BACKUP_KEEP_WEEKLY_DAYS."""
    keep, days, weeks = set(), set(), set()
    for when in sorted(times, reverse=True):
        age = now - when
        day, week = when.date(), when.isocalendar()[:2]
        if not keep:
            keep.add(when)
        if age <= timedelta(days=settings.BACKUP_KEEP_DAILY_DAYS) and day not in days:
            keep.add(when)
        if age <= timedelta(days=settings.BACKUP_KEEP_WEEKLY_DAYS) and week not in weeks:
            keep.add(when)
        days.add(day)
        weeks.add(week)
    return keep


def backup_prune(*, now: datetime | None = None) -> list[str]:
    """Delete archives the keeping rule no longer holds; return their names."""
    now = now or timezone.now()
    archives = {}
    for path in backup_dir().iterdir():
        if (when := archive_time(path.name)) is not None:
            archives[when] = path
    keep = archives_to_keep(list(archives), now)
    pruned = []
    for when, path in sorted(archives.items()):
        if when not in keep:
            path.unlink(missing_ok=True)
            pruned.append(path.name)
    return pruned


def task_failure_count(*, task: str) -> None:
    """Count one failure of TASK (a counter for /metrics, not a record: no audit entry)."""
    now = timezone.now()
    with transaction.atomic():
        row, created = TaskFailureCount.objects.select_for_update().get_or_create(
            task=task[:200], defaults={"failures": 1, "last_failed_at": now}
        )
        if not created:
            TaskFailureCount.objects.filter(pk=row.pk).update(
                failures=F("failures") + 1, last_failed_at=now
            )
