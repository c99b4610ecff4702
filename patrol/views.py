"""Pages of the patrol app: points and their codes, the check-in page, shifts, coverage."""

import csv
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patrol import qrsheet, selectors, services
from patrol.forms import (
    AdviceApplyForm,
    CheckInForm,
    CoverageForm,
    PointForm,
    PositionForm,
    ShiftForm,
)
from patrol.models import CheckIn, PatrolPoint, PatrolShift
from patrol.tokens import CheckInRefused, make_token, point_for_token
from smartzone import access
from smartzone.basemap import basemap_config
from smartzone.dates import format_date
from smartzone.links import public_url
from smartzone.media import private_file_response

# How often the check-in page sends the officer's position while on shift.
POSITION_SHARE_SECONDS = 30


def _station(request):
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404(_("Not found."))
    return station


def checkin_url(request, point: PatrolPoint) -> str:
    """Return the absolute check-in URL a point's QR code holds (on SITE_URL)."""
    return public_url(reverse("patrol:checkin", args=[make_token(point)]), request)


# --- points ------------------------------------------------------------------------------------


@access.officer_required
def point_list(request):
    station = _station(request)
    points = PatrolPoint.objects.filter(station=station).order_by("-active", "name")
    return render(request, "patrol/points.html", {"station": station, "points": points})


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def point_edit(request, pk: int | None = None):
    if pk is None:
        station = _station(request)
        point = PatrolPoint(station=station, lat=station.lat, lng=station.lng)
    else:
        point = access.get_for_user(
            PatrolPoint.objects.select_related("station"), request.user, pk=pk
        )
    form = PointForm(request.POST or None, instance=point)
    if request.method == "POST" and form.is_valid():
        try:
            point = services.point_save(actor=request.user, point=form.save(commit=False))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Patrol point %(name)s saved.") % {"name": point.name})
            return redirect("patrol:points")
    status = 400 if form.is_bound else 200
    return render(request, "patrol/point_form.html", {"form": form, "point": point}, status=status)


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def point_rotate(request, pk: int):
    point = access.get_for_user(PatrolPoint.objects.all(), request.user, pk=pk)
    if request.method == "POST":
        services.point_rotate_token(actor=request.user, point=point)
        messages.success(
            request,
            _("%(name)s has a new code: print it and replace the old one, which no longer works.")
            % {"name": point.name},
        )
        return redirect("patrol:points")
    return render(request, "patrol/point_rotate.html", {"point": point})


