"""Data-subject requests (PDPA): find, export and erase what is held about a phone or LINE id.

The core imports no app: each app registers a PersonalDataSource in smartzone.registry (its
finder and eraser). Export and erasure are audited with the kinds, counts and ids concerned,
never the phone number or LINE id asked about, nor the data itself.
"""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smartzone import dates, registry
from smartzone.audit import audit_append
from smartzone.models import OfficerProfile
from smartzone.registry import PersonalDataSource, PersonalRecord, Subject

LINE_USER_ID = re.compile(r"^U[0-9a-fA-F]{16,63}$")


def normalise_phone(text: str) -> str:
    """Return a Thai phone number in its national digits (0812345678), from any typing of it."""
    digits = re.sub(r"\D", "", text or "")
    if digits.startswith("66"):
        digits = "0" + digits[2:]
    return digits


def is_phone(digits: str) -> bool:
    return digits.startswith("0") and 9 <= len(digits) <= 10


def phone_regex(phone: str) -> str:
    """Return a regex (for `__regex`) matching PHONE however it was stored: 081-234-5678,
    +66 81 234 5678, 0812345678. PHONE is as normalise_phone returns it."""
    national = phone[1:]
    return r"^\D*(?:66|0)?\D*" + r"\D*".join(national) + r"\D*$"


# The page shows a record's data with these labels (the JSON export keeps the field names).
FIELD_LABELS = {
    "reporter_name": gettext_lazy("reporter's name"),
    "reporter_phone": gettext_lazy("reporter's phone"),
    "reporter_ip": gettext_lazy("reporter's IP address"),
    "created_at": gettext_lazy("created at"),
    "callback_phone": gettext_lazy("callback phone"),
    "message": gettext_lazy("message"),
    "received_at": gettext_lazy("received at"),
    "line_user_id": gettext_lazy("LINE user id"),
    "display_name": gettext_lazy("display name"),
    "zone": gettext_lazy("safety zone"),
    "partner": gettext_lazy("partner"),
    "joined_at": gettext_lazy("joined at"),
    "left_at": gettext_lazy("left at"),
    "linked_at": gettext_lazy("linked at"),
    "broadcast": gettext_lazy("broadcast"),
    "state": gettext_lazy("state"),
    "updated_at": gettext_lazy("updated at"),
    "name": gettext_lazy("name"),
    "contact_person": gettext_lazy("contact person"),
    "phone": gettext_lazy("phone"),
    "note": gettext_lazy("note"),
}
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def record_fields(record: PersonalRecord) -> list[tuple[str, str]]:
    """RECORD's data as a person reads it: (label, text), times local and in the page's era."""
    fields = []
    for name, value in record.data.items():
        if isinstance(value, str) and ISO_DATETIME.match(value):
            value = dt.datetime.fromisoformat(value)
        if isinstance(value, dt.date):
            value = dates.format_datetime(value)
        label = FIELD_LABELS.get(name, name.replace("_", " "))
        fields.append((str(label), "" if value is None else str(value)))
    return fields


def _require_admin(actor) -> None:
    if not getattr(actor, "is_superuser", False) or not actor.is_active:
        raise PermissionDenied(_("Only an administrator may handle data-subject requests."))


def subject_find(subject: Subject) -> dict[str, list[PersonalRecord]]:
    """Return, per registered source, the records holding SUBJECT's personal data."""
    return {name: source.find(subject) for name, source in registry.PERSONAL_DATA_SOURCES.items()}


def _summary(found: dict[str, list[PersonalRecord]]) -> dict:
    """Kinds and ids only: what an audit entry may say about a data-subject request."""
    summary: dict[str, list[int]] = {}
    for records in found.values():
        for record in records:
            summary.setdefault(record.kind, []).append(record.id)
    return {kind: sorted(ids) for kind, ids in sorted(summary.items())}


def _subject_kind(subject: Subject) -> str:
    return "phone" if subject.phone else "line_user_id"


@transaction.atomic
def subject_export(*, actor, subject: Subject) -> dict:
    """Return everything held about SUBJECT as JSON-ready data; audit that it was exported."""
    _require_admin(actor)
    found = subject_find(subject)
    audit_append(
        actor=actor,
        action="data_subject.exported",
        changes={"by": _subject_kind(subject), "records": _summary(found)},
    )
    return {
        "subject": {"phone": subject.phone, "line_user_id": subject.line_user_id},
        "sources": {
            name: [
                {
                    "kind": r.kind,
                    "id": r.id,
                    "label": r.label,
                    "station": r.station_id,
                    "data": r.data,
                }
                for r in records
            ]
            for name, records in found.items()
        },
    }


@transaction.atomic
def subject_erase(*, actor, subject: Subject) -> dict[str, list[int]]:
    """Erase SUBJECT's personal data through every source that can; return {kind: [ids]}.

    One transaction: every source erases, or none does. The audit entry keeps the fact of the
    erasure (kinds and ids), and which sources could not erase here.
    """
    _require_admin(actor)
    erased: dict[str, list[int]] = {}
    kept: list[str] = []
    for name, source in registry.PERSONAL_DATA_SOURCES.items():
        if source.erase is None:
            if source.find(subject):
                kept.append(name)
            continue
        for kind, ids in source.erase(actor=actor, subject=subject).items():
            if ids:
                erased.setdefault(kind, []).extend(ids)
    erased = {kind: sorted(ids) for kind, ids in sorted(erased.items())}
    audit_append(
        actor=actor,
        action="data_subject.erased",
        changes={"by": _subject_kind(subject), "erased": erased, "not_erasable_here": kept},
    )
    return erased


# --- the core's own source: officers' phone numbers -------------------------------------------


def _officers(subject: Subject):
    if not subject.phone:
        return OfficerProfile.objects.none()
    return OfficerProfile.objects.select_related("user").filter(
        phone__regex=phone_regex(subject.phone)
    )


def officers_find(subject: Subject) -> list[PersonalRecord]:
    return [
        PersonalRecord(
            kind="officer",
            id=profile.pk,
            label=_("Officer %(username)s") % {"username": profile.user.get_username()},
            station_id=profile.station_id,
            data={"phone": profile.phone},
        )
        for profile in _officers(subject)
    ]


def officers_erase(*, actor, subject: Subject) -> dict[str, list[int]]:
    ids = list(_officers(subject).values_list("pk", flat=True))
    OfficerProfile.objects.filter(pk__in=ids).update(phone="")
    return {"officer": ids}


def register() -> None:
    registry.register_personal_data(
        PersonalDataSource(
            name="officers",
            label=gettext_lazy("Officers"),
            find=officers_find,
            erase=officers_erase,
        )
    )
