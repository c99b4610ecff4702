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
