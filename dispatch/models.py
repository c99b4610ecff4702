"""Assignments of an SOS or a report to an officer on shift, and each station's offer policy."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartzone.models import Station

DEFAULT_OFFER_TIMEOUT_S = 45


class DispatchPolicy(models.Model):
    """How a station offers work to its officers (no row: the defaults)."""

    station = models.OneToOneField(
        Station, on_delete=models.CASCADE, related_name="dispatch_policy", verbose_name=_("station")
    )
    offer_timeout_s = models.PositiveIntegerField(
        _("seconds to accept an offer"),
        default=DEFAULT_OFFER_TIMEOUT_S,
        validators=[MinValueValidator(10), MaxValueValidator(600)],
    )
    auto_offer_sos = models.BooleanField(
        _("offer each new SOS to the nearest free officer at once"), default=False
    )

    class Meta:
        verbose_name = _("dispatch policy")
        verbose_name_plural = _("dispatch policies")

    def __str__(self) -> str:
        return str(self.station)


class Assignment(models.Model):
    class Kind(models.TextChoices):
        SOS = "sos", _("SOS")
        REPORT = "report", _("report")

    class State(models.TextChoices):
        OFFERED = "offered", _("offered")
        ACCEPTED = "accepted", _("accepted")
        ON_THE_WAY = "on_the_way", _("on the way")
        ON_SCENE = "on_scene", _("on scene")
        DONE = "done", _("done")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("not accepted in time")
        CANCELLED = "cancelled", _("cancelled")

    ACTIVE = (State.OFFERED, State.ACCEPTED, State.ON_THE_WAY, State.ON_SCENE)
    WORKING = (State.ACCEPTED, State.ON_THE_WAY, State.ON_SCENE)

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("station")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    sos = models.ForeignKey(
        "sos.SosEvent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("SOS"),
    )
    report = models.ForeignKey(
        "incidents.Report",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("report"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("officer"),
    )
    shift = models.ForeignKey(
        "patrol.PatrolShift",
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("shift"),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.OFFERED
    )
    automatic = models.BooleanField(_("offered by the platform"), default=False)
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    timeout_s = models.PositiveIntegerField(_("seconds to accept"), default=DEFAULT_OFFER_TIMEOUT_S)
    distance_m = models.FloatField(_("distance when offered (m)"), null=True, blank=True)
    position_age_s = models.FloatField(_("position age when offered (s)"), null=True, blank=True)
    # When the SOS or report came in: the figures count from it.
    item_received_at = models.DateTimeField(_("item received at"))
    offered_at = models.DateTimeField(_("offered at"), default=timezone.now, db_index=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    on_the_way_at = models.DateTimeField(_("on the way at"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    # The LINE push of the offer, once (community's delivery path keys it by this id).
    line_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-offered_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="sos", sos__isnull=False, report__isnull=True)
                | models.Q(kind="report", report__isnull=False, sos__isnull=True),
                name="assignment_one_item",
            ),
            # An officer holds an item once at a time (two desk clicks make one offer).
            models.UniqueConstraint(
                fields=["sos", "officer"],
                condition=models.Q(
                    sos__isnull=False, state__in=["offered", "accepted", "on_the_way", "on_scene"]
                ),
                name="assignment_one_active_per_sos",
            ),
            models.UniqueConstraint(
                fields=["report", "officer"],
                condition=models.Q(
                    report__isnull=False,
                    state__in=["offered", "accepted", "on_the_way", "on_scene"],
                ),
                name="assignment_one_active_per_report",
            ),
        ]
        indexes = [
            models.Index(fields=["officer", "state"]),
            models.Index(fields=["station", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.item_id} → {self.officer}"

    @property
    def item_id(self) -> int:
        return self.sos_id if self.kind == self.Kind.SOS else self.report_id

    @property
    def item(self):
        return self.sos if self.kind == self.Kind.SOS else self.report

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE

    @property
    def offer_due_at(self):
        return self.offered_at + timezone.timedelta(seconds=self.timeout_s)

    def _seconds(self, end) -> float | None:
        return (end - self.item_received_at).total_seconds() if end else None

    @property
    def seconds_to_accept(self) -> float | None:
        return self._seconds(self.accepted_at)

    @property
    def seconds_to_on_the_way(self) -> float | None:
        return self._seconds(self.on_the_way_at)

    @property
    def seconds_to_on_scene(self) -> float | None:
        return self._seconds(self.on_scene_at)


def photo_storage():
    from patrol.models import photo_storage as patrol_photos

    return patrol_photos()


class AssignmentPhoto(models.Model):
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="photos", verbose_name=_("assignment")
    )
    photo = models.FileField(_("photo"), storage=photo_storage, upload_to="dispatch/%Y/%m/")
    taken_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("assignment photo")
        verbose_name_plural = _("assignment photos")

    def __str__(self) -> str:
        return f"{self.assignment} · {self.pk}"
