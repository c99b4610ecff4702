"""Every write of the cctv app: one function per use case, audited, with a dashboard event.

Credentials of cameras never enter an audit entry or an event: payloads and audit changes are
built from explicit field lists, and URLs are redacted.
"""

import logging
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cctv.models import (
    MAX_VALIDITY_DAYS,
    AnalysisJob,
    Camera,
    CameraSite,
    EnrollmentPhoto,
    FaceMatch,
    WatchlistEntry,
    redact_url,
)
from cctv.pipeline.embed import FaceEmbedder, OneFaceError, decode_image
from smartzone import access
from smartzone.audit import audit_append
from smartzone.errors import save_file_or_refuse
from smartzone.outbox import event_record

log = logging.getLogger(__name__)
SYSTEM = "system:cctv"


# --- payloads (what dashboards and the audit trail see) ---------------------------------------


def camera_payload(camera: Camera) -> dict:
    return {
        "id": camera.pk,
        "code": camera.code,
        "name": camera.name,
        "site": camera.site.name,
        "lat": camera.lat,
        "lng": camera.lng,
        "direction_deg": camera.direction_deg,
        "fov_deg": camera.fov_deg,
        "range_m": camera.range_m,
        "status": camera.status,
        "last_seen_at": camera.last_seen_at.isoformat() if camera.last_seen_at else None,
    }


def camera_audit(camera: Camera) -> dict:
    return camera_payload(camera) | {
        "stream_url": redact_url(camera.stream_url),
        "snapshot_url": redact_url(camera.snapshot_url),
        "has_credentials": camera.has_credentials,
        "make": camera.make,
        "model": camera.model,
        "live_view_blocked": camera.live_view_blocked,
        "live_view_blocked_reason": camera.live_view_blocked_reason,
    }


def entry_audit(entry: WatchlistEntry) -> dict:
    return {
        "name": entry.name,
        "aliases": entry.aliases,
        "category": entry.category,
        "legal_basis": entry.legal_basis,
        "reason": entry.reason,
        "requested_by": entry.requested_by_id,
        "approved_by": entry.approved_by_id,
        "valid_until": entry.valid_until,
        "status": entry.status,
    }


def job_payload(job: AnalysisJob) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "state": job.state,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "reason": job.reason,
        "broke_at_frame": job.broke_at_frame,
        "faces": job.face_counts,
        "live_state": job.live_state,
        "live_state_label": job.get_live_state_display(),
        "live_reason": job.get_live_reason_display(),
        "lag_s": job.lag_s,
        "lag_warning": job.lag_warning,
        "frames_dropped": job.frames_dropped,
        "seconds_lost": round(job.seconds_lost, 1),
        "reconnects": job.reconnects,
        "title": _("Video analysis #%(id)s: %(state)s")
        % {"id": job.pk, "state": job.get_state_display()},
    }


def match_payload(match: FaceMatch) -> dict:
    camera = match.camera
    payload = {
        "id": match.pk,
        "job": match.job_id,
        "entry": match.entry_id,
        "title": _("Possible match: %(name)s") % {"name": match.entry.name},
        "tier": match.tier,
        "category": match.entry.category,
        "score": round(match.score, 3),
        "status": match.status,
        "seen_at": match.seen_at.isoformat(),
        "camera": camera.pk if camera else None,
        "camera_name": camera.name if camera else "",
        "url": reverse("cctv:match_review", args=[match.pk]),
    }
    if camera is not None:
        payload |= {"lat": camera.lat, "lng": camera.lng}
    return payload


# --- sites and cameras ------------------------------------------------------------------------


@transaction.atomic
def camera_site_save(*, actor, site: CameraSite) -> CameraSite:
    """Create or update a camera site (supervisors, admin, demo)."""
    if not isinstance(actor, str) and actor is not None:
        access.require_supervisor(actor)
    access.require_station(actor, site.station_id)
    creating = site._state.adding
    site.full_clean()
    site.save()
    changes = {"name": site.name, "lat": site.lat, "lng": site.lng}
    action = "camera_site.created" if creating else "camera_site.updated"
    audit_append(actor=actor, action=action, obj=site, changes=changes)
    event_record(station=site.station, kind=action, payload={"id": site.pk} | changes)
    return site


def _credentials_unbind(camera: Camera) -> None:
    """Forget the stored user name and password when a URL now names a scheme, host or port
    they were not entered for, unless a new password came with the change: credentials go
    only to the camera they belong to."""
    stored = Camera.objects.filter(pk=camera.pk).first()
    if stored is None or not stored.has_credentials:
        return
    if camera.password_encrypted != stored.password_encrypted:
        return  # typed again (or removed) together with the new address
    if camera.credential_origins <= stored.credential_origins:
        return
    camera.username = ""
    camera.password = ""


