"""Writes of video analysis: jobs, their progress and the face-match candidates they raise.

Called by views (create, cancel, review) and by the Celery task (start, progress, match,
finish, fail). Each is one transaction with its audit entry and dashboard event.
"""

import logging
import os
import uuid
from datetime import timedelta

import cv2
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cctv.models import AnalysisJob, Camera, FaceMatch, WatchlistEntry
from cctv.services import SYSTEM, job_payload, match_payload
from smartzone import access, dates
from smartzone.audit import audit_append
from smartzone.outbox import event_record

log = logging.getLogger(__name__)
MAX_WATCH_MINUTES = 24 * 60


def _enqueue(job_id: int, eta=None) -> None:
    from cctv.tasks import analyse_job

    if eta is not None and eta > timezone.now():
        analyse_job.apply_async((job_id,), eta=eta)
    else:
        analyse_job.delay(job_id)


@transaction.atomic
def job_create(
    *,
    actor,
    station,
    kind: str,
    purpose: str,
    camera: Camera | None = None,
    clip_name: str = "",
    clip_data: bytes | None = None,
    window_start=None,
    window_end=None,
    watch_minutes: int | None = None,
    sample_fps: float | None = None,
    enqueue: bool = True,
) -> AnalysisJob:
    """Create an analysis job and queue it once the transaction commits."""
    access.require_station(actor, station)
    if camera is not None and camera.station_id != getattr(station, "pk", station):
        raise ValidationError({"camera": _("The camera belongs to another station.")})
    errors = {}
    if not purpose.strip():
        errors["purpose"] = _("Say why this video is analysed.")
    if kind == AnalysisJob.Kind.CLIP and not clip_data:
        errors["clip"] = _("Upload a video clip.")
    if kind in (AnalysisJob.Kind.WINDOW, AnalysisJob.Kind.WATCH):
        if camera is None:
            errors["camera"] = _("Choose a camera.")
        elif not camera.stream_url:
            errors["camera"] = _("This camera has no stream URL.")
    if kind == AnalysisJob.Kind.WATCH and not (
        watch_minutes and 0 < watch_minutes <= MAX_WATCH_MINUTES
    ):
        errors["watch_minutes"] = _("Give a number of minutes from 1 to 1440.")
    if kind == AnalysisJob.Kind.WINDOW:
        if not window_start or not window_end or window_end <= window_start:
            errors["window_end"] = _("Give a window whose end is after its start.")
        elif window_end < timezone.now():
            errors["window_end"] = _("The window is over; a live stream cannot go back in time.")
    if kind not in AnalysisJob.Kind.values:
        errors["kind"] = _("Choose a kind of job.")
    if errors:
        raise ValidationError(errors)
    job = AnalysisJob(
        station=station,
        kind=kind,
        camera=camera,
        purpose=purpose.strip(),
        window_start=window_start,
        window_end=window_end,
        watch_minutes=watch_minutes,
        sample_fps=sample_fps or float(getattr(settings, "CCTV_SAMPLE_FPS", 5.0)),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if clip_data:
        safe = f"{uuid.uuid4().hex}{_suffix(clip_name)}"
        job.clip.save(safe, ContentFile(clip_data), save=False)
    try:
        job.full_clean()
        job.save()
    except Exception:
        if job.clip:
            job.clip.delete(save=False)
        raise
    audit_append(
        actor=actor,
        action="cctv.job.created",
        obj=job,
        changes={
            "kind": kind,
            "purpose": job.purpose,
            "camera": camera.pk if camera else None,
            "clip": clip_name,
            "watch_minutes": watch_minutes,
        },
    )
    event_record(station=station, kind="cctv.job.created", payload=job_payload(job))
    if enqueue:
        eta = window_start if kind == AnalysisJob.Kind.WINDOW else None
        transaction.on_commit(lambda: _enqueue(job.pk, eta))
    return job


def stale_seconds() -> float:
    """Seconds without a heartbeat after which a running job's worker is taken for dead."""
    value = getattr(settings, "CCTV_JOB_STALE_SECONDS", None)
    return float(value if value is not None else os.environ.get("CCTV_JOB_STALE_SECONDS", 120))


def jobs_stale(*, now=None) -> list[int]:
    """Return ids of running jobs whose worker stopped reporting (died), and of queued jobs
    that waited longer than that (their message may have been lost with a worker): a clip or
    watch job counted from its creation, a window job from the opening of its window, as long
    as the window is not over (its task would only fail it; job_window_expire does that)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=stale_seconds())
    running = AnalysisJob.objects.filter(state=AnalysisJob.State.RUNNING, heartbeat_at__lt=cutoff)
    queued = AnalysisJob.objects.filter(state=AnalysisJob.State.QUEUED).filter(
        Q(kind__in=[AnalysisJob.Kind.CLIP, AnalysisJob.Kind.WATCH], created_at__lt=cutoff)
        | Q(kind=AnalysisJob.Kind.WINDOW, window_start__lt=cutoff, window_end__gt=now)
    )
    return sorted(
        set(running.values_list("pk", flat=True)) | set(queued.values_list("pk", flat=True))
    )


@transaction.atomic
def jobs_window_expire(*, now=None) -> list[int]:
    """Fail the queued window jobs whose window closed before any worker ran them."""
    now = now or timezone.now()
    expired = AnalysisJob.objects.select_for_update().filter(
        state=AnalysisJob.State.QUEUED, kind=AnalysisJob.Kind.WINDOW, window_end__lte=now
    )
    ids = []
    for job in expired:
        _finish(job, AnalysisJob.State.FAILED, "the time window ended before the job could start")
        ids.append(job.pk)
    return ids


def job_window_not_open(*, job_id: int, now=None):
    """Return the opening time of a queued window job's window if it is still ahead, else None."""
    job = AnalysisJob.objects.filter(pk=job_id).only("kind", "state", "window_start").first()
    now = now or timezone.now()
    if (
        job is not None
        and job.kind == AnalysisJob.Kind.WINDOW
        and job.state == AnalysisJob.State.QUEUED
        and job.window_start
        and job.window_start > now + timedelta(seconds=1)
    ):
        return job.window_start
    return None


def _suffix(name: str) -> str:
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return suffix if suffix.isascii() and len(suffix) <= 6 and suffix[1:].isalnum() else ".bin"


@transaction.atomic
def job_cancel(*, actor, job: AnalysisJob) -> AnalysisJob:
    """Ask a job to stop; a queued job stops at once, a running one between frames."""
    job = access.get_for_user(AnalysisJob.objects.all(), actor, lock=True, pk=job.pk)
    if job.is_final:
        return job
    job.cancel_requested = True
    fields = ["cancel_requested"]
    if job.state == AnalysisJob.State.QUEUED:
        job.state, job.finished_at = AnalysisJob.State.CANCELLED, timezone.now()
        fields += ["state", "finished_at"]
    job.save(update_fields=fields)
    audit_append(actor=actor, action="cctv.job.cancelled", obj=job, changes={"state": job.state})
    kind = "cctv.job.cancelled" if job.is_final else "cctv.job.cancel_requested"
    event_record(station=job.station, kind=kind, payload=job_payload(job))
    return job


@transaction.atomic
def job_start(*, job_id: int) -> AnalysisJob | None:
    """Mark a job running (again, after a dead worker); return None if it is already over."""
    job = AnalysisJob.objects.select_for_update().get(pk=job_id)
    if job.is_final:
        return None
    now = timezone.now()
    if (
        job.state == AnalysisJob.State.RUNNING
        and job.heartbeat_at
        and now - job.heartbeat_at < timedelta(seconds=stale_seconds())
    ):
        return None  # another worker holds it and is alive
    if job.cancel_requested:
        _finish(job, AnalysisJob.State.CANCELLED, "")
        return None
    job.state, job.attempts = AnalysisJob.State.RUNNING, job.attempts + 1
    job.started_at, job.heartbeat_at = job.started_at or now, now
    job.save(update_fields=["state", "attempts", "started_at", "heartbeat_at"])
    if job.attempts == 1:
        audit_append(actor=SYSTEM, action="cctv.job.started", obj=job)
        event_record(station=job.station, kind="cctv.job.started", payload=job_payload(job))
    return job


LIVE_FIELDS = (
    "live_state",
    "live_reason",
    "lag_ms",
    "frames_dropped",
    "seconds_lost",
    "reconnects",
)


@transaction.atomic
def job_progress(
    *, job_id: int, done: float, total: float, resume_from: int, live: dict | None = None
) -> bool:
    """Store progress and where a retry resumes; return False if the job should stop.

    LIVE (a live stream's job): any of LIVE_FIELDS, the stream's state and figures.

    No audit entry and no dashboard event: progress is transient (the job page reads it from
    the job's API endpoint), and a day-long watch would flood the feed and the timeline. The
    job's start and end are events.
    """
    job = AnalysisJob.objects.select_for_update().get(pk=job_id)
    if job.cancel_requested or job.state != AnalysisJob.State.RUNNING:
        return False
    job.progress_done, job.progress_total = done, total
    job.resume_from = max(job.resume_from, resume_from)
    job.heartbeat_at = timezone.now()
    fields = ["progress_done", "progress_total", "resume_from", "heartbeat_at"]
    for name, value in (live or {}).items():
        if name not in LIVE_FIELDS:
            raise ValueError(name)
        setattr(job, name, value)
        fields.append(name)
    job.save(update_fields=fields)
    return True


@transaction.atomic
def job_live_figures(*, job_id: int, **figures) -> None:
    """Store a live job's last stream figures (LIVE_FIELDS), whether or not it is over."""
    if set(figures) - set(LIVE_FIELDS):
        raise ValueError(sorted(set(figures) - set(LIVE_FIELDS)))
    job = AnalysisJob.objects.select_for_update().get(pk=job_id)
    for name, value in figures.items():
        setattr(job, name, value)
    job.save(update_fields=list(figures))


def _finish(job: AnalysisJob, state: str, reason: str, face_counts: dict | None = None) -> None:
    job.state, job.reason, job.finished_at = state, reason[:500], timezone.now()
    fields = ["state", "reason", "finished_at"]
    if face_counts is not None:
        job.face_counts = face_counts
        fields.append("face_counts")
    if state == AnalysisJob.State.DONE and job.progress_total:
        job.progress_done = job.progress_total
        fields.append("progress_done")
    job.save(update_fields=fields)
    changes = {"reason": job.reason, "faces": job.face_counts}
    if job.broke_at_frame is not None:
        changes["broke_at_frame"] = job.broke_at_frame
    audit_append(actor=SYSTEM, action=f"cctv.job.{state}", obj=job, changes=changes)
    event_record(station=job.station, kind=f"cctv.job.{state}", payload=job_payload(job))


@transaction.atomic
def job_finish(*, job_id: int, face_counts: dict | None = None) -> AnalysisJob:
    """End a running job: done, or cancelled if that was asked; store the faces it counted."""
    job = AnalysisJob.objects.select_for_update().get(pk=job_id)
    if not job.is_final:
        state = AnalysisJob.State.CANCELLED if job.cancel_requested else AnalysisJob.State.DONE
        _finish(job, state, "", face_counts)
    return job


@transaction.atomic
def job_partial(
    *, job_id: int, reason: str, frame: int, face_counts: dict | None = None
) -> AnalysisJob:
    """End a clip job that broke at FRAME as partly analysed, keeping the candidates it raised
    from the frames before (unlike job_fail)."""
    job = AnalysisJob.objects.select_for_update().get(pk=job_id)
    if not job.is_final:
        job.broke_at_frame = frame
        job.save(update_fields=["broke_at_frame"])
        _finish(job, AnalysisJob.State.PARTIAL, reason, face_counts)
    return job


@transaction.atomic
def job_fail(*, job_id: int, reason: str, keep_matches: bool = False) -> AnalysisJob:
    """End a job as failed with REASON, withdrawing the candidates it raised (nothing half-made)
    unless KEEP_MATCHES: a live watch's alerts were raised as they happened and stay.

    Only unreviewed candidates not linked to an incident are withdrawn: a match an officer has
    already confirmed or dismissed, or opened an incident for, is a record of that review.
    """
    job = AnalysisJob.objects.select_for_update().get(pk=job_id)
    if job.is_final:
        return job
    if keep_matches:
        _finish(job, AnalysisJob.State.FAILED, reason)
        return job
    unreviewed = job.matches.select_for_update().filter(
        status=FaceMatch.Status.CANDIDATE, incident_id__isnull=True
    )
    crops = [m.crop.name for m in unreviewed if m.crop]
    withdrawn = list(unreviewed.values_list("pk", flat=True))
    FaceMatch.objects.filter(pk__in=withdrawn).delete()
    storage = FaceMatch._meta.get_field("crop").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in crops])
    _finish(job, AnalysisJob.State.FAILED, reason)
    for pk in withdrawn:
        event_record(station=job.station, kind="cctv.match.withdrawn", payload={"id": pk})
    return job


def match_record(
    *,
    job_id: int,
    entry_id: int,
    track_start_frame: int,
    offset_s: float,
    distance: float,
    score: float,
    crop,
    final: bool = True,
    tier: str = FaceMatch.Tier.POSSIBLE,
    frames: int = 1,
) -> FaceMatch | None:
    """Record one appearance as a candidate once; a repeat (retried job) returns None.

    A FINAL record of an appearance already raised early (live stream) replaces its crop with
    the track's best one.
    """
    ok, jpeg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
    try:
        with transaction.atomic():
            job = AnalysisJob.objects.select_for_update().get(pk=job_id)
            # The matcher may predate a revocation or an expiry: ask the database again.
            if not (
                WatchlistEntry.objects.matchable()
                .filter(pk=entry_id, station_id=job.station_id)
                .exists()
            ):
                return None
            existing = FaceMatch.objects.filter(
                job=job, entry_id=entry_id, track_start_frame=track_start_frame
            ).first()
            if existing is not None:
                if final and ok and existing.status == FaceMatch.Status.CANDIDATE:
                    _replace_crop(existing, jpeg.tobytes(), score, distance, tier, frames)
                return None
            base = job.window_start or job.started_at or job.created_at
            if job.kind == AnalysisJob.Kind.CLIP:
                seen_at = job.created_at
            else:
                seen_at = base + timedelta(seconds=offset_s)
            match = FaceMatch(
                station=job.station,
                job=job,
                entry_id=entry_id,
                camera=job.camera,
                track_start_frame=track_start_frame,
                offset_s=offset_s,
                seen_at=seen_at,
                score=score,
                distance=distance,
                tier=tier,
                frames=frames,
            )
            if ok:
                match.crop.save(f"{uuid.uuid4().hex}.jpg", ContentFile(jpeg.tobytes()), save=False)
            saved = match.crop.name
            match.full_clean(exclude=["crop"])
            match.save()
            audit_append(
                actor=SYSTEM,
                action="cctv.match.candidate",
                obj=match,
                changes={
                    "job": job.pk,
                    "entry": entry_id,
                    "camera": job.camera_id,
                    "score": round(score, 4),
                    "tier": tier,
                    "frames": frames,
                    "offset_s": round(offset_s, 2),
                },
            )
            event_record(station=job.station, kind="cctv.match", payload=match_payload(match))
            return match
    except IntegrityError:
        # Another attempt stored this appearance first.
        if ok and "saved" in locals() and saved:
            FaceMatch._meta.get_field("crop").storage.delete(saved)
        return None


def _replace_crop(
    match: FaceMatch, jpeg: bytes, score: float, distance: float, tier: str, frames: int
) -> None:
    old = match.crop.name
    match.crop.save(f"{uuid.uuid4().hex}.jpg", ContentFile(jpeg), save=False)
    match.score, match.distance = max(match.score, score), min(match.distance, distance)
    match.frames = max(match.frames, frames)
    if tier == FaceMatch.Tier.STRONG:
        match.tier = tier
    match.save(update_fields=["crop", "score", "distance", "frames", "tier"])
    if old:
        storage = match.crop.storage
        transaction.on_commit(lambda: storage.delete(old))


@transaction.atomic
def match_review(*, actor, match: FaceMatch, decision: str, note: str = "") -> FaceMatch:
    """Confirm or dismiss a candidate, with a note."""
    match = access.get_for_user(FaceMatch.objects.all(), actor, lock=True, pk=match.pk)
    if decision not in (FaceMatch.Status.CONFIRMED, FaceMatch.Status.DISMISSED):
        raise ValidationError({"decision": _("Choose confirm or dismiss.")})
    if match.status != FaceMatch.Status.CANDIDATE:
        raise ValidationError({"decision": _("This match has already been reviewed.")})
    if decision == FaceMatch.Status.DISMISSED and not note.strip():
        raise ValidationError({"note": _("Say why the match is dismissed.")})
    match.status, match.note = decision, note.strip()
    match.reviewed_by, match.reviewed_at = actor, timezone.now()
    match.save(update_fields=["status", "note", "reviewed_by", "reviewed_at"])
    audit_append(
        actor=actor,
        action=f"cctv.match.{decision}",
        obj=match,
        changes={"note": match.note, "entry": match.entry_id},
    )
    event_record(station=match.station, kind=f"cctv.match.{decision}", payload=match_payload(match))
    return match


