"""Pages of the duty desk: analysis (hotspots, response times, trends), weekly reports, and
the residents' public safety survey."""

import csv
import json
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from desk import charts, hotspots, response, services, stats, weekly
from desk.forms import GenerateForm, PeriodForm, SurveyForm
from desk.models import WeeklyReport
from smartzone import access, dates
from smartzone.basemap import basemap_config
from smartzone.links import public_url
from smartzone.media import private_file_response
from smartzone.models import Station

SURVEY_COOKIE = "sz_survey"
SURVEY_COOKIE_AGE = 400 * 24 * 3600


def _station(request):
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404(_("Not found."))
    return station


def _period(request) -> PeriodForm:
    data = request.GET.copy()
    data.pop("station", None)
    return PeriodForm(data or PeriodForm.defaults())


def _range(form: PeriodForm):
    since = stats.local_midnight(form.cleaned_data["since"])
    until = stats.local_midnight(form.cleaned_data["until"]) + timedelta(days=1)
    return since, until


def _hotspots(station, form: PeriodForm) -> hotspots.Hotspots:
    since, until = _range(form)
    category = form.cleaned_data.get("category")
    return hotspots.hotspots(
        station=station,
        since=since,
        until=until,
        categories=[category] if category else None,
        cell_m=form.cleaned_data.get("cell") or hotspots.DEFAULT_CELL_M,
    )


@access.officer_required
@require_GET
def hotspots_geojson(request):
    """The grid of the station's incidents for the period, as GeoJSON."""
    station = _station(request)
    form = _period(request)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    return JsonResponse(_hotspots(station, form).geojson())


def _stage_charts(
    rows: list[response.Row], groups: list[str], labels: list[str] | None = None
) -> list[dict]:
    """One chart per stage: median and 90th percentile of reports and of SOS per group (each
    shown as its label of LABELS, if given)."""
    by = {(r.key, r.source): r for r in rows}
    out = []
    for stage, label in response.STAGES:
        series = []
        for source, name in (("report", _("reports")), ("sos", _("SOS"))):
            for measure, measure_name in (("median", _("median")), ("p90", _("90th percentile"))):
                values = []
                for key in groups:
                    row = by.get((key, source))
                    values.append(getattr(row.stages[stage], measure) if row else None)
                series.append(
                    charts.Series(f"{name} {measure_name}", f"bar-{source}-{measure}", values)
                )
        out.append(
            {
                "title": label,
                "chart": charts.bar_chart(groups=labels or groups, series=series, unit="min"),
            }
        )
    return out


@access.officer_required
@require_GET
def overview(request):
    station = _station(request)
    form = _period(request)
    context = {"station": station, "form": form}
    if not form.is_valid():
        return render(request, "desk/overview.html", context, status=400)
    since, until = _range(form)
    spots = _hotspots(station, form)
    times = response.response_times(station_id=station.pk, since=since, until=until)
    dispatch_times = response.dispatch_times(station_id=station.pk, since=since, until=until)
    mondays = response.weeks_between(since.date(), until.date())
    weeks = [w.isoformat() for w in mondays]
    category_rows = [
        response.Row(str(r.label), r.label, r.source, r.cases, r.stages) for r in times.categories
    ]
    month = stats.month_start(form.cleaned_data["until"])
    incident_trend = weekly.incident_trend(station_id=station.pk, until_month=month)
    survey_trend = weekly.survey_trend(station_id=station.pk, until_month=month)
    months = [m["month_th"] for m in incident_trend]
    query = request.GET.copy()
    query["station"] = station.pk
    context |= {
        "hotspots": spots,
        "times": times,
        "dispatch_times": dispatch_times,
        "dispatch_stages": response.DISPATCH_STAGES,
        "week_charts": _stage_charts(times.weeks, weeks, [dates.format_date(w) for w in mondays]),
        "category_charts": _stage_charts(category_rows, [str(r.label) for r in times.categories]),
        "incident_chart": charts.bar_chart(
            groups=months,
            series=[
                charts.Series(_("incidents"), "bar-incidents", [m["count"] for m in incident_trend])
            ],
        ),
        "survey_chart": charts.bar_chart(
            groups=months,
            series=[
                charts.Series(
                    _("safe in the zone"),
                    "bar-survey-zone",
                    [m["safe_in_zone"] for m in survey_trend],
                ),
                charts.Series(
                    _("safe at night"),
                    "bar-survey-night",
                    [m["safe_at_night"] for m in survey_trend],
                ),
                charts.Series(
                    _("trust in response"),
                    "bar-survey-trust",
                    [m["trust_response"] for m in survey_trend],
                ),
            ],
            max_value=5,
        ),
        "survey_trend": survey_trend,
        "incident_trend": incident_trend,
        "basemap_json": json.dumps(basemap_config()),
        "hotspots_url": reverse("desk:hotspots") + "?" + query.urlencode(),
        "survey_url": public_url(f"{reverse('desk:survey')}?station={station.code}", request),
    }
    return render(request, "desk/overview.html", context)