@transaction.atomic
def camera_save(*, actor, camera: Camera) -> Camera:
    """Create or update a camera. Credentials in the URLs are moved to their own fields; stored
    credentials are dropped when the camera's address changes without them (see above)."""
    from cctv.models import split_credentials

    if not isinstance(actor, str) and actor is not None:
        access.require_supervisor(actor)
    access.require_station(actor, camera.station_id)
    typed_in_url = False
    for field in ("stream_url", "snapshot_url"):
        clean, user, password = split_credentials(getattr(camera, field))
        setattr(camera, field, clean)
        if user:
            camera.username, camera.password = user, password
            typed_in_url = True
    if not camera._state.adding and not typed_in_url:
        _credentials_unbind(camera)
    creating = camera._state.adding
    camera.full_clean()
    camera.save()
    action = "camera.created" if creating else "camera.updated"
    audit_append(actor=actor, action=action, obj=camera, changes=camera_audit(camera))
    event_record(station=camera.station, kind=action, payload=camera_payload(camera))
    if not creating:
        from cctv.live.services import live_viewers_refuse

        # Closed to live viewing (or disabled, or without an address): its viewers stop now.
        transaction.on_commit(lambda: live_viewers_refuse(camera))
    return camera


@transaction.atomic
def camera_status_record(
    *, camera_id: int, online: bool, reason: str = "", reconnecting: bool = False
) -> Camera:
    """Record a health probe's result (or a live watch's: RECONNECTING while it retries a
    dropped stream); tell dashboards only when the status changes."""
    camera = Camera.objects.select_for_update().get(pk=camera_id)
    now = timezone.now()
    new = Camera.Status.ONLINE if online else Camera.Status.OFFLINE
    if not online and reconnecting:
        new = Camera.Status.RECONNECTING
    changed = camera.status != new
    camera.status, camera.status_reason, camera.last_probe_at = new, reason[:300], now
    fields = ["status", "status_reason", "last_probe_at"]
    if online:
        camera.last_seen_at = now
        fields.append("last_seen_at")
    camera.save(update_fields=fields)
    if changed:
        kind = f"cctv.camera.{new}"
        audit_append(actor=SYSTEM, action=kind, obj=camera, changes={"reason": reason[:300]})
        event_record(
            station=camera.station,
            kind=kind,
            payload=camera_payload(camera) | {"title": f"{camera.code} {camera.name}"},
        )
    return camera


# --- watchlist --------------------------------------------------------------------------------


@transaction.atomic
def watchlist_entry_create(
    *,
    actor,
    station,
    name: str,
    category: str,
    valid_until,
    aliases: str = "",
    legal_basis: str = "",
    reason: str = "",
) -> WatchlistEntry:
    """Request a watchlist entry; it is matched only once another supervisor approves it."""
    access.require_station(actor, station)
    entry = WatchlistEntry(
        station=station,
        name=name,
        aliases=aliases,
        category=category,
        legal_basis=legal_basis,
        reason=reason,
        valid_until=valid_until,
        requested_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit_append(actor=actor, action="watchlist.requested", obj=entry, changes=entry_audit(entry))
    event_record(
        station=station,
        kind="cctv.watchlist.requested",
        payload={"id": entry.pk, "name": entry.name, "category": entry.category},
    )
    return entry


def _entry_for_update(actor, entry_id: int) -> WatchlistEntry:
    entry = WatchlistEntry.objects.select_for_update().get(pk=entry_id)
    access.require_station(actor, entry.station_id)
    return entry


@transaction.atomic
def watchlist_entry_approve(*, actor, entry: WatchlistEntry) -> WatchlistEntry:
    """Approve ENTRY: a supervisor other than the one who asked for it."""
    access.require_supervisor(actor)
    entry = _entry_for_update(actor, entry.pk)
    if entry.requested_by_id == actor.pk:
        raise PermissionDenied(_("You cannot approve an entry you requested yourself."))
    if entry.status != WatchlistEntry.Status.PENDING:
        raise ValidationError({"status": _("Only an entry waiting for approval can be approved.")})
    if not entry.photos.exists():
        raise ValidationError({"photos": _("Add at least one enrollment photo first.")})
    entry.approved_by, entry.approved_at = actor, timezone.now()
    entry.status = WatchlistEntry.Status.APPROVED
    entry.full_clean()
    entry.save(update_fields=["approved_by", "approved_at", "status"])
    audit_append(actor=actor, action="watchlist.approved", obj=entry, changes=entry_audit(entry))
    event_record(
        station=entry.station,
        kind="cctv.watchlist.approved",
        payload={"id": entry.pk, "name": entry.name},
    )
    return entry


@transaction.atomic
def watchlist_entry_set_status(
    *, actor, entry: WatchlistEntry, status: str, note: str = ""
) -> WatchlistEntry:
    """Reject a pending ENTRY or revoke an approved one (supervisors). Either ends its matching
    for good, running jobs included (they re-check an entry before raising a match)."""
    access.require_supervisor(actor)
    entry = _entry_for_update(actor, entry.pk)
    allowed_from = {
        WatchlistEntry.Status.REJECTED: WatchlistEntry.Status.PENDING,
        WatchlistEntry.Status.REVOKED: WatchlistEntry.Status.APPROVED,
    }
    if status not in allowed_from:
        raise ValidationError({"status": _("Choose reject or revoke.")})
    if entry.status != allowed_from[status]:
        message = (
            _("Only an entry waiting for approval can be rejected.")
            if status == WatchlistEntry.Status.REJECTED
            else _("Only an approved entry can be revoked.")
        )
        raise ValidationError({"status": message})
    before = entry.status
    entry.status = status
    entry.save(update_fields=["status"])
    audit_append(
        actor=actor,
        action=f"watchlist.{status}",
        obj=entry,
        changes={"status": [before, status], "note": note.strip()},
    )
    event_record(station=entry.station, kind=f"cctv.watchlist.{status}", payload={"id": entry.pk})
    return entry


@transaction.atomic
def watchlist_entry_renew(*, actor, entry: WatchlistEntry, valid_until) -> WatchlistEntry:
    """Extend an approved ENTRY, at most 90 days from today, by a supervisor not its requester."""
    access.require_supervisor(actor)
    entry = _entry_for_update(actor, entry.pk)
    if entry.requested_by_id == actor.pk:
        raise PermissionDenied(_("You cannot renew an entry you requested yourself."))
    if entry.status != WatchlistEntry.Status.APPROVED:
        # A rejected or revoked entry stays so; renewing must not approve it by the back door.
        raise ValidationError({"status": _("Only an approved entry can be renewed.")})
    if valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("Give a date from today on.")})
    if valid_until > timezone.localdate() + timedelta(days=MAX_VALIDITY_DAYS):
        raise ValidationError(
            {"valid_until": _("An entry is valid for at most 90 days; renew it later.")}
        )
    before = entry.valid_until
    entry.valid_until, entry.approved_by, entry.approved_at = valid_until, actor, timezone.now()
    entry.status = WatchlistEntry.Status.APPROVED
    entry.full_clean()
    entry.save(update_fields=["valid_until", "approved_by", "approved_at", "status"])
    audit_append(
        actor=actor,
        action="watchlist.renewed",
        obj=entry,
        changes={"valid_until": [before, valid_until]},
    )
    event_record(station=entry.station, kind="cctv.watchlist.renewed", payload={"id": entry.pk})
    return entry


