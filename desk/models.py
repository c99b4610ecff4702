"""The duty desk's stored figures: weekly station reports and the residents' safety survey."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from smartzone import dates
from smartzone.media import PrivateStorage
from smartzone.models import Station


def report_storage() -> PrivateStorage:
    """DATA_DIR/private/desk-reports: the PDFs, served only by the report views."""
    return PrivateStorage("desk-reports")


class WeeklyReport(models.Model):
    """One station's figures for one week (Monday to Sunday, station time), and its PDF."""

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="weekly_reports", verbose_name=_("station")
    )
    week_start = models.DateField(_("week starting"))
    generated_at = models.DateTimeField(_("generated at"))
    figures = models.JSONField(_("figures"), default=dict)
    pdf = models.FileField(
        _("PDF"), storage=report_storage, upload_to="%Y/", max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("weekly station report")
        verbose_name_plural = _("weekly station reports")
        ordering = ["-week_start", "station"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "week_start"], name="desk_one_report_per_station_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} {dates.format_date(self.week_start)}"


SCALE = [MinValueValidator(1), MaxValueValidator(5)]


class SafetyAnswer(models.Model):
    """A resident's answer to the three-question survey, one per browser per station and month.

    Nothing identifies the person: RESPONDENT is HMAC(secret, cookie id + month), so the same
    browser maps to the same row within a month (and its second answer replaces the first) but
    rows of different months cannot be linked, and the cookie id itself is never stored.
    """

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="safety_answers", verbose_name=_("station")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month answered in."))
    respondent = models.CharField(_("respondent key"), max_length=64)
    safe_in_zone = models.PositiveSmallIntegerField(_("safe in the zone"), validators=SCALE)
    safe_at_night = models.PositiveSmallIntegerField(_("safe at night"), validators=SCALE)
    trust_response = models.PositiveSmallIntegerField(
        _("trust in the station's response"), validators=SCALE
    )
    answered_at = models.DateTimeField(_("answered at"))

    class Meta:
        verbose_name = _("safety survey answer")
        verbose_name_plural = _("safety survey answers")
        ordering = ["-month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "month", "respondent"], name="desk_one_answer_per_month"
            ),
            *[
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"desk_{name}_1_to_5",
                )
                for name in ("safe_in_zone", "safe_at_night", "trust_response")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.month:%Y-%m}"


class StationDay(models.Model):
    """One station's figures of one day (station time), rolled up from the raw rows by
    desk.rollup so that the commanders' weekly comparison never scans them.

    Response times are kept as the day's list of minutes per stage (not means), so a week's
    median and 90th percentile are exact. Cameras and kiosks online are what the day's last
    roll-up saw (a past day first rolled up later has none). CHAIN_SEQ/CHAIN_HASH name the
    audit chain head, proved intact, that the figures were computed at.
    """

    station = models.ForeignKey(
        Station, on_delete=models.CASCADE, related_name="days", verbose_name=_("station")
    )
    day = models.DateField(_("day"))
    incidents = models.PositiveIntegerField(_("incidents"), default=0)
    incidents_by_category = models.JSONField(_("incidents by category"), default=dict)
    sos = models.PositiveIntegerField(_("SOS"), default=0)
    sos_ack_minutes = models.JSONField(default=list)
    sos_scene_minutes = models.JSONField(default=list)
    report_ack_minutes = models.JSONField(default=list)
    report_scene_minutes = models.JSONField(default=list)
    patrol_planned = models.PositiveIntegerField(_("patrol visits planned"), default=0)
    patrol_met = models.PositiveIntegerField(_("patrol visits done"), default=0)
    cameras = models.PositiveIntegerField(_("cameras"), null=True, blank=True)
    cameras_online = models.PositiveIntegerField(_("cameras online"), null=True, blank=True)
    kiosks = models.PositiveIntegerField(_("kiosks"), null=True, blank=True)
    kiosks_online = models.PositiveIntegerField(_("kiosks online"), null=True, blank=True)
    survey_answers = models.PositiveIntegerField(_("survey answers"), default=0)
    survey_score_sum = models.PositiveIntegerField(
        _("sum of the survey's scores"), default=0, help_text=_("All three questions, 1-5 each.")
    )
    line_followers = models.PositiveIntegerField(_("LINE followers"), default=0)
    chain_seq = models.PositiveBigIntegerField(_("audit chain head"), default=0)
    chain_hash = models.CharField(_("audit chain head hash"), max_length=64, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("station day")
        verbose_name_plural = _("station days")
        ordering = ["-day", "station"]
        constraints = [
            models.UniqueConstraint(fields=["station", "day"], name="desk_one_row_per_station_day")
        ]
        indexes = [models.Index(fields=["day", "station"])]

    def __str__(self) -> str:
        return f"{self.station} {dates.format_date(self.day)}"


class ChainProof(models.Model):
    """The newest audit entry the roll-up task proved (the chain intact up to it), so that
    the next run walks only what was appended since. One row."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)
    proved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit chain proved to #{self.seq}"


def export_storage() -> PrivateStorage:
    """DATA_DIR/private/desk-exports: the commanders' comparison PDFs and CSVs."""
    return PrivateStorage("desk-exports")


class ComparisonExport(models.Model):
    """The commanders' weekly comparison of a province (or, PROVINCE empty, every station),
    as stored by the weekly beat task: its figures, CSV and PDF, and the audit chain head
    they were computed at."""

    province = models.CharField(_("province"), max_length=100, blank=True)
    week_start = models.DateField(_("week starting"))
    generated_at = models.DateTimeField(_("generated at"))
    chain_seq = models.PositiveBigIntegerField(_("audit chain head"), default=0)
    chain_hash = models.CharField(_("audit chain head hash"), max_length=64, blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    pdf = models.FileField(
        _("PDF"), storage=export_storage, upload_to="%Y/", max_length=300, blank=True
    )
    csv = models.FileField(
        _("CSV"), storage=export_storage, upload_to="%Y/", max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("comparison export")
        verbose_name_plural = _("comparison exports")
        ordering = ["-week_start", "province"]
        constraints = [
            models.UniqueConstraint(
                fields=["province", "week_start"], name="desk_one_export_per_province_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province or '*'} {dates.format_date(self.week_start)}"
