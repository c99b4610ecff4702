"""Red-box patrol: points with signed QR codes, shifts, check-ins, missed visits, positions."""

import os
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from smartzone import dates
from smartzone.models import LATITUDE, LONGITUDE, Station

# Short ids are printed under the codes and read out on the radio: no 0/O or 1/I to confuse.
SHORT_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_short_id() -> str:
    return "".join(secrets.choice(SHORT_ID_ALPHABET) for _ in range(6))


def new_token_nonce() -> str:
    return secrets.token_hex(4)


class PrivateStorage(FileSystemStorage):
    """Files under DATA_DIR/private/patrol (read when used): no URL, served by a view only."""

    @property
    def base_location(self):
        return str(settings.DATA_DIR / "private" / "patrol")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def photo_storage() -> FileSystemStorage:
    """Check-in photos are private: kept outside MEDIA_ROOT, served only through a view."""
    return PrivateStorage()


class PatrolPoint(models.Model):
    class Kind(models.TextChoices):
        GOLD_SHOP = "gold_shop", _("gold shop")
        MARKET = "market", _("market")
        BANK = "bank", _("bank")
        SCHOOL = "school", _("school")
        LANE = "lane", _("community lane")
        TEMPLE = "temple", _("temple")
        PIER = "pier", _("pier")
        GOVERNMENT = "government", _("government office")
        OTHER = "other", _("other")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="patrol_points", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    lat = models.FloatField(_("latitude"), validators=LATITUDE)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE)
    radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"),
        default=50,
        validators=[MinValueValidator(10), MaxValueValidator(500)],
    )
    active = models.BooleanField(_("active"), default=True)
    short_id = models.CharField(
        _("short id"), max_length=8, unique=True, default=new_short_id, editable=False
    )
    # Part of the signed QR token: a new nonce makes every printed code of the point void.
    token_nonce = models.CharField(max_length=16, default=new_token_nonce, editable=False)
    token_rotated_at = models.DateTimeField(_("code renewed at"), null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("patrol point")
        verbose_name_plural = _("patrol points")
        ordering = ["station", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="patrol_point_name_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.short_id})"


class PatrolShift(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="patrol_shifts", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="patrol_shifts", verbose_name=_("officers")
    )
    points = models.ManyToManyField(
        PatrolPoint, through="ShiftPoint", related_name="shifts", verbose_name=_("points")
    )
    # Set once the dashboards were told the shift ended (its officers' markers go away).
    end_announced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("patrol shift")
        verbose_name_plural = _("patrol shifts")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["station", "starts_at", "ends_at"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                raise ValidationError({"ends_at": _("The shift must end after it starts.")})
            if self.ends_at - self.starts_at > timedelta(hours=24):
                raise ValidationError({"ends_at": _("A shift lasts at most 24 hours.")})

    def is_on(self, at) -> bool:
        return self.starts_at <= at < self.ends_at


class ShiftPoint(models.Model):
    """A point of a shift and how often it must be visited."""

    shift = models.ForeignKey(PatrolShift, on_delete=models.CASCADE, related_name="plan")
    point = models.ForeignKey(PatrolPoint, on_delete=models.PROTECT, related_name="+")
    interval_minutes = models.PositiveIntegerField(
        _("visit every (minutes)"), validators=[MinValueValidator(10), MaxValueValidator(1440)]
    )

    class Meta:
        verbose_name = _("point of a shift")
        verbose_name_plural = _("points of a shift")
        constraints = [
            models.UniqueConstraint(fields=["shift", "point"], name="shift_point_unique")
        ]

    def __str__(self) -> str:
        return f"{self.point} / {self.interval_minutes} min"

    @cached_property
    def windows(self) -> list[tuple]:
        """Return the visit windows (start, due) of the shift: one visit is due in each."""
        step = timedelta(minutes=self.interval_minutes)
        start, end = self.shift.starts_at, self.shift.ends_at
        windows = []
        while start < end:
            due = min(start + step, end)
            windows.append((start, due))
            start = due
        return windows


class CheckIn(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="+", verbose_name=_("station")
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patrol_checkins",
        verbose_name=_("officer"),
    )
    point = models.ForeignKey(
        PatrolPoint, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("point")
    )
    shift = models.ForeignKey(
        PatrolShift,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
        verbose_name=_("shift"),
    )
    checked_at = models.DateTimeField(_("time"))
    lat = models.FloatField(_("latitude"), validators=LATITUDE)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE)
    accuracy_m = models.FloatField(_("accuracy (m)"), validators=[MinValueValidator(0)])
    distance_m = models.FloatField(_("distance from the point (m)"))
    note = models.TextField(_("note"), blank=True, max_length=2000)
    photo = models.FileField(
        _("photo"), storage=photo_storage, upload_to="checkins/%Y/%m/", blank=True
    )
    away_from_point = models.BooleanField(_("away from point"), default=False)
    away_reason = models.TextField(_("reason for checking in away"), blank=True, max_length=1000)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-checked_at"]
        indexes = [
            models.Index(fields=["point", "checked_at"]),
            models.Index(fields=["station", "checked_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.point.name} · {self.officer} · {dates.format_datetime(self.checked_at)}"

    def clean(self) -> None:
        if self.away_from_point and not self.away_reason.strip():
            raise ValidationError({"away_reason": _("Say why you check in away from the point.")})


class MissedVisit(models.Model):
    """A visit window of a shift's point that ended without a check-in; alerted once."""

    shift = models.ForeignKey(PatrolShift, on_delete=models.CASCADE, related_name="misses")
    point = models.ForeignKey(PatrolPoint, on_delete=models.CASCADE, related_name="misses")
    due_at = models.DateTimeField(_("due at"))
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("missed visit")
        verbose_name_plural = _("missed visits")
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "point", "due_at"], name="missed_visit_once")
        ]

    def __str__(self) -> str:
        return f"{self.point.name} · {dates.format_datetime(self.due_at)}"


class OfficerPosition(models.Model):
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    shift = models.ForeignKey(PatrolShift, on_delete=models.CASCADE, related_name="positions")
    lat = models.FloatField(_("latitude"), validators=LATITUDE)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE)
    accuracy_m = models.FloatField(_("accuracy (m)"), validators=[MinValueValidator(0)])
    reported_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("officer position")
        verbose_name_plural = _("officer positions")
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["shift", "officer", "reported_at"])]

    def __str__(self) -> str:
        return f"{self.officer} @ {self.lat:.5f},{self.lng:.5f}"
