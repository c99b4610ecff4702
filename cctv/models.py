"""Cameras, the lawful watchlist, analysis jobs and face-match candidates."""

from datetime import timedelta
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cctv.reasons import reason_text as _reason_text
from cctv.storage import private_storage
from smartzone import crypto
from smartzone.geo import GeometryError, check_lat_lng
from smartzone.models import Station

MAX_VALIDITY_DAYS = 90
PASSWORD_CONTEXT = b"smartzone.cctv.camera-password.v1:"


def _check_position(lat, lng) -> None:
    if lat is None or lng is None:
        return  # the field itself says it is required
    try:
        check_lat_lng(lat, lng)
    except GeometryError as exc:
        raise ValidationError({"lat": str(exc)}) from None


def redact_url(url: str) -> str:
    """Return URL without any user:password part (for pages, logs and audit)."""
    if not url:
        return ""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def split_credentials(url: str) -> tuple[str, str, str]:
    """Return (URL without credentials, username, password) of URL, the login decoded (a
    URL's "p%40ss" is the password "p@ss"; `with_credentials` encodes it again)."""
    parts = urlsplit(url or "")
    if "@" not in parts.netloc:
        return url or "", "", ""
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, unquote(user), unquote(password)


def url_origin(url: str) -> tuple[str, str, int | None] | None:
    """Return (scheme, host, port) of URL, the place its credentials are bound to."""
    if not url:
        return None
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


