"""Writes of the incidents app: submitting reports, the triage workflow, updates, merging.

Every write runs in one transaction with its audit entry and outbox event (DESIGN.md "How data
flows"). Photos are checked and cleaned before anything is written; their files are written
inside the transaction and removed again if it fails, so a refused report leaves nothing.
"""

import datetime
import hashlib
import hmac
import json
import logging
import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import (
    TRANSITIONS,
    Category,
    Report,
    ReportPhoto,
    ReportTransition,
    ReportUpdate,
    validate_occurred_not_in_future,
)
from smartzone import access, geo, registry
from smartzone.audit import actor_label, audit_append, audit_append_many
from smartzone.errors import save_file_or_refuse
from smartzone.groupcommit import GroupCommit, insert_all
from smartzone.outbox import event_record, events_record
from smartzone.photos import CleanPhoto, clean_photos
from smartzone.selectors import station_for_point

log = logging.getLogger(__name__)
CITIZEN = "citizen"
# Tracking codes are random; one already taken is drawn again, at most this many times in all.
TRACKING_CODE_ATTEMPTS = 5


class TransitionError(ValidationError):
    """The report's state does not allow this step (or another officer was faster)."""


class IdempotencyConflict(ValidationError):
    """The idempotency key was already used for a report with different content."""

    def __init__(self):
        super().__init__(
            _(
                "This submission key was already used for a different report. Nothing was "
                "saved; send the report again with a new key."
            ),
            code="idempotency_conflict",
        )


