"""SOS kiosks, their signed-request nonces, and SOS events with their response workflow."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartzone import crypto
from smartzone.media import PrivateStorage
from smartzone.models import LATITUDE, LONGITUDE, Station

# The kiosks' HMAC keys are shared secrets (verifying needs the key itself, so it cannot be
# hashed): stored encrypted under a key derived from SECRET_KEY for this use only.
SECRET_CONTEXT = b"smartzone.sos.kiosk-secret.v1:"


def new_secret() -> str:
    return secrets.token_hex(32)


class Kiosk(models.Model):
    class Status(models.TextChoices):
        ONLINE = "online", _("online")
        OFFLINE = "offline", _("offline")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="kiosks", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=200)
    serial = models.CharField(_("serial number"), max_length=80, unique=True)
    lat = models.FloatField(_("latitude"), validators=LATITUDE)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    # HMAC verification needs the key itself: encrypted, never hashed (see SECRET_CONTEXT).
    # Shown once, on creation or rotation.
    secret_encrypted = models.TextField(editable=False, blank=True)
    secret_rotated_at = models.DateTimeField(_("secret rotated at"), default=timezone.now)
    heartbeat_interval_s = models.PositiveIntegerField(
        _("expected heartbeat interval (s)"), default=60
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OFFLINE
    )
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    # A retired kiosk is kept (its SOS history points at it) but its requests are refused and
    # it leaves the dashboard map and the health checks.
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SOS kiosk")
        verbose_name_plural = _("SOS kiosks")
        ordering = ["station", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.secret_encrypted:  # a new kiosk gets its secret here
            self.secret = new_secret()
        super().save(*args, **kwargs)

    @property
    def secret(self) -> str:
        """The HMAC key; "" if it was encrypted under another SECRET_KEY (rotate it)."""
        return crypto.decrypt(self.secret_encrypted, context=SECRET_CONTEXT)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value, context=SECRET_CONTEXT)

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def offline_after_s(self) -> int:
        return self.heartbeat_interval_s * 3


class KioskNonce(models.Model):
    """A signature already accepted; a second request with it is a replay."""

    kiosk = models.ForeignKey(Kiosk, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kiosk", "signature"], name="kiosk_nonce_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kiosk_id}:{self.signature[:12]}"


class SnapshotStorage(PrivateStorage):
    """Kiosk snapshots under DATA_DIR/private/sos; their "URL" is the access-checked view."""

    def url(self, name):
        return reverse("sos:snapshot", args=[name])


def snapshot_storage() -> SnapshotStorage:
    return SnapshotStorage()


class SosEvent(models.Model):
    class Source(models.TextChoices):
        KIOSK = "kiosk", _("kiosk")
        PUBLIC = "public", _("public phone")

    class State(models.TextChoices):
        RECEIVED = "received", _("received")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        DISPATCHED = "dispatched", _("dispatched")
        ON_SCENE = "on_scene", _("on scene")
        CLOSED = "closed", _("closed")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("resolved")
        FALSE_ALARM = "false_alarm", _("false alarm")
        REFERRED = "referred", _("referred to another agency")
        NO_ONE_FOUND = "no_one_found", _("no one found")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="sos_events", verbose_name=_("station")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    kiosk = models.ForeignKey(
        Kiosk,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sos_events",
        verbose_name=_("kiosk"),
    )
    client_event_id = models.CharField(_("kiosk event id"), max_length=80, blank=True)
    # None only for a phone SOS sent before the phone gave its position (added later by
    # sos_public_locate); a kiosk SOS always has the kiosk's position or its own.
    lat = models.FloatField(_("latitude"), validators=LATITUDE, null=True, blank=True)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE, null=True, blank=True)
    # SHA-256 of the token the phone that raised a public SOS holds: it alone may add the
    # position and read the state (sos.services.sos_public_raise). Blank for kiosk SOS.
    public_token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    located_at = models.DateTimeField(_("position received at"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=1000)
    callback_phone = models.CharField(_("callback phone"), max_length=30, blank=True)
    snapshot = models.ImageField(
        _("snapshot"), storage=snapshot_storage, upload_to="sos/%Y/%m/", blank=True
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.RECEIVED
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    dispatched_officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("officers sent")
    )
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SOS")
        verbose_name_plural = _("SOS events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kiosk", "client_event_id"],
                condition=models.Q(kiosk__isnull=False),
                name="sos_event_id_unique_per_kiosk",
            ),
            models.CheckConstraint(
                condition=models.Q(lat__isnull=True, lng__isnull=True)
                | models.Q(lat__isnull=False, lng__isnull=False),
                name="sos_lat_lng_both_or_neither",
            ),
            models.CheckConstraint(
                condition=models.Q(source="public") | models.Q(lat__isnull=False),
                name="sos_kiosk_has_position",
            ),
        ]
        indexes = [models.Index(fields=["station", "state"])]

    def __str__(self) -> str:
        return f"SOS #{self.pk}"

    @staticmethod
    def _seconds(start, end) -> float | None:
        return (end - start).total_seconds() if start and end else None

    @property
    def seconds_to_acknowledge(self) -> float | None:
        return self._seconds(self.received_at, self.acknowledged_at)

    @property
    def seconds_to_on_scene(self) -> float | None:
        return self._seconds(self.received_at, self.on_scene_at)

    @property
    def seconds_to_close(self) -> float | None:
        return self._seconds(self.received_at, self.closed_at)

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED
