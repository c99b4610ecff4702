"""Writes of the duty desk: weekly station reports and the residents' survey answers."""

import hmac
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from desk import report_pdf, stats, thai, weekly
from desk.models import SafetyAnswer, WeeklyReport
from smartzone import access
from smartzone.audit import audit_append
from smartzone.models import Station
from smartzone.outbox import event_record

SURVEY_ACTOR = "safety-survey"


def weekly_report_generate(
    *, actor, station: Station, week_start: date, now: datetime | None = None
) -> tuple[WeeklyReport, bool]:
    """Write (or write again) STATION's report of the week starting WEEK_START (a Monday);
    return (report, created). There is one report per station and week: generating it again
    replaces its figures and PDF in the same row."""
    if not isinstance(actor, str) and actor is not None:
        access.require_supervisor(actor)
    access.require_station(actor, station)
    now = now or timezone.now()
    if week_start.weekday() != 0:
        raise ValidationError({"week": _("A week starts on a Monday.")})
    if stats.local_midnight(week_start) > now:
        raise ValidationError({"week": _("This week has not started yet.")})
    figures = weekly.figures(station=station, week_start=week_start, now=now)
    pdf = report_pdf.render(figures=figures, rows=weekly.rows(figures))
    written: list[str] = []
    try:
        return _weekly_report_write(
            actor=actor,
            station=station,
            week_start=week_start,
            now=now,
            figures=figures,
            pdf=pdf,
            written=written,
        )
    except BaseException:
        # The row rolled back: the PDF written for it must not stay behind on disk.
        storage = WeeklyReport._meta.get_field("pdf").storage
        for name in written:
            storage.delete(name)
        raise


@transaction.atomic
def _weekly_report_write(
    *,
    actor,
    station: Station,
    week_start: date,
    now: datetime,
    figures: dict,
    pdf: bytes,
    written: list[str],
) -> tuple[WeeklyReport, bool]:
    report, created = WeeklyReport.objects.select_for_update().get_or_create(
        station=station, week_start=week_start, defaults={"generated_at": now}
    )
    old_pdf = report.pdf.name if report.pdf else ""
    report.generated_at, report.figures = now, figures
    report.pdf.save(f"{station.code}-{week_start:%Y-%m-%d}.pdf", ContentFile(pdf), save=False)
    written.append(report.pdf.name)
    if created:
        report.full_clean(exclude=["pdf"])
    report.save(update_fields=["generated_at", "figures", "pdf"])
    audit_append(
        actor=actor,
        action="desk.weekly_report.generated" if created else "desk.weekly_report.regenerated",
        obj=report,
        changes={
            "week_start": week_start.isoformat(),
            "incidents": figures["incidents"]["total"],
            "sos": figures["sos"]["count"],
        },
    )
    event_record(
        station=station,
        kind="desk.weekly_report",
        payload={
            "id": report.pk,
            "title": _("Weekly report %(period)s")
            % {"period": thai.thai_range(week_start, date.fromisoformat(figures["week_end"]))},
            "week_start": week_start.isoformat(),
            "url": reverse("desk:report-detail", args=[report.pk]),
        },
    )
    if old_pdf and old_pdf != report.pdf.name:
        storage = report.pdf.storage
        transaction.on_commit(lambda: storage.delete(old_pdf))
    return report, created


def weekly_reports_generate_due(*, now: datetime | None = None) -> list[int]:
    """Write the report of the last complete week for every station that has none yet; return
    the new reports' ids. Safe to run again and at once: a week's report is written once."""
    now = now or timezone.now()
    week = stats.last_complete_week(now)
    done = set(WeeklyReport.objects.filter(week_start=week).values_list("station_id", flat=True))
    created_ids = []
    for station in Station.objects.exclude(pk__in=done).order_by("pk"):
        report, created = weekly_report_generate(
            actor="desk.tasks", station=station, week_start=week, now=now
        )
        if created:
            created_ids.append(report.pk)
    return created_ids


def respondent_key(*, cookie_id: str, month: date) -> str:
    """Return HMAC-SHA256(secret, cookie id + month): the same browser in the same month gives
    the same key; the cookie id cannot be read back from it, and months do not link."""
    secret = (settings.SECRET_KEY + "|desk.safety-survey").encode()
    message = f"{cookie_id}|{month:%Y-%m}".encode()
    return hmac.new(secret, message, "sha256").hexdigest()


@transaction.atomic
def survey_answer(
    *,
    station: Station,
    cookie_id: str,
    safe_in_zone: int,
    safe_at_night: int,
    trust_response: int,
    now: datetime | None = None,
) -> tuple[SafetyAnswer, bool]:
    """Record a resident's answer for this month; return (answer, replaced). A second answer
    from the same browser (COOKIE_ID) in the same month replaces the first. Nothing about the
    person is stored: no IP address, account, LINE id or the cookie id itself."""
    now = now or timezone.now()
    month = stats.month_start(timezone.localdate(now))
    if not cookie_id or len(cookie_id) < 16:
        raise ValidationError({"cookie": _("The survey needs cookies to count one answer each.")})
    scores = {
        "safe_in_zone": safe_in_zone,
        "safe_at_night": safe_at_night,
        "trust_response": trust_response,
    }
    key = respondent_key(cookie_id=cookie_id, month=month)
    answer = (
        SafetyAnswer.objects.select_for_update()
        .filter(station=station, month=month, respondent=key)
        .first()
    )
    replaced = answer is not None
    if answer is None:
        answer = SafetyAnswer(
            station=station, month=month, respondent=key, answered_at=now, **scores
        )
        answer.full_clean()
        answer.save()
    else:
        for name, value in scores.items():
            setattr(answer, name, value)
        answer.answered_at = now
        answer.full_clean()
        answer.save(update_fields=[*scores, "answered_at"])
    # No object id: an entry per answer says only the station, the month and whether it replaced.
    audit_append(
        actor=SURVEY_ACTOR,
        action="desk.survey.answered",
        station=station,
        changes={"month": month.isoformat(), "replaced": replaced},
    )
    return answer, replaced


@transaction.atomic
def case_view_record(*, actor, case) -> None:
    """Record that ACTOR, a commander, opened CASE (a report or an SOS) of a station: every
    look from above the station at one of its cases is in the audit trail, naming them."""
    if not access.is_commander(actor):
        raise PermissionDenied(_("This page is for commanders."))
    audit_append(
        actor=actor,
        action="desk.case.viewed",
        obj=case,
        changes={"role": getattr(access.commander_of(actor), "role", access.ADMIN)},
    )
