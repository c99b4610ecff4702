"""Retention of personal data on SOS events (PDPA).

An SOS keeps its callback phone and its snapshot while it is open. Once closed, the phone is
blanked after RETENTION_REPORTER_CONTACT_DAYS and the snapshot deleted after
RETENTION_REPORT_PHOTO_DAYS; the event itself (where, when, the response times) stays.
"""

from datetime import datetime

from smartzone.retention import cutoff_for, delete_files_after_commit, purge_batches
from sos.models import SosEvent


def _closed_before(cutoff):
    return SosEvent.objects.filter(state=SosEvent.State.CLOSED, closed_at__lt=cutoff)


def _blank_phones(events: list[SosEvent]) -> dict:
    SosEvent.objects.filter(pk__in=[e.pk for e in events]).update(callback_phone="")
    return {}


def sos_contacts_purge(*, now: datetime | None = None, days: int | None = None) -> list[int]:
    """Blank the callback phone of SOS events closed long enough; return their ids."""
    cutoff, days = cutoff_for("RETENTION_REPORTER_CONTACT_DAYS", now=now, days=days)
    return purge_batches(
        candidates=_closed_before(cutoff).exclude(callback_phone=""),
        action="sos.contacts_purged",
        retention_days=days,
        purge=_blank_phones,
        station_of=lambda sos: sos.station_id,
    )


def _delete_snapshots(events: list[SosEvent]) -> dict:
    delete_files_after_commit([event.snapshot for event in events])
    SosEvent.objects.filter(pk__in=[e.pk for e in events]).update(snapshot="")
    return {}


def sos_snapshots_purge(*, now: datetime | None = None, days: int | None = None) -> list[int]:
    """Delete the snapshots of SOS events closed long enough; return the events' ids."""
    cutoff, days = cutoff_for("RETENTION_REPORT_PHOTO_DAYS", now=now, days=days)
    return purge_batches(
        candidates=_closed_before(cutoff).exclude(snapshot=""),
        action="sos.snapshots_purged",
        retention_days=days,
        purge=_delete_snapshots,
        station_of=lambda sos: sos.station_id,
    )
