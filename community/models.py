"""LINE channel, followers and broadcasts with their delivery batches; partners and meetings."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import crypto
from smartzone import dates
from smartzone.media import PrivateStorage
from smartzone.models import LATITUDE, LONGITUDE, Landmark, SafetyZone, Station

# Stands in for a LINE user id erased on a data-subject request (a real one starts with U).
ERASED_LINE_ID = "erased"


class LineChannel(models.Model):
    """A station's LINE Official Account. The secret and the token are stored encrypted."""

    station = models.OneToOneField(
        Station, on_delete=models.CASCADE, related_name="line_channel", verbose_name=_("station")
    )
    name = models.CharField(_("account name"), max_length=100, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    secret_encrypted = models.TextField(editable=False, blank=True)
    token_encrypted = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("LINE channel")
        verbose_name_plural = _("LINE channels")

    def __str__(self) -> str:
        return f"LINE · {self.station}"

    @property
    def channel_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    @channel_secret.setter
    def channel_secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value)

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.token_encrypted = crypto.encrypt(value)

    @property
    def secret_hint(self) -> str:
        return crypto.mask(self.channel_secret)

    @property
    def token_hint(self) -> str:
        return crypto.mask(self.access_token)


class Partner(models.Model):
    class Kind(models.TextChoices):
        GOLD_SHOP = "gold_shop", _("gold shop")
        MARKET_ASSOCIATION = "market_association", _("market association")
        BANK = "bank", _("bank")
        SCHOOL = "school", _("school")
        LOCAL_GOVERNMENT = "local_government", _("local government")
        OTHER = "other", _("other")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="partners", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    contact_person = models.CharField(_("contact person"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    lat = models.FloatField(_("latitude"), validators=LATITUDE, null=True, blank=True)
    lng = models.FloatField(_("longitude"), validators=LONGITUDE, null=True, blank=True)
    landmark = models.ForeignKey(
        Landmark,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("landmark"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["station", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="partner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.lat is None) != (self.lng is None):
            raise ValidationError({"lng": _("Give both latitude and longitude, or neither.")})
        if self.landmark_id and self.landmark.station_id != self.station_id:
            raise ValidationError({"landmark": _("The landmark belongs to another station.")})


class Follower(models.Model):
    """Someone who added the station's LINE account as a friend."""

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="followers", verbose_name=_("station")
    )
    line_user_id = models.CharField(_("LINE user id"), max_length=64)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    zone = models.ForeignKey(
        SafetyZone,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("zone or community"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("partner"),
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    # LINE's time of the newest follow/unfollow/postback applied: an older event that arrives
    # later (a redelivery) never overrides it.
    last_event_at = models.DateTimeField(_("last LINE event at"), null=True, blank=True)

    class Meta:
        verbose_name = _("LINE follower")
        verbose_name_plural = _("LINE followers")
        ordering = ["station", "-joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "line_user_id"], name="follower_unique_per_station"
            )
        ]
        indexes = [models.Index(fields=["station", "zone", "left_at"])]

    def __str__(self) -> str:
        if self.erased:
            return _("Erased LINE follower #%(id)s") % {"id": self.pk}
        return self.display_name or f"LINE …{self.line_user_id[-6:]}"

    @property
    def following(self) -> bool:
        return self.left_at is None

    @property
    def erased(self) -> bool:
        return self.line_user_id.startswith(ERASED_LINE_ID)


class WebhookEvent(models.Model):
    """A LINE webhook event already handled: LINE redelivers, this makes handling idempotent."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    webhook_event_id = models.CharField(_("webhook event id"), max_length=64, unique=True)
    kind = models.CharField(_("type"), max_length=40)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    # Why the event was recorded and skipped instead of handled (no personal data in it).
    refused_reason = models.CharField(_("refused because"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("LINE webhook event")
        verbose_name_plural = _("LINE webhook events")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.webhook_event_id}"


class Broadcast(models.Model):
    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("everyone following the station")
        ZONE = "zone", _("one zone or community")
        PARTNERS = "partners", _("partners only")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="broadcasts", verbose_name=_("station")
    )
    text = models.TextField(_("message"), max_length=4000)
    image_url = models.URLField(_("image URL"), blank=True)
    link_url = models.URLField(_("link"), blank=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    zone = models.ForeignKey(
        SafetyZone,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zone or community"),
    )
    public = models.BooleanField(
        _("public notice"), default=False, help_text=_("Also show it on the public notices page.")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default="draft")
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return next(iter((self.text or "").strip().splitlines()), "")[:80]

    def clean(self) -> None:
        if self.audience == self.Audience.ZONE and not self.zone_id:
            raise ValidationError({"zone": _("Pick the zone or community to send to.")})
        if self.audience != self.Audience.ZONE:
            self.zone = None
        if self.zone_id and self.zone.station_id != self.station_id:
            raise ValidationError({"zone": _("The zone belongs to another station.")})
        if self.image_url and not self.image_url.startswith("https://"):
            raise ValidationError(
                {"image_url": _("LINE shows images from https:// addresses only.")}
            )


class DeliveryBatch(models.Model):
    """One request to LINE for a broadcast; its retry key stays the same across retries."""

    class Method(models.TextChoices):
        BROADCAST = "broadcast", _("broadcast to all friends")
        MULTICAST = "multicast", _("multicast")
        PUSH = "push", _("push")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("sending")
        RETRYING = "retrying", _("retrying")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.CASCADE, related_name="batches", verbose_name=_("broadcast")
    )
    number = models.PositiveIntegerField(_("batch"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    retry_key = models.UUIDField(_("retry key"), default=uuid.uuid4, editable=False)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default="pending")
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    line_request_id = models.CharField(_("LINE request id"), max_length=100, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery batch")
        verbose_name_plural = _("delivery batches")
        ordering = ["broadcast", "number"]
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "number"], name="batch_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id}/{self.number}"

    @property
    def recipient_count(self) -> int:
        return len(self.recipients)

    @property
    def reachable_recipients(self) -> list[str]:
        """The recipients to send to: all but those erased since the batch was made."""
        return [uid for uid in self.recipients if uid != ERASED_LINE_ID]

    @property
    def finished(self) -> bool:
        return self.state in {self.State.DELIVERED, self.State.FAILED}


class SupervisorLineLink(models.Model):
    """A supervisor's own LINE account, linked with a one-time code, for SOS alerts."""

    officer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="line_link",
        verbose_name=_("officer"),
    )
    line_user_id = models.CharField(_("LINE user id"), max_length=64, blank=True)
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    # "On duty" is what the supervisor says on the LINE link page: until this time, escalated
    # SOS alerts are pushed to them. It runs out by itself, so a forgotten toggle stops alerts.
    on_duty_until = models.DateTimeField(_("on duty until"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervisor LINE link")
        verbose_name_plural = _("supervisor LINE links")

    def __str__(self) -> str:
        return f"{self.officer} · LINE"

    @property
    def linked(self) -> bool:
        return bool(self.line_user_id)

    @property
    def on_duty(self) -> bool:
        return self.on_duty_until is not None and self.on_duty_until > timezone.now()


class Meeting(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("station")
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    partners = models.ManyToManyField(
        Partner, blank=True, related_name="meetings", verbose_name=_("partners attending")
    )
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="community_meetings",
        verbose_name=_("officers attending"),
    )
    minutes = models.TextField(_("minutes"), blank=True)

    class Meta:
        verbose_name = _("network meeting")
        verbose_name_plural = _("network meetings")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{dates.format_date(self.date)} {self.title}"


def attachment_storage():
    """DATA_DIR/private/community: outside MEDIA_ROOT, served only by attachment_download."""
    return PrivateStorage("community")


class MeetingAttachment(models.Model):
    """A file of a meeting: stored outside the public media URL, served to officers only."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("meeting")
    )
    file = models.FileField(
        _("file"), storage=attachment_storage, upload_to="meetings/%Y/%m/", max_length=300
    )
    name = models.CharField(_("name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting attachment")
        verbose_name_plural = _("meeting attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Decision(models.Model):
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("meeting")
    )
    text = models.TextField(_("decision"))
    owner = models.CharField(_("owner"), max_length=200)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["done", "due_date", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def station(self):
        return self.meeting.station