def with_credentials(url: str, username: str, password: str) -> str:
    if not url or not username:
        return url
    parts = urlsplit(url)
    userinfo = quote(username, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit(
        (parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment)
    )


class CameraSite(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="camera_sites", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("camera site")
        verbose_name_plural = _("camera sites")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="cctv_site_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _check_position(self.lat, self.lng)


class Camera(models.Model):
    class Status(models.TextChoices):
        UNKNOWN = "unknown", _("Not checked yet")
        ONLINE = "online", _("Online")
        OFFLINE = "offline", _("Offline")
        RECONNECTING = "reconnecting", _("Reconnecting")
        DISABLED = "disabled", _("Disabled")

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="cameras", verbose_name=_("station")
    )
    site = models.ForeignKey(
        CameraSite, on_delete=models.CASCADE, related_name="cameras", verbose_name=_("site")
    )
    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    direction_deg = models.FloatField(_("direction (degrees from north)"), default=0)
    fov_deg = models.FloatField(_("field of view (degrees)"), default=90)
    range_m = models.FloatField(_("range (metres)"), default=40)
    # URLs are stored without credentials; the credentials sit in their own fields, are never
    # rendered, logged or audited, and are put back only by `stream_source`/`snapshot_source`.
    # The password is stored encrypted (Fernet, key from SECRET_KEY): read and set `password`.
    stream_url = models.CharField(_("stream URL"), max_length=500, blank=True)
    snapshot_url = models.CharField(_("snapshot URL"), max_length=500, blank=True)
    username = models.CharField(_("stream user name"), max_length=120, blank=True)
    password_encrypted = models.CharField(
        _("stream password (encrypted)"), max_length=500, blank=True, editable=False
    )
    make = models.CharField(_("make"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.UNKNOWN
    )
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_probe_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    # A supervisor may close a camera to live viewing (it faces private premises, say); the live
    # view then refuses and shows the reason.
    live_view_blocked = models.BooleanField(_("no live view"), default=False)
    live_view_blocked_reason = models.CharField(
        _("why there is no live view"), max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["station", "code"], name="cctv_camera_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        _check_position(self.lat, self.lng)
        if self.direction_deg is not None and not 0 <= self.direction_deg < 360:
            raise ValidationError({"direction_deg": _("Give a direction from 0 to 359 degrees.")})
        if self.fov_deg is not None and not 1 <= self.fov_deg <= 360:
            raise ValidationError({"fov_deg": _("Give a field of view from 1 to 360 degrees.")})
        for field in ("stream_url", "snapshot_url"):
            value = getattr(self, field)
            if value and urlsplit(value).scheme not in {"rtsp", "rtsps", "http", "https"}:
                raise ValidationError({field: _("Use an rtsp://, http:// or https:// URL.")})
            if "@" in urlsplit(value).netloc:
                raise ValidationError(
                    {field: _("Put the user name and password in their own fields.")}
                )
        if self.site_id and self.station_id and self.site.station_id != self.station_id:
            raise ValidationError({"site": _("The site belongs to another station.")})
        if self.live_view_blocked and not self.live_view_blocked_reason.strip():
            raise ValidationError(
                {"live_view_blocked_reason": _("Say why this camera may not be watched live.")}
            )

    @property
    def password(self) -> str:
        return crypto.decrypt(self.password_encrypted, context=PASSWORD_CONTEXT)

    @password.setter
    def password(self, value: str) -> None:
        self.password_encrypted = crypto.encrypt(value or "", context=PASSWORD_CONTEXT)

    @property
    def stream_source(self) -> str:
        """The stream URL with credentials, for the probe and the pipeline only."""
        return with_credentials(self.stream_url, self.username, self.password)

    @property
    def snapshot_source(self) -> str:
        return with_credentials(self.snapshot_url, self.username, self.password)

    @property
    def credential_origins(self) -> set:
        """The schemes, hosts and ports the stored credentials were entered for."""
        return {url_origin(u) for u in (self.stream_url, self.snapshot_url) if u}

    @property
    def has_credentials(self) -> bool:
        return bool(self.username or self.password_encrypted)


def _entry_default_until():
    return timezone.localdate() + timedelta(days=30)


class WatchlistEntryQuerySet(models.QuerySet):
    def matchable(self, today=None):
        """Approved entries whose validity has not run out: the only ones ever matched."""
        today = today or timezone.localdate()
        return self.filter(status=WatchlistEntry.Status.APPROVED, valid_until__gte=today)


class WatchlistEntry(models.Model):
    class Category(models.TextChoices):
        WANTED = "wanted", _("Wanted on a warrant")
        MISSING = "missing", _("Missing person")
        OTHER = "other", _("Other (with reason)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="watchlist", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=200)
    aliases = models.CharField(_("aliases"), max_length=300, blank=True)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    reason = models.TextField(_("reason"), blank=True)
    legal_basis = models.CharField(_("warrant or case number"), max_length=120, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), default=_entry_default_until)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = WatchlistEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("watchlist entry")
        verbose_name_plural = _("watchlist entries")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.category == self.Category.WANTED and not self.legal_basis.strip():
            raise ValidationError(
                {"legal_basis": _("A wanted person needs a warrant or case number.")}
            )
        if self.category == self.Category.OTHER and not self.reason.strip():
            raise ValidationError({"reason": _("Say why this person is on the watchlist.")})
        today = timezone.localdate()
        if self.valid_until and self.valid_until > today + timedelta(days=MAX_VALIDITY_DAYS):
            raise ValidationError(
                {"valid_until": _("An entry is valid for at most 90 days; renew it later.")}
            )
        if self.approved_by_id and self.approved_by_id == self.requested_by_id:
            raise ValidationError(
                {"approved_by": _("The approver must be someone other than the requester.")}
            )

    @property
    def is_matchable(self) -> bool:
        return self.status == self.Status.APPROVED and self.valid_until >= timezone.localdate()


def _enrollment_path(instance, filename):
    return f"cctv/enrollment/{instance.entry.station_id}/{instance.entry_id}/{filename}"


class EnrollmentPhoto(models.Model):
    entry = models.ForeignKey(
        WatchlistEntry, on_delete=models.CASCADE, related_name="photos", verbose_name=_("entry")
    )
    image = models.FileField(_("photo"), storage=private_storage, upload_to=_enrollment_path)
    embedding = models.BinaryField(_("face embedding"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrollment photo")
        verbose_name_plural = _("enrollment photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.entry} #{self.pk}"

    @property
    def vector(self) -> np.ndarray:
        return np.frombuffer(bytes(self.embedding), dtype=np.float32)


def _clip_path(instance, filename):
    return f"cctv/clips/{instance.station_id}/{filename}"


class AnalysisJob(models.Model):
    class Kind(models.TextChoices):
        CLIP = "clip", _("Uploaded clip")
        WINDOW = "window", _("Camera, time window")
        WATCH = "watch", _("Watch a camera for N minutes")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        PARTIAL = "partial", _("Partly analysed")

    class LiveState(models.TextChoices):
        CONNECTING = "connecting", _("Connecting")
        LIVE = "live", _("Watching live")
        RECONNECTING = "reconnecting", _("Reconnecting")

    class LiveReason(models.TextChoices):
        """Why a camera's stream does not play (cctv.pipeline.rtsp's codes), for technicians."""

        AUTH = "auth", _("The camera refused the user name or password.")
        UNREACHABLE = "unreachable", _("The camera cannot be reached at its address and port.")
        NOT_FOUND = "not_found", _("The camera has no stream at this address (404 not found).")
        CODEC = "codec", _("The camera sends video in a format this system cannot decode.")
        STOPPED = "stopped", _("The camera stopped sending pictures.")

    FINAL = {State.DONE, State.FAILED, State.CANCELLED, State.PARTIAL}

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="cctv_jobs", verbose_name=_("station")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    camera = models.ForeignKey(
        Camera,
        on_delete=models.PROTECT,
        related_name="jobs",
        null=True,
        blank=True,
        verbose_name=_("camera"),
    )
    clip = models.FileField(
        _("clip"), storage=private_storage, upload_to=_clip_path, blank=True, max_length=300
    )
    window_start = models.DateTimeField(_("from"), null=True, blank=True)
    window_end = models.DateTimeField(_("until"), null=True, blank=True)
    watch_minutes = models.PositiveIntegerField(_("minutes to watch"), null=True, blank=True)
    sample_fps = models.FloatField(_("frames sampled per second"), default=5.0)
    purpose = models.CharField(_("why"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("run by"),
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    progress_done = models.FloatField(_("done"), default=0)
    progress_total = models.FloatField(_("total"), default=0)
    resume_from = models.PositiveIntegerField(_("resume from frame"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Renewed with every progress report: a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # What asked for the job ("sos:12", "report:34"): "look at cameras" makes one per camera.
    source = models.CharField(_("requested for"), max_length=60, blank=True, default="")
    # Partly analysed: the frame at which the video could no longer be decoded.
    broke_at_frame = models.PositiveIntegerField(_("broke at frame"), null=True, blank=True)
    # Tracks of faces seen: {"compared": n, "small": n, "blurred": n, "turned": n, "weak": n}.
    face_counts = models.JSONField(_("faces seen"), default=dict, blank=True)
    # Live streams: whether the stream plays now and why not, how far the analysis is behind
    # live, sampled frames dropped to keep up, seconds without pictures, reconnections.
    live_state = models.CharField(
        _("stream"), max_length=12, choices=LiveState.choices, blank=True, default=""
    )
    live_reason = models.CharField(
        _("stream problem"), max_length=12, choices=LiveReason.choices, blank=True, default=""
    )
    lag_ms = models.PositiveIntegerField(_("behind live (ms)"), null=True, blank=True)
    frames_dropped = models.PositiveIntegerField(_("frames dropped"), default=0)
    seconds_lost = models.FloatField(_("seconds without pictures"), default=0)
    reconnects = models.PositiveIntegerField(_("reconnections"), default=0)

    class Meta:
        verbose_name = _("analysis job")
        verbose_name_plural = _("analysis jobs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "source"],
                condition=~models.Q(source=""),
                name="cctv_job_once_per_camera_and_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.state == self.State.DONE else 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL

    @property
    def reason_text(self) -> str:
        """Return why the job failed or stopped, in the active language."""
        return _reason_text(self.reason)

    @property
    def lag_s(self) -> float | None:
        return None if self.lag_ms is None else self.lag_ms / 1000

    @property
    def lag_warning(self) -> bool:
        """Whether the analysis runs further behind live than CCTV_LIVE_LAG_WARN_SECONDS."""
        limit = float(getattr(settings, "CCTV_LIVE_LAG_WARN_SECONDS", 2.0))
        return not self.is_final and self.lag_ms is not None and self.lag_ms > limit * 1000

    @property
    def face_summary(self) -> dict:
        """Return the tracks compared, too small, too blurred, and otherwise not judged."""
        counts = self.face_counts or {}
        return {
            "compared": counts.get("compared", 0),
            "small": counts.get("small", 0),
            "blurred": counts.get("blurred", 0),
            "other": counts.get("turned", 0) + counts.get("weak", 0),
        }


def _crop_path(instance, filename):
    return f"cctv/crops/{instance.station_id}/{filename}"


class FaceMatch(models.Model):
    class Tier(models.TextChoices):
        STRONG = "strong", _("Strong")
        POSSIBLE = "possible", _("Possible")

    class Status(models.TextChoices):
        CANDIDATE = "candidate", _("Candidate")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="face_matches", verbose_name=_("station")
    )
    job = models.ForeignKey(
        AnalysisJob, on_delete=models.CASCADE, related_name="matches", verbose_name=_("job")
    )
    entry = models.ForeignKey(
        WatchlistEntry,
        on_delete=models.CASCADE,
        related_name="matches",
        verbose_name=_("watchlist entry"),
    )
    camera = models.ForeignKey(
        Camera,
        on_delete=models.SET_NULL,
        related_name="matches",
        null=True,
        blank=True,
        verbose_name=_("camera"),
    )
    track_start_frame = models.PositiveIntegerField(_("first frame"))
    offset_s = models.FloatField(_("seconds into the video"), default=0)
    seen_at = models.DateTimeField(_("seen at"))
    score = models.FloatField(_("score"))
    distance = models.FloatField(_("distance"))
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.POSSIBLE)
    frames = models.PositiveIntegerField(_("frames matched"), default=1)
    crop = models.FileField(
        _("face crop"), storage=private_storage, upload_to=_crop_path, blank=True, max_length=300
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CANDIDATE
    )
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # The incidents app is separate: keep its id, not a foreign key.
    incident_id = models.PositiveBigIntegerField(_("incident"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("face match")
        verbose_name_plural = _("face matches")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "entry", "track_start_frame"], name="cctv_match_once_per_track"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry} @ {self.camera or '-'} ({self.score:.2f})"