# --- weekly reports ---------------------------------------------------------------------------


def _report_list(request, station, form, status=200):
    reports = WeeklyReport.objects.filter(station=station).order_by("-week_start")[:104]
    return render(
        request,
        "desk/reports.html",
        {"station": station, "reports": reports, "form": form},
        status=status,
    )


@access.officer_required
@require_GET
def report_list(request):
    station = _station(request)
    week = stats.last_complete_week(timezone.now())
    return _report_list(request, station, GenerateForm(initial={"week": week}))


@access.supervisor_required
@require_POST
def report_generate(request):
    station = _station(request)
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            report, _created = services.weekly_report_generate(
                actor=request.user, station=station, week_start=form.cleaned_data["week"]
            )
        except ValidationError as exc:
            form.add_error("week", exc.message_dict.get("week", exc.messages))
        else:
            return redirect("desk:report-detail", pk=report.pk)
    return _report_list(request, station, form, status=400)


def _report(request, pk: int) -> WeeklyReport:
    return access.get_for_user(WeeklyReport.objects.select_related("station"), request.user, pk=pk)


@access.officer_required
@require_GET
def report_detail(request, pk: int):
    report = _report(request, pk)
    rows = weekly.rows(report.figures)
    sections = []
    for section, item, value in rows:
        if not sections or sections[-1]["name"] != section:
            sections.append({"name": section, "rows": []})
        sections[-1]["rows"].append((item, value))
    return render(
        request,
        "desk/report_detail.html",
        {"report": report, "figures": report.figures, "sections": sections},
    )


@access.officer_required
@require_GET
def report_pdf(request, pk: int):
    report = _report(request, pk)
    return private_file_response(
        report.pdf,
        filename=f"weekly-report-{report.station.code}-{report.week_start:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )


@access.officer_required
@require_GET
def report_csv(request, pk: int):
    report = _report(request, pk)
    response_ = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"weekly-report-{report.station.code}-{report.week_start:%Y-%m-%d}.csv"
    response_["Content-Disposition"] = f'attachment; filename="{name}"'
    response_.write("\ufeff")  # so that spreadsheet programs read the Thai as UTF-8
    writer = csv.writer(response_)
    writer.writerow([_("Section"), _("Item"), _("Value")])
    writer.writerows(weekly.rows(report.figures))
    return response_


# --- the residents' survey --------------------------------------------------------------------


def _cookie_id(request) -> tuple[str, bool]:
    """Return (the browser's random survey id, whether it is new)."""
    value = request.COOKIES.get(SURVEY_COOKIE, "")
    if 20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum():
        return value, False
    return secrets.token_urlsafe(24), True


def _with_cookie(request, response_, cookie_id: str, new: bool):
    """Give a browser without one its random survey id (a cookie that says nothing about it)."""
    if new:
        response_.set_cookie(
            SURVEY_COOKIE,
            cookie_id,
            max_age=SURVEY_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response_


@ratelimit(key="ip", rate="5/m", method="POST", block=False)
@require_http_methods(["GET", "POST"])
def survey(request):
    """The three-question survey: public, no login, one answer per browser and month."""
    stations = Station.objects.order_by("name")
    cookie_id, new = _cookie_id(request)
    if request.method == "GET":
        chosen = request.GET.get("station", "")[:40]
        form = SurveyForm(initial={"station": chosen} if chosen else {}, stations=stations)
        return _with_cookie(
            request, render(request, "desk/survey.html", {"form": form}), cookie_id, new
        )
    if getattr(request, "limited", False):
        return render(
            request,
            "desk/survey.html",
            {"limited": _("Too many answers from this device; please try again later.")},
            status=429,
        )
    form = SurveyForm(request.POST, stations=stations)
    if not form.is_valid():
        page = render(request, "desk/survey.html", {"form": form}, status=400)
        return _with_cookie(request, page, cookie_id, new)
    data = form.cleaned_data
    _answer, replaced = services.survey_answer(
        station=data["station"],
        cookie_id=cookie_id,
        safe_in_zone=data["safe_in_zone"],
        safe_at_night=data["safe_at_night"],
        trust_response=data["trust_response"],
    )
    page = render(
        request, "desk/survey_thanks.html", {"replaced": replaced, "station": data["station"]}
    )
    return _with_cookie(request, page, cookie_id, new)
