"""Citizen reports and tip-offs, their photos, updates and state changes."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from smartzone.media import PrivateStorage
from smartzone.models import LATITUDE, LONGITUDE, SafetyZone, Station

# 31 letters and digits that cannot be mistaken for each other when read aloud or written by
# hand (no 0/O, 1/I/L). 8 of them: 31**8 ≈ 8.5e11 codes, drawn at random, so not guessable.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 8


def new_tracking_code() -> str:
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalise_tracking_code(text: str) -> str:
    """Return TEXT as a stored code would be: upper case, without spaces and dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())[:32]


def format_tracking_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if len(code) == TRACKING_LENGTH else code


# A phone's clock may run this far ahead of the server's: such a time is not "in the future".
CLOCK_SKEW = timedelta(minutes=2)


def validate_occurred_not_in_future(value) -> None:
    """Refuse an incident time later than now (give or take the clock skew of a phone)."""
    if value is not None and value > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            _(
                "The time it happened cannot be in the future. Give the time it happened, "
                "or leave it empty."
            ),
            code="future",
        )


def photo_storage() -> FileSystemStorage:
    """Where report photos live: a private folder under DATA_DIR, never served as static media."""
    return PrivateStorage("report-photos")


class Category(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    active = models.BooleanField(_("offered on the form"), default=True)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the page (Thai unless English was chosen)."""
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name


class Report(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("incident report")
        TIP_OFF = "tip_off", _("tip-off")

    class State(models.TextChoices):
        NEW = "new", _("new")
        TRIAGED = "triaged", _("triaged")
        DISPATCHED = "dispatched", _("officer dispatched")
        ON_SCENE = "on_scene", _("officer on scene")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")

    class RejectionReason(models.TextChoices):
        SPAM = "spam", _("spam or abuse")
        DUPLICATE = "duplicate", _("duplicate of another report")
        NOT_POLICE = "not_police", _("not a police matter")
        OTHER = "other", _("other")

    tracking_code = models.CharField(
        _("tracking code"), max_length=TRACKING_LENGTH, unique=True, default=new_tracking_code
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    description = models.TextField(_("what happened"), max_length=5000)
    occurred_at = models.DateTimeField(_("when it happened"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), validators=LATITUDE)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE)
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="reports", verbose_name=_("station")
    )
    zone = models.ForeignKey(
        SafetyZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("safety zone"),
    )
    outside_zone = models.BooleanField(_("outside every safety zone"), default=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    reporter_name = models.CharField(_("reporter's name"), max_length=150, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    # Kept only for reports that are not anonymous, to trace abuse.
    reporter_ip = models.GenericIPAddressField(_("reporter's IP address"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    # SHA-256 of the normalised submission sent with the key: a replay of the key returns this
    # report only with the same content, so a known or guessed key reveals no tracking code.
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_reports",
        verbose_name=_("assigned officer"),
    )
    rejection_reason = models.CharField(
        _("reason for rejecting"), max_length=12, choices=RejectionReason.choices, blank=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_reports",
        verbose_name=_("merged into"),
    )
    resolution_note = models.TextField(_("outcome"), blank=True)

    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["station", "-created_at"]),
            models.Index(fields=["station", "category", "created_at"]),
            # The map's bounding-box query: a range on lat, then lng read from the index.
            models.Index(fields=["lat", "lng"]),
        ]

    def __str__(self) -> str:
        return f"{format_tracking_code(self.tracking_code)} · {self.category}"

    @property
    def display_code(self) -> str:
        return format_tracking_code(self.tracking_code)

    @property
    def is_open(self) -> bool:
        return self.state not in {self.State.RESOLVED, self.State.REJECTED}

    def response_minutes(self) -> float | None:
        """Minutes from receipt until an officer was on scene, for response-time figures."""
        if not self.on_scene_at:
            return None
        return (self.on_scene_at - self.created_at).total_seconds() / 60


# Legal moves of the triage workflow; anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    Report.State.NEW: {Report.State.TRIAGED, Report.State.REJECTED},
    Report.State.TRIAGED: {Report.State.DISPATCHED, Report.State.REJECTED},
    Report.State.DISPATCHED: {Report.State.ON_SCENE, Report.State.REJECTED},
    Report.State.ON_SCENE: {Report.State.RESOLVED},
    Report.State.RESOLVED: set(),
    Report.State.REJECTED: set(),
}


class ReportPhoto(models.Model):
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="photos", verbose_name=_("report")
    )
    file = models.FileField(_("file"), storage=photo_storage, upload_to="%Y/%m/")
    content_type = models.CharField(_("content type"), max_length=40)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report photo")
        verbose_name_plural = _("report photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.report_id}"


class ReportUpdate(models.Model):
    """An officer's words on a report: public ones show on the tracking page, notes never do."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="updates", verbose_name=_("report")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    public = models.BooleanField(_("shown to the reporter"), default=False)
    text = models.TextField(_("text"), max_length=2000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{'public' if self.public else 'note'} on {self.report_id}"


class ReportTransition(models.Model):
    """One step of the workflow: from which state to which, by whom, when, with a note."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("report")
    )
    from_state = models.CharField(_("from"), max_length=12, choices=Report.State.choices)
    to_state = models.CharField(_("to"), max_length=12, choices=Report.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_label = models.CharField(_("by"), max_length=150)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report state change")
        verbose_name_plural = _("report state changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_from_state_display()} → {self.get_to_state_display()}"
