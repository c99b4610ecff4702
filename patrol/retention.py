"""Retention of officers' personal data in the patrol app (PDPA).

Live positions go after RETENTION_OFFICER_POSITION_DAYS; check-in photos after
RETENTION_CHECKIN_PHOTO_DAYS (the check-in itself, the patrol record, stays).
"""

from datetime import datetime

from patrol.models import CheckIn, OfficerPosition
from smartzone.retention import (
    cutoff_for,
    delete_files_after_commit,
    drop_partitions_before,
    purge_batches,
)

# Positions come every few seconds: big batches, and the audit entry names their id range.
POSITION_BATCH = 5000


def _delete_positions(positions: list[OfficerPosition]) -> dict:
    OfficerPosition.objects.filter(pk__in=[p.pk for p in positions]).delete()
    return {"officers": len({p.officer_id for p in positions})}


def positions_purge(*, now: datetime | None = None, days: int | None = None) -> list[int]:
    """Delete officers' positions reported longer ago than the retention; return their ids."""
    cutoff, days = cutoff_for("RETENTION_OFFICER_POSITION_DAYS", now=now, days=days)
    # On PostgreSQL a month of positions wholly past the retention is dropped whole (its
    # rows' ids are not listed: the entry names the partition, its count and id range).
    drop_partitions_before(
        "patrol_officerposition", cutoff, action="patrol_position.partition_dropped", days=days
    )
    return purge_batches(
        candidates=OfficerPosition.objects.filter(reported_at__lt=cutoff).select_related("shift"),
        action="patrol_position.purged",
        retention_days=days,
        purge=_delete_positions,
        station_of=lambda position: position.shift.station_id,
        batch_size=POSITION_BATCH,
        list_ids=False,
    )


def _delete_photos(checkins: list[CheckIn]) -> dict:
    delete_files_after_commit([checkin.photo for checkin in checkins])
    CheckIn.objects.filter(pk__in=[c.pk for c in checkins]).update(photo="")
    return {}


def checkin_photos_purge(*, now: datetime | None = None, days: int | None = None) -> list[int]:
    """Delete the photos of check-ins older than the retention; return the check-ins' ids."""
    cutoff, days = cutoff_for("RETENTION_CHECKIN_PHOTO_DAYS", now=now, days=days)
    return purge_batches(
        candidates=CheckIn.objects.filter(checked_at__lt=cutoff).exclude(photo=""),
        action="checkin.photos_purged",
        retention_days=days,
        purge=_delete_photos,
        station_of=lambda checkin: checkin.station_id,
    )