@transaction.atomic
def enrollment_photo_add(
    *, actor, entry: WatchlistEntry, filename: str, data: bytes
) -> EnrollmentPhoto:
    """Add a photo to ENTRY while it waits for approval; it must hold exactly one face, whose
    embedding is stored.

    An approved entry takes no new photo: its approver vouched for the faces it had, so a new
    face would be matched without anyone approving it. Request a new entry instead.
    """
    access.require_station(actor, entry.station_id)
    entry = _entry_for_update(actor, entry.pk)
    if entry.status != WatchlistEntry.Status.PENDING:
        raise ValidationError(
            {
                "image": f"{filename}: "
                + _(
                    "photos can be added only while the entry waits for approval; "
                    "request a new entry to enroll another photo"
                )
            }
        )
    try:
        image = decode_image(data)
        vector = FaceEmbedder().embed_single(image)
    except OneFaceError as exc:
        reason = (
            _("no face was found in the photo")
            if exc.count == 0
            else _("%(n)s faces were found; the photo must show one person") % {"n": exc.count}
        )
        raise ValidationError({"image": f"{filename}: {reason}"}) from None
    except ValueError:
        raise ValidationError(
            {"image": f"{filename}: " + _("the file is not an image that can be read")}
        ) from None
    photo = EnrollmentPhoto(entry=entry, embedding=vector.astype(np.float32).tobytes())
    photo.added_by = actor if getattr(actor, "is_authenticated", False) else None
    save_file_or_refuse(photo.image, filename, ContentFile(data), field_name="image")
    try:
        photo.full_clean(exclude=["image"])
        photo.save()
    except Exception:
        photo.image.delete(save=False)
        raise
    audit_append(
        actor=actor,
        action="watchlist.photo_added",
        obj=entry,
        changes={"photo": photo.pk, "file": photo.image.name},
    )
    event_record(station=entry.station, kind="cctv.watchlist.photo_added", payload={"id": entry.pk})
    return photo


def matcher_for_station(station_id: int):
    """Build a WatchlistMatcher of the station's approved, unexpired entries."""
    from cctv.pipeline.match import DEFAULT_THRESHOLD, WatchlistMatcher

    photos = EnrollmentPhoto.objects.filter(
        entry__in=WatchlistEntry.objects.matchable().filter(station_id=station_id)
    ).values_list("entry_id", "embedding")
    ids = [entry_id for entry_id, _e in photos]
    vectors = [np.frombuffer(bytes(e), dtype=np.float32) for _i, e in photos]
    threshold = float(getattr(settings, "CCTV_MATCH_THRESHOLD", DEFAULT_THRESHOLD))
    return WatchlistMatcher(
        np.array(vectors, dtype=np.float32).reshape(-1, 128), ids, threshold=threshold
    )