@transaction.atomic
def match_link_incident(*, actor, match: FaceMatch, incident_id: int) -> FaceMatch:
    """Link a confirmed match to the incident opened for it (its crop is then kept)."""
    match = access.get_for_user(FaceMatch.objects.all(), actor, lock=True, pk=match.pk)
    if match.status != FaceMatch.Status.CONFIRMED:
        raise PermissionDenied(_("Only a confirmed match can open an incident."))
    match.incident_id = incident_id
    match.save(update_fields=["incident_id"])
    audit_append(
        actor=actor, action="cctv.match.linked", obj=match, changes={"incident": incident_id}
    )
    event_record(station=match.station, kind="cctv.match.linked", payload=match_payload(match))
    return match


INCIDENT_CATEGORY = "suspicious"


@transaction.atomic
def match_open_incident(*, actor, match: FaceMatch):
    """Open an incident report for a confirmed match, triaged by ACTOR, and link it.

    The report is filed through the incidents app at the camera's position (so it lands at the
    camera's station) with no reporter; its description names the entry, camera and time, not
    the face. A match already linked returns its incident. Return the report.
    """
    from incidents import services as incident_services
    from incidents.models import Category, Report

    match = access.get_for_user(FaceMatch.objects.all(), actor, lock=True, pk=match.pk)
    if match.status != FaceMatch.Status.CONFIRMED:
        raise PermissionDenied(_("Only a confirmed match can open an incident."))
    if match.incident_id:
        return Report.objects.get(pk=match.incident_id)
    if match.camera is None:
        raise ValidationError({"camera": _("The match has no camera, so no place to report.")})
    category = (
        Category.objects.filter(code=INCIDENT_CATEGORY, active=True).first()
        or Category.objects.filter(active=True).order_by("order").first()
    )
    if category is None:
        raise ValidationError({"category": _("No incident category is set up.")})
    camera = match.camera
    description = _(
        "Confirmed watchlist match #%(match)s: %(name)s (%(category)s) on camera %(camera)s "
        "at %(seen)s. Review note: %(note)s"
    ) % {
        "match": match.pk,
        "name": match.entry.name,
        "category": match.entry.get_category_display(),
        "camera": f"{camera.code} {camera.name}",
        "seen": dates.format_datetime(match.seen_at),
        "note": match.note or "-",
    }
    report, _created = incident_services.report_submit(
        kind=Report.Kind.REPORT,
        category=category,
        description=description,
        lat=camera.lat,
        lng=camera.lng,
        occurred_at=match.seen_at,
        anonymous=True,
        idempotency_key=f"cctv-match-{match.pk}",
    )
    if report.station_id != match.station_id:
        raise ValidationError({"camera": _("The camera stands outside this station's area.")})
    incident_services.report_transition(
        actor=actor,
        report_id=report.pk,
        to_state=Report.State.TRIAGED,
        note=_("Opened from confirmed CCTV match #%(match)s.") % {"match": match.pk},
    )
    match_link_incident(actor=actor, match=match, incident_id=report.pk)
    return report


def match_purge(*, now=None, days: int | None = None) -> int:
    """Delete matches (and crops) older than the retention period not linked to an incident."""
    days = days if days is not None else int(getattr(settings, "CCTV_MATCH_RETENTION_DAYS", 30))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = FaceMatch.objects.filter(created_at__lt=cutoff, incident_id__isnull=True)
    purged = 0
    storage = FaceMatch._meta.get_field("crop").storage
    for match in old.select_related("station").iterator():
        with transaction.atomic():
            name = match.crop.name
            audit_append(
                actor=SYSTEM,
                action="cctv.match.purged",
                obj=match,
                changes={"created_at": match.created_at, "retention_days": days},
            )
            match.delete()
            if name:
                transaction.on_commit(lambda n=name: storage.delete(n))
        purged += 1
    return purged
