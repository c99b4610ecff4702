"""Pages of the commanders above the stations (a province's, the programme's): the map and the
week-by-week comparison, each station's read-only page and its cases (each look audited), and
the comparison's exports. Read only: every page answers GET alone."""

import csv
import json
from datetime import date, timedelta

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from desk import comparison, rollup, services, stats
from desk.models import ComparisonExport
from incidents.models import Report
from smartzone import access
from smartzone.basemap import basemap_config
from smartzone.media import private_file_response
from smartzone.models import SafetyZone
from sos.models import SosEvent


def _week(request) -> date:
    """The Monday asked for (?week=YYYY-MM-DD, any day of it), else the last complete week."""
    raw = request.GET.get("week", "")[:10]
    try:
        return stats.week_start_of(date.fromisoformat(raw))
    except ValueError:
        return stats.last_complete_week(timezone.now())


def _scope(request) -> tuple[str, str]:
    """Return (province, its name) of what the user reads: "" for every station."""
    commander = access.commander_of(request.user)
    province = commander.province if commander else ""
    return province, comparison.scope_name(province)


def _map_data(stations) -> dict:
    zones = SafetyZone.objects.filter(station__in=stations).only("station_id", "name", "boundary")
    return {
        "stations": [
            {"id": s.pk, "name": s.name, "lat": s.lat, "lng": s.lng, "url": _station_url(s.pk)}
            for s in stations
        ],
        "zones": [{"station": z.station_id, "name": z.name, "boundary": z.boundary} for z in zones],
    }


def _station_url(station_id: int) -> str:
    return reverse("desk:commander-station", args=[station_id])


@access.commander_required
@require_GET
def overview(request):
    """The map of the stations' zones and the week's comparison table."""
    week = _week(request)
    stations = access.commander_stations(request.user)
    data = comparison.comparison(stations=stations, week_start=week)
    _province, scope = _scope(request)
    return render(
        request,
        "desk/commanders.html",
        {
            "scope": scope,
            "week": week,
            "week_end": week + timedelta(days=6),
            "previous_week": week - timedelta(days=7),
            "next_week": week + timedelta(days=7)
            if week + timedelta(days=7) <= stats.week_start_of(timezone.now())
            else None,
            "data": data,
            "table": comparison.table(data),
            "map_data": _map_data(list(stations.order_by("name"))),
            "basemap_json": json.dumps(basemap_config()),
        },
    )


@access.commander_required
@require_GET
def comparison_csv(request):
    """The week's comparison as CSV, naming the audit chain head of its roll-ups."""
    week = _week(request)
    data = comparison.comparison(stations=access.commander_stations(request.user), week_start=week)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="comparison-{week:%Y-%m-%d}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the Thai as UTF-8
    csv.writer(response).writerows(comparison.csv_rows(data))
    return response


@access.commander_required
@require_GET
def station(request, station_id: int):
    """A station's read-only page for commanders: its week by day and its cases."""
    station_ = access.commander_station(request.user, station_id)
    week = _week(request)
    since = stats.local_midnight(week)
    until = stats.local_midnight(week + timedelta(days=7))
    figures = rollup.week_figures(station_ids=[station_.pk], week_start=week)[station_.pk]
    data = comparison.comparison(
        stations=access.commander_stations(request.user).filter(pk=station_.pk), week_start=week
    )
    reports = (
        rollup.incidents_of([station_.pk], since, until)
        .select_related("category")
        .order_by("-created_at")[:200]
    )
    sos = SosEvent.objects.filter(
        station=station_, received_at__gte=since, received_at__lt=until
    ).order_by("-received_at")[:200]
    days = station_.days.filter(day__gte=week, day__lt=week + timedelta(days=7)).order_by("day")
    return render(
        request,
        "desk/commander_station.html",
        {
            "station": station_,
            "week": week,
            "week_end": week + timedelta(days=6),
            "previous_week": week - timedelta(days=7),
            "figures": figures,
            "table": comparison.table(data),
            "days": days,
            "reports": reports,
            "sos_events": sos,
        },
    )


def _case(request, station_id: int, queryset, pk: int):
    station_ = access.commander_station(request.user, station_id)
    case = queryset.filter(station=station_, pk=access.parse_id(pk) or 0).first()
    if case is None:
        raise Http404(_("Not found."))
    services.case_view_record(actor=request.user, case=case)
    return station_, case


@access.commander_required
@require_GET
def report(request, station_id: int, pk: int):
    """A station's report, read only; the look is audited as the commander's."""
    station_, case = _case(request, station_id, Report.objects.select_related("category"), pk)
    return render(
        request, "desk/commander_case.html", {"station": station_, "report": case, "sos": None}
    )


@access.commander_required
@require_GET
def sos(request, station_id: int, pk: int):
    """A station's SOS, read only; the look is audited as the commander's."""
    station_, case = _case(request, station_id, SosEvent.objects.select_related("kiosk"), pk)
    return render(
        request, "desk/commander_case.html", {"station": station_, "report": None, "sos": case}
    )


def _exports(request):
    exports = ComparisonExport.objects.all()
    commander = access.commander_of(request.user)
    if commander and commander.role == access.PROVINCE:
        exports = exports.filter(province=commander.province)
    return exports


@access.commander_required
@require_GET
def exports(request):
    """The weekly exports beat wrote for what the user reads."""
    return render(
        request,
        "desk/commander_exports.html",
        {"exports": _exports(request).order_by("-week_start", "province")[:104]},
    )


@access.commander_required
@require_GET
def export_file(request, pk: int, kind: str):
    export = _exports(request).filter(pk=pk).first()
    if export is None:
        raise Http404(_("Not found."))
    name = f"comparison-{export.province or 'all'}-{export.week_start:%Y-%m-%d}.{kind}"
    return private_file_response(
        getattr(export, kind),
        filename=name,
        content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8",
    )