def submission_fingerprint(
    *,
    kind: str,
    category: Category,
    description: str,
    occurred_at,
    lat: float,
    lng: float,
    anonymous: bool,
    reporter_name: str,
    reporter_phone: str,
    photos,
) -> str:
    """Return the SHA-256 of a submission as the service stores it (photos by their bytes)."""
    photo_hashes = []
    for upload in photos:
        digest = hashlib.sha256()
        upload.seek(0)
        for chunk in iter(lambda upload=upload: upload.read(1 << 16), b""):
            digest.update(chunk)
        upload.seek(0)
        photo_hashes.append(digest.hexdigest())
    if occurred_at is not None and timezone.is_aware(occurred_at):
        occurred_at = occurred_at.astimezone(datetime.UTC)
    normalised = {
        "kind": kind,
        "category": category.pk,
        "description": description.strip(),
        "occurred_at": occurred_at.isoformat() if occurred_at else None,
        "lat": round(float(lat), 7),
        "lng": round(float(lng), 7),
        "anonymous": bool(anonymous),
        "name": "" if anonymous else reporter_name.strip(),
        "phone": "" if anonymous else reporter_phone.strip(),
        "photos": photo_hashes,
    }
    text = json.dumps(normalised, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _replayed(idempotency_key: str, fingerprint: str) -> Report | None:
    """The report first filed with IDEMPOTENCY_KEY if FINGERPRINT matches it; None if there is
    none; IdempotencyConflict if the key was used for other content."""
    existing = Report.objects.filter(idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if not hmac.compare_digest(existing.idempotency_fingerprint, fingerprint):
        raise IdempotencyConflict()
    return existing


def report_payload(report: Report) -> dict:
    """What dashboards hear about a report: no reporter's name, phone or address."""
    return {
        "id": report.pk,
        "report": report.pk,
        "code": report.display_code,
        "kind": report.kind,
        "kind_label": str(report.get_kind_display()),
        "category": report.category.code,
        "category_label": report.category.label,
        "title": f"{report.category.label} · {report.display_code}",
        "summary": report.description[:140],
        "state": report.state,
        "state_label": str(report.get_state_display()),
        "lat": report.lat,
        "lng": report.lng,
        "zone": report.zone_id,
        "outside_zone": report.outside_zone,
        "url": reverse("incidents:detail", args=[report.pk]),
    }


def _state_payload(report: Report) -> dict:
    # No lat/lng: the report's marker is already on the map; the dashboard script recolours it.
    payload = report_payload(report)
    payload.pop("lat")
    payload.pop("lng")
    return payload


# --- submitting -------------------------------------------------------------------------------


def _write_photos(report: Report, photos: list[CleanPhoto], written: list) -> None:
    for photo in photos:
        row = ReportPhoto(
            report=report,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=len(photo.content),
        )
        # A random file name: nothing about the reporter or the original file is kept.
        # A full or unwritable disk raises ValidationError({"photos": ...}): the report rolls back.
        save_file_or_refuse(
            row.file,
            f"{uuid.uuid4().hex}.{photo.extension}",
            ContentFile(photo.content),
            field_name="photos",
        )
        written.append(row.file)
        row.full_clean()
        row.save()


def _delete_files(files: list) -> None:
    for f in files:
        try:
            f.storage.delete(f.name)
        except OSError as exc:  # pragma: no cover - a disk problem; the file is orphaned
            log.warning("could not remove photo %s: %s", f.name, exc)


def _report_new(submission: dict) -> Report:
    """A checked, unsaved Report for SUBMISSION (what report_submit was given, cleaned)."""
    s = submission
    station, zone = station_for_point(lat=s["lat"], lng=s["lng"])
    if station is None:
        raise ValidationError(_("No police station is set up yet; please call 191."))
    anonymous, key = s["anonymous"], s["idempotency_key"]
    report = Report(
        kind=s["kind"],
        category=s["category"],
        description=s["description"].strip(),
        occurred_at=s["occurred_at"],
        lat=s["lat"],
        lng=s["lng"],
        station=station,
        zone=zone,
        outside_zone=zone is None,
        anonymous=anonymous,
        reporter_name="" if anonymous else s["reporter_name"].strip(),
        reporter_phone="" if anonymous else s["reporter_phone"].strip(),
        reporter_ip=None if anonymous else s["ip"],
        idempotency_key=key or None,
        idempotency_fingerprint=s["fingerprint"] if key else "",
    )
    # The relations were just read; the unique tracking code and idempotency key are the
    # database's to enforce (report_submit retries a taken code, replays a used key).
    report.full_clean(exclude=["category", "station", "zone"], validate_unique=False)
    return report


@transaction.atomic
def _reports_create(submissions: list[dict], written: list) -> list[Report]:
    """Write the reports of SUBMISSIONS (report_submit's, as dicts) in one transaction, each
    with its photos, its event and its audit entry; list the files written in WRITTEN."""
    reports = [_report_new(submission) for submission in submissions]
    insert_all(reports)
    events, entries = [], []
    for report, submission in zip(reports, submissions, strict=True):
        _write_photos(report, submission["photos"], written)
        nearby = registry.find_nearby(station_id=report.station_id, lat=report.lat, lng=report.lng)
        events.append(
            {
                "station": report.station,
                "kind": "report.submitted",
                "payload": report_payload(report) | {"nearby": registry.nearby_payload(nearby)},
                "zone": report.zone,
            }
        )
        entries.append(
            {
                "actor": CITIZEN,
                "action": "report.submitted",
                "obj": report,
                "changes": {
                    "kind": report.kind,
                    "category": report.category.code,
                    "lat": report.lat,
                    "lng": report.lng,
                    "zone": report.zone_id,
                    "anonymous": report.anonymous,
                    "photos": len(submission["photos"]),
                },
            }
        )
    events_record(events)
    # Last: appending takes the audit chain's lock, held until commit; the less that follows
    # it, the less concurrent reports wait for one another.
    audit_append_many(entries)
    return reports


def _reports_write_group(submissions: list[dict]) -> list[tuple[Report, bool]]:
    written: list = []
    try:
        reports = _reports_create(submissions, written)
    except BaseException:
        _delete_files(written)
        raise
    return [(report, True) for report in reports]


def _report_write_alone(submission: dict) -> tuple[Report, bool]:
    key = submission["idempotency_key"]
    for attempt in range(TRACKING_CODE_ATTEMPTS):
        written: list = []
        try:
            report = _reports_create([submission], written)[0]
        except IntegrityError:
            _delete_files(written)
            if key:
                existing = _replayed(key, submission["fingerprint"])
                if existing is not None:  # sent before, or the same form raced itself
                    return existing, False
            if attempt + 1 == TRACKING_CODE_ATTEMPTS:
                raise
            continue  # the random tracking code was taken: another one
        except BaseException:
            _delete_files(written)
            raise
        break
    return report, True


# Reports submitted at the same moment by this process's threads are written together.
_group = GroupCommit(_reports_write_group)


def report_submit(
    *,
    kind: str,
    category: Category,
    description: str,
    lat: float,
    lng: float,
    occurred_at=None,
    photos=(),
    anonymous: bool = False,
    reporter_name: str = "",
    reporter_phone: str = "",
    ip: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[Report, bool]:
    """File a citizen's report or tip-off; return (report, created).

    The same IDEMPOTENCY_KEY with the same content again returns the first report (created
    False): a double tap or a retry after a dropped connection makes one report. The same key
    with other content raises IdempotencyConflict and reveals nothing of the first report.
    The report goes to the station whose
    zone holds the point, else to the nearest station, flagged outside zone. Anonymous keeps no
    name, phone or IP address. Refused photos raise ValidationError and nothing is written.
    Reports submitted at the same moment are written in one transaction (smartzone.groupcommit).
    """
    photos = list(photos or [])
    submission = {
        "kind": kind,
        "category": category,
        "description": description,
        "occurred_at": occurred_at,
        "lat": lat,
        "lng": lng,
        "anonymous": anonymous,
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
    }
    fingerprint = ""
    if idempotency_key:
        fingerprint = submission_fingerprint(**submission, photos=photos)
    try:
        geo.check_lat_lng(lat, lng)
    except geo.GeometryError as exc:
        raise ValidationError({"lat": str(exc)}) from None
    if not category.active:
        raise ValidationError({"category": _("This category is no longer offered.")})
    try:
        validate_occurred_not_in_future(occurred_at)
    except ValidationError as exc:
        raise ValidationError({"occurred_at": exc.messages}) from None
    submission |= {
        "photos": clean_photos(photos),
        "ip": ip,
        "idempotency_key": idempotency_key,
        "fingerprint": fingerprint,
    }
    return _group.run(submission, _report_write_alone)


# --- the triage workflow ----------------------------------------------------------------------


def _get_locked(actor, report_id: int) -> Report:
    queryset = Report.objects.select_related("category", "station")
    if actor is None or isinstance(actor, str):
        return queryset.select_for_update(of=("self",)).get(pk=report_id)
    if not access.is_officer(actor):
        raise PermissionDenied(_("Only police officers may change reports."))
    return access.get_for_user(queryset.select_for_update(of=("self",)), actor, pk=report_id)


def _log_transition(report: Report, *, actor, from_state: str, note: str) -> None:
    ReportTransition.objects.create(
        report=report,
        from_state=from_state,
        to_state=report.state,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor),
        note=note,
    )


def _check_transition(report: Report, to_state: str) -> None:
    if to_state not in Report.State.values:
        raise TransitionError(_("Unknown state “%(state)s”.") % {"state": to_state})
    if to_state not in TRANSITIONS[report.state]:
        raise TransitionError(
            _("A report that is “%(now)s” cannot become “%(to)s”.")
            % {
                "now": report.get_state_display(),
                "to": Report.State(to_state).label,
            }
        )


@transaction.atomic
def report_transition(
    *,
    actor,
    report_id: int,
    to_state: str,
    note: str = "",
    officer_id: int | None = None,
    reason: str = "",
) -> Report:
    """Move a report one legal step: triaged, dispatched (to OFFICER_ID), on scene, resolved, or
    rejected (with REASON). Illegal steps raise TransitionError; another station's report is 404.
    """
    report = _get_locked(actor, report_id)
    _check_transition(report, to_state)
    from_state = report.state
    fields = ["state", f"{to_state}_at"]
    if to_state == Report.State.DISPATCHED:
        officer = (
            get_user_model()
            .objects.filter(pk=officer_id, is_active=True, officer__station_id=report.station_id)
            .first()
            if officer_id
            else None
        )
        if officer is None:
            raise ValidationError({"officer": _("Choose an officer of this station to send.")})
        report.assigned_officer = officer
        fields.append("assigned_officer")
    if to_state == Report.State.REJECTED:
        if reason not in Report.RejectionReason.values:
            raise ValidationError({"reason": _("Say why the report is rejected.")})
        report.rejection_reason = reason
        fields.append("rejection_reason")
    if to_state == Report.State.RESOLVED and note:
        report.resolution_note = note
        fields.append("resolution_note")
    report.state = to_state
    setattr(report, f"{to_state}_at", timezone.now())
    report.save(update_fields=fields)
    _log_transition(report, actor=actor, from_state=from_state, note=note)
    audit_append(
        actor=actor,
        action=f"report.{to_state}",
        obj=report,
        changes={
            "state": [from_state, to_state],
            "note": note,
            "officer": report.assigned_officer_id if to_state == "dispatched" else None,
            "reason": reason or None,
        },
    )
    event_record(
        station=report.station,
        kind=f"report.{to_state}",
        payload=_state_payload(report),
        zone=report.zone,
    )
    if to_state == Report.State.DISPATCHED:
        # The officer, if on shift, gets it on their phone (the dispatch app, if installed).
        registry.items_dispatched(
            actor=actor, kind="report", item_id=report.pk, officer_ids=[report.assigned_officer_id]
        )
    return report


@transaction.atomic
def report_cameras_look(*, actor, report_id: int) -> list:
    """Ask for video analysis of the cameras within 200 m over the 10 minutes around the
    report (when it happened, else when it came in); return the jobs created. Made once even if
    asked twice at once: the report row stays locked while they are."""
    report = _get_locked(actor, report_id)
    return registry.request_video(
        actor=actor,
        obj=report,
        action="report.cameras_requested",
        station_id=report.station_id,
        source=f"report:{report.pk}",
        at=report.occurred_at or report.created_at,
        lat=report.lat,
        lng=report.lng,
        purpose=_("Cameras around report %(code)s") % {"code": report.display_code},
    )


@transaction.atomic
def report_update_add(*, actor, report_id: int, text: str, public: bool) -> ReportUpdate:
    """Add an officer's update: PUBLIC shows on the reporter's tracking page, else a note."""
    report = _get_locked(actor, report_id)
    update = ReportUpdate(
        report=report,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        public=public,
        text=(text or "").strip(),
    )
    update.full_clean()
    update.save()
    audit_append(
        actor=actor,
        action="report.update_public" if public else "report.note_added",
        obj=report,
        changes={"update": update.pk, "public": public},
    )
    event_record(
        station=report.station,
        kind="report.update_public" if public else "report.note_added",
        payload=_state_payload(report) | {"update": update.pk},
        zone=report.zone,
    )
    return update


@transaction.atomic
def report_merge(*, actor, duplicate_id: int, into_id: int, note: str = "") -> Report:
    """Merge DUPLICATE into INTO: the duplicate is rejected as a duplicate and points at INTO;
    its reporter is told on the tracking page. Both must be the same station's."""
    if duplicate_id == into_id:
        raise ValidationError(_("A report cannot be merged into itself."))
    # Lock in id order so that two officers merging the same pair the other way cannot deadlock.
    first, second = sorted([duplicate_id, into_id])
    locked = {first: _get_locked(actor, first), second: _get_locked(actor, second)}
    duplicate, into = locked[duplicate_id], locked[into_id]
    if duplicate.station_id != into.station_id:
        raise ValidationError(_("Reports of different stations cannot be merged."))
    if into.state == Report.State.REJECTED:
        raise ValidationError(_("Merge into a report that is not rejected."))
    _check_transition(duplicate, Report.State.REJECTED)
    from_state = duplicate.state
    duplicate.state = Report.State.REJECTED
    duplicate.rejected_at = timezone.now()
    duplicate.rejection_reason = Report.RejectionReason.DUPLICATE
    duplicate.duplicate_of = into
    duplicate.save(update_fields=["state", "rejected_at", "rejection_reason", "duplicate_of"])
    _log_transition(
        duplicate,
        actor=actor,
        from_state=from_state,
        note=note or _("Merged into %(code)s.") % {"code": into.display_code},
    )
    ReportUpdate.objects.create(
        report=duplicate,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        public=True,
        text=_(
            "Others reported the same incident; the station follows it up as one case. "
            "Thank you for reporting."
        ),
    )
    audit_append(
        actor=actor,
        action="report.merged",
        obj=duplicate,
        changes={"into": into.pk, "state": [from_state, duplicate.state], "note": note},
    )
    event_record(
        station=duplicate.station,
        kind="report.merged",
        payload=_state_payload(duplicate) | {"into": into.pk},
        zone=duplicate.zone,
    )
    return duplicate


# --- categories (admin) -----------------------------------------------------------------------


@transaction.atomic
def category_save(*, actor, category: Category) -> Category:
    """Create or change a report category (admins)."""
    if actor is not None and not isinstance(actor, str) and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator may change categories."))
    creating = category._state.adding
    category.full_clean()
    category.save()
    audit_append(
        actor=actor,
        action="report_category.created" if creating else "report_category.updated",
        obj=category,
        changes={"code": category.code, "name": category.name, "active": category.active},
    )
    return category
