"""Retention of personal data on SOS events (PDPA).

An SOS keeps its callback phone and its snapshot while it is open. Once closed, the phone is
blanked after RETENTION_REPORTER_CONTACT_DAYS and the snapshot deleted after
RETENTION_REPORT_PHOTO_DAYS; the event itself (where, when, the response times) stays.
"""

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from smartzone.privacy import phone_regex
from smartzone.registry import PersonalDataSource, PersonalRecord, Subject
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


# --- data-subject requests (smartzone/privacy.py) ---------------------------------------------


def _events_of(subject: Subject):
    if not subject.phone:
        return SosEvent.objects.none()
    return SosEvent.objects.filter(callback_phone__regex=phone_regex(subject.phone))


def caller_data_find(subject: Subject) -> list[PersonalRecord]:
    """SOS events whose callback phone is SUBJECT's."""
    return [
        PersonalRecord(
            kind="sos",
            id=sos.pk,
            label=_("SOS #%(id)s (%(state)s)") % {"id": sos.pk, "state": sos.get_state_display()},
            station_id=sos.station_id,
            data={
                "callback_phone": sos.callback_phone,
                "message": sos.message,
                "received_at": sos.received_at.isoformat(),
            },
        )
        for sos in _events_of(subject)
    ]


def caller_data_erase(*, actor, subject: Subject) -> dict[str, list[int]]:
    """Blank the callback phone and the message of SUBJECT's SOS events (the events stay)."""
    ids = list(_events_of(subject).select_for_update().values_list("pk", flat=True))
    SosEvent.objects.filter(pk__in=ids).update(callback_phone="", message="")
    return {"sos": ids}


PERSONAL_DATA = PersonalDataSource(
    name="sos",
    label=_lazy("SOS callers"),
    find=caller_data_find,
    erase=caller_data_erase,
)