@access.supervisor_required
def point_qr(request, pk: int):
    point = access.get_for_user(PatrolPoint.objects.all(), request.user, pk=pk)
    response = HttpResponse(qrsheet.qr_png(checkin_url(request, point)), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@access.supervisor_required
def point_sheet(request):
    station = _station(request)
    pdf = qrsheet.render_sheet(
        title=_("Patrol points of %(station)s") % {"station": station.name},
        points=selectors.points_for_sheet(station_id=station.pk),
        url_for=lambda point: checkin_url(request, point),
        footer=_("Printed %(date)s · the codes open %(site)s")
        % {"date": format_date(timezone.localdate()), "site": public_url("/", request)},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="patrol-points-{station.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- check-in ----------------------------------------------------------------------------------


def _refused(request, exc: CheckInRefused, form=None, point=None):
    return render(
        request,
        "patrol/checkin.html",
        {"refusal": exc, "form": form, "point": point},
        status=exc.status,
    )


@access.officer_required
@require_http_methods(["GET", "POST"])
def checkin(request, token: str):
    """The page a point's QR code opens: locate the phone, then record the check-in."""
    try:
        point = point_for_token(token)
        if not access.can_see_station(request.user, point.station_id):
            raise CheckInRefused(
                _(
                    "This QR code belongs to a patrol point of another station. Check in only "
                    "at your own station's points."
                ),
                code="other_station",
                status=403,
            )
    except CheckInRefused as exc:
        return _refused(request, exc)
    form = CheckInForm(
        request.POST or None, request.FILES or None, initial={"point": point.short_id}
    )
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = services.checkin_record(
                actor=request.user,
                token=token,
                lat=data["lat"],
                lng=data["lng"],
                accuracy_m=data["accuracy"],
                note=data["note"],
                photo=data["photo"],
                away_reason=data["away_reason"],
                expected_point=data["point"] or None,
            )
        except CheckInRefused as exc:
            refusal = exc
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("patrol:checkin-done", pk=done.pk)
    status = refusal.status if refusal else (400 if form.is_bound else 200)
    return render(
        request,
        "patrol/checkin.html",
        {
            "point": point,
            "form": form,
            "refusal": refusal,
            "checkin_config": {
                "point": {"lat": point.lat, "lng": point.lng, "radius": point.radius_m},
                "labels": {
                    "distance": _("You are %(d)s m from the point (±%(a)s m)."),
                    "inside": _("Inside the check-in radius."),
                    "outside": _(
                        "Outside the check-in radius: move closer, or give a reason below."
                    ),
                    "locating": _("Finding your position…"),
                    "denied": _(
                        "Location is blocked: allow this page to use your location, then reload."
                    ),
                    "unsupported": _("This browser cannot tell your position."),
                },
            },
            **_share_context(request),
        },
        status=status,
    )


def _share_context(request) -> dict:
    """Context of the "share my position" box: shown while the officer is on shift."""
    shift = selectors.active_shift_of(officer=request.user, at=timezone.now())
    return {
        "shift": shift,
        "share_config": {
            "positionUrl": reverse("patrol:position"),
            "shareSeconds": POSITION_SHARE_SECONDS,
            "labels": {
                "shared": _("Position shared at %(t)s."),
                "refused": _("Position not shared: %(r)s"),
            },
        },
    }


@access.officer_required
def checkin_done(request, pk: int):
    done = access.get_for_user(
        CheckIn.objects.select_related("point", "officer"), request.user, pk=pk
    )
    return render(request, "patrol/checkin_done.html", {"checkin": done, **_share_context(request)})


@access.officer_required
def checkin_photo(request, pk: int):
    """Serve a check-in's photo to the officers of its station only."""
    row = access.get_for_user(CheckIn.objects.all(), request.user, pk=pk)
    return private_file_response(
        row.photo, filename=f"checkin-{row.pk}.jpg", content_type="image/jpeg", no_store=True
    )


@access.officer_required
@require_POST
def position(request):
    """Take the phone's position while its officer is on shift (JSON answer)."""
    form = PositionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    try:
        row = services.position_report(
            actor=request.user,
            lat=form.cleaned_data["lat"],
            lng=form.cleaned_data["lng"],
            accuracy_m=form.cleaned_data["accuracy"],
        )
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    return JsonResponse(
        {"id": row.pk, "shift": row.shift_id, "ends_at": row.shift.ends_at.isoformat()},
        status=201,
    )


# --- shifts ------------------------------------------------------------------------------------


@access.supervisor_required
def shift_list(request):
    station = _station(request)
    now = timezone.now()
    shifts = (
        PatrolShift.objects.filter(station=station, ends_at__gte=now - timedelta(days=7))
        .prefetch_related("officers", "plan__point")
        .order_by("-starts_at")
    )
    return render(request, "patrol/shifts.html", {"station": station, "shifts": shifts, "now": now})


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def shift_edit(request, pk: int | None = None):
    shift = None
    if pk is not None:
        shift = access.get_for_user(
            PatrolShift.objects.select_related("station"), request.user, pk=pk
        )
        station = shift.station
    else:
        station = _station(request)
    form = ShiftForm(request.POST or None, station=station, shift=shift)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shift = services.shift_plan(
                actor=request.user,
                station=station,
                name=data["name"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                officers=data["officers"],
                plan=form.plan(),
                shift=shift,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Shift %(name)s planned.") % {"name": shift.name})
            return redirect("patrol:shifts")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "patrol/shift_form.html",
        {"form": form, "shift": shift, "station": station},
        status=status,
    )


# --- coverage ----------------------------------------------------------------------------------


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@access.supervisor_required
def coverage(request):
    station = _station(request)
    data = request.GET.copy()
    data.pop("station", None)
    data.pop("format", None)
    form = CoverageForm(data or CoverageForm.default_range())
    if not form.is_valid():
        return render(
            request, "patrol/coverage.html", {"station": station, "form": form}, status=400
        )
    since = _day_start(form.cleaned_data["since"])
    until = _day_start(form.cleaned_data["until"] + timedelta(days=1))
    report = selectors.coverage(station=station, since=since, until=until, now=timezone.now())
    counts = selectors.incident_counts(
        station_id=station.pk, points=[r.point for r in report.rows], since=since, until=until
    )
    ranked = selectors.rank_by_incidents(list(report.rows), counts) if counts is not None else []
    coming = selectors.shifts_to_advise(station_id=station.pk, now=timezone.now())
    if request.GET.get("format") == "csv":
        return _coverage_csv(station, form.cleaned_data, report, counts)
    return render(
        request,
        "patrol/coverage.html",
        {
            "station": station,
            "form": form,
            "report": report,
            "ranked": ranked,
            "advice_form": AdviceApplyForm(initial=form.cleaned_data, shifts=coming)
            if ranked and coming.exists()
            else None,
            "csv_query": urlencode(
                {
                    "station": station.pk,
                    "since": form.cleaned_data["since"],
                    "until": form.cleaned_data["until"],
                    "format": "csv",
                }
            ),
            "coverage_config": {
                "center": [station.lat, station.lng],
                "basemap": basemap_config(),
                "points": [
                    {
                        "name": r.point.name,
                        "lat": r.point.lat,
                        "lng": r.point.lng,
                        "radius": r.point.radius_m,
                        "planned": r.planned,
                        "met": r.met,
                        "visits": r.visits,
                    }
                    for r in report.rows
                ],
                "heat": report.heat,
            },
        },
    )


@access.supervisor_required
@require_POST
def coverage_apply(request):
    """Set a coming shift's visit intervals to the advice of the coverage range."""
    station = _station(request)
    form = AdviceApplyForm(
        request.POST,
        shifts=selectors.shifts_to_advise(station_id=station.pk, now=timezone.now()),
    )
    back = (
        reverse("patrol:coverage")
        + "?"
        + urlencode(
            {k: request.POST.get(k, "") for k in ("since", "until")} | {"station": station.pk}
        )
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}: {message}" if label else message)
        page = {"station": station, "form": CoverageForm(request.POST)}
        return render(request, "patrol/coverage.html", page, status=400)
    data = form.cleaned_data
    try:
        shift = services.shift_advice_apply(
            actor=request.user,
            shift_id=data["shift"].pk,
            since=_day_start(data["since"]),
            until=_day_start(data["until"] + timedelta(days=1)),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The advice was applied to shift %(name)s.") % {"name": shift.name}
        )
    return redirect(back)


def _coverage_csv(station, dates, report, counts) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"patrol-coverage-{station.code}-{dates['since']}-{dates['until']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read the Thai names as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Point"),
            _("Short id"),
            _("Kind"),
            _("Planned visits"),
            _("Plan met"),
            _("Missed"),
            _("Check-ins"),
            _("Away from point"),
            _("Alerts sent"),
            _("Incidents nearby"),
        ]
    )
    for row in report.rows:
        writer.writerow(
            [
                row.point.name,
                row.point.short_id,
                row.point.get_kind_display(),
                row.planned,
                row.met,
                row.missed,
                row.visits,
                row.away,
                row.alerted,
                "" if counts is None else counts.get(row.point.pk, 0),
            ]
        )
    return response
