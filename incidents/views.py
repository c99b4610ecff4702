"""Public pages (report form, tracking, the web app's manifest and worker) and officers' pages."""

import csv
import hashlib
import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from incidents import selectors, services
from incidents.forms import (
    MergeForm,
    ReportFilterForm,
    ReportForm,
    TrackForm,
    TransitionForm,
    UpdateForm,
)
from incidents.models import TRANSITIONS, Report, ReportPhoto
from smartzone import access, dates, registry
from smartzone.basemap import basemap_config
from smartzone.clientaddr import client_address
from smartzone.media import private_file_response
from smartzone.models import Landmark, SafetyZone
from smartzone.photos import MAX_PHOTOS

SUBMIT_GROUP = "incidents:submit"
LIST_PAGE = 100
TRACK_GROUP = "incidents:track"


def submit_rate() -> str:
    return getattr(settings, "INCIDENTS_SUBMIT_RATE", "10/10m")


def track_rate() -> str:
    """Wrong tracking codes one client may try in an hour."""
    return getattr(settings, "INCIDENTS_TRACK_RATE", "20/h")


def client_ip(request) -> str | None:
    """The address stored with a non-anonymous report: the one rate limits count too."""
    return client_address(request)


def submit_limited(request) -> bool:
    return is_ratelimited(
        request, group=SUBMIT_GROUP, key="ip", rate=submit_rate(), method="POST", increment=True
    )


def track_limited(request, *, increment: bool) -> bool:
    """Count a wrong code (INCREMENT) or say whether this client used up its wrong guesses."""
    usage = get_usage(
        request, group=TRACK_GROUP, key="ip", rate=track_rate(), method=ALL, increment=increment
    )
    return usage is not None and usage["count"] >= usage["limit"]


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- the public report form -----------------------------------------------------------------


def zones_for_map() -> list[dict]:
    return [
        {"name": z.name, "boundary": z.boundary}
        for z in SafetyZone.objects.order_by("pk").only("name", "boundary")
    ]


def landmarks_for_map() -> list[dict]:
    """Return the names and places of the landmarks in safety zones, to orient a citizen."""
    return [
        {"name": name, "lat": lat, "lng": lng}
        for name, lat, lng in Landmark.objects.filter(zone__isnull=False)
        .order_by("pk")
        .values_list("name", "lat", "lng")
    ]


def form_texts() -> dict:
    return {
        "inside": _("Inside the safety zone: %(zone)s"),
        "outside": _("Outside the safety zones: the nearest station will receive it."),
        "locating": _("Finding your location..."),
        "located": _("Your location is marked. Move the pin if it is not right."),
        "no_location": _("Could not get your location: tap the map where it happened."),
        "pick": _("Tap the map where it happened."),
        "sending": _("Sending..."),
        "sent": _("Sent. Your tracking code is %(code)s."),
        "queued": _(
            "No connection: your report is saved on this phone and will be sent "
            "automatically when the connection returns."
        ),
        "retrying": _("Connection back: sending your saved report..."),
        "failed": _("The report could not be sent: %(reason)s"),
        "too_many_photos": _("Send at most %(n)d photos.") % {"n": MAX_PHOTOS},
        "open_status": _("Open the status page"),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def report_submit(request):
    """The citizen's form. Answers JSON to the page's script, HTML to a plain form post."""
    if request.method == "POST":
        if submit_limited(request):
            message = _("Too many reports from this device. Please wait a few minutes or call 191.")
            if wants_json(request):
                return JsonResponse({"error": message}, status=429)
            return render(request, "incidents/limited.html", {"message": message}, status=429)
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, created = services.report_submit(
                    kind=data["kind"],
                    category=data["category"],
                    description=data["description"],
                    occurred_at=data["occurred_at"],
                    lat=data["lat"],
                    lng=data["lng"],
                    photos=data["photos"],
                    anonymous=data["anonymous"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    ip=None if data["anonymous"] else client_ip(request),
                    idempotency_key=data["idempotency_key"] or None,
                )
            except services.IdempotencyConflict as exc:
                _add_errors(form, exc)
                form.data = form.data.copy()  # a fresh key, so sending again files a report
                form.data["idempotency_key"] = uuid.uuid4().hex
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                status_url = reverse("incidents:status", args=[report.tracking_code])
                sent_url = reverse("incidents:sent", args=[report.tracking_code])
                if wants_json(request):
                    return JsonResponse(
                        {
                            "code": report.display_code,
                            "status_url": status_url,
                            "sent_url": sent_url,
                            "message": _("Sent. Your tracking code is %(code)s.")
                            % {"code": report.display_code},
                        },
                        status=201 if created else 200,
                    )
                # Post/redirect/get: reloading or going back does not post the report again.
                return redirect(sent_url)
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        status = 400
    else:
        form = ReportForm(initial={"idempotency_key": uuid.uuid4().hex})
        status = 200
    return render(
        request,
        "incidents/submit.html",
        {
            "form": form,
            "map_config": {
                "center": list(settings.LEAFLET_CONFIG["DEFAULT_CENTER"]),
                "basemap": basemap_config() | {"landmarks": landmarks_for_map()},
                "zones": zones_for_map(),
                "texts": form_texts(),
                "maxPhotos": MAX_PHOTOS,
                "serviceWorker": reverse("incidents:service-worker"),
            },
        },
        status=status,
    )


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- tracking -------------------------------------------------------------------------------


def _track(request, code: str, template: str = "incidents/status.html"):
    if track_limited(request, increment=False):
        return render(
            request,
            "incidents/track.html",
            {
                "form": TrackForm(),
                "error": _("Too many tries from this device. Please wait an hour and try again."),
            },
            status=429,
        )
    report = selectors.report_by_code(code)
    if report is None:
        track_limited(request, increment=True)
        return render(
            request,
            "incidents/track.html",
            {
                "form": TrackForm(),
                # The same words whatever was typed: nothing tells whether a code exists.
                "error": _("No report has this tracking code. Check the code and try again."),
            },
            status=404,
        )
    return render(
        request,
        template,
        {
            "report": report,
            "updates": selectors.public_updates(report),
            "new": request.GET.get("new") == "1",
            "steps": public_steps(report),
        },
    )


def public_steps(report: Report) -> list[dict]:
    """The workflow as the reporter sees it: which steps are done."""
    order = ["new", "triaged", "dispatched", "on_scene", "resolved"]
    labels = {
        "new": _("Received"),
        "triaged": _("Checked by the station"),
        "dispatched": _("Officers sent"),
        "on_scene": _("Officers on scene"),
        "resolved": _("Resolved"),
    }
    if report.state == Report.State.REJECTED:
        return [{"label": labels["new"], "done": True}, {"label": _("Closed"), "done": True}]
    reached = order.index(report.state)
    return [
        {"label": labels[s], "done": i <= reached, "current": i == reached}
        for i, s in enumerate(order)
    ]


@never_cache
@require_GET
def report_track(request):
    code = request.GET.get("code", "")
    if code:
        return _track(request, code)
    return render(request, "incidents/track.html", {"form": TrackForm()})


@never_cache
@require_GET
def report_status(request, code: str):
    return _track(request, code)


@never_cache
@require_GET
def report_sent(request, code: str):
    """Where a citizen lands once a report is in: its tracking code, to copy and to follow."""
    return _track(request, code, "incidents/sent.html")


# --- the web app: manifest and service worker ---------------------------------------------------


@require_GET
def manifest(request):
    data = {
        "name": _("Smart Safety Zone: report an incident"),
        "short_name": _("Report"),
        "start_url": reverse("incidents:submit"),
        "scope": reverse("incidents:submit"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {
                "src": static(f"incidents/icons/icon-{n}.png"),
                "sizes": f"{n}x{n}",
                "type": "image/png",
            }
            for n in (192, 512)
        ]
        + [
            {
                "src": static("incidents/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def service_worker(request):
    """The worker script, served from /report/ so that its scope is the public report pages."""
    from django.contrib.staticfiles import finders

    path = finders.find("incidents/sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as f:
        body = f.read()
    precache = [
        reverse("incidents:submit"),
        static("incidents/queue.js"),
        static("incidents/report.js"),
        static("incidents/public.css"),
        static("smartzone/base.css"),
        static("leaflet/leaflet.css"),
        static("leaflet/leaflet.js"),
        static("leaflet/leaflet.extras.js"),
        static("vendor/protomaps-leaflet/protomaps-leaflet.js"),
        static("smartzone/basemap.js"),
        static("smartzone/basemap.css"),
    ]
    body = body.replace('"__QUEUE_JS__"', json.dumps(static("incidents/queue.js")))
    body = body.replace("__PRECACHE__", json.dumps(precache))
    # A new cache name whenever a precached file changes, so the worker's activation drops the
    # old copies instead of keeping every version of them.
    version = hashlib.sha256(json.dumps(precache).encode()).hexdigest()[:12]
    body = body.replace("__CACHE__", f"sz-report-{version}")
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = reverse("incidents:submit")
    return response


# --- officers' pages --------------------------------------------------------------------------


def _filtered(request):
    form = ReportFilterForm(request.GET or None)
    rows = selectors.reports_for(request.user)
    if form.is_bound:
        rows = selectors.report_filter(rows, **form.filters()) if form.is_valid() else rows.none()
    return form, rows


@access.officer_required
@require_GET
def report_list(request):
    form, rows = _filtered(request)
    page = Paginator(rows, LIST_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incidents/list.html",
        {
            "form": form,
            "page": page,
            "reports": page.object_list,
            "total": page.paginator.count,
            "query": query.urlencode(),
        },
    )


CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting like a formula would run in a spreadsheet: make it plain text.
    return f"'{text}" if text.startswith(CSV_DANGEROUS) else text


@access.officer_required
@require_GET
def report_export(request):
    form, rows = _filtered(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "\n".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="reports-{stamp}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the Thai text as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("tracking code"),
            _("kind"),
            _("category"),
            _("state"),
            _("received at"),
            _("on scene at"),
            _("resolved at"),
            _("latitude"),
            _("longitude"),
            _("safety zone"),
            _("outside zone"),
            _("what happened"),
        ]
    )
    for r in rows.iterator(chunk_size=1000):
        writer.writerow(
            [
                _csv_cell(value)
                for value in [
                    r.display_code,
                    r.get_kind_display(),
                    r.category.label,
                    r.get_state_display(),
                    dates.format_for_spreadsheet(r.created_at),
                    dates.format_for_spreadsheet(r.on_scene_at),
                    dates.format_for_spreadsheet(r.resolved_at),
                    r.lat,
                    r.lng,
                    r.zone.name if r.zone else "",
                    _("yes") if r.outside_zone else _("no"),
                    r.description,
                ]
            ]
        )
    return response


@access.officer_required
@require_GET
def report_detail(request, pk: int):
    report = selectors.report_detail_for(request.user, pk)
    timeline = sorted(
        [("transition", t.created_at, t) for t in report.transitions.all()]
        + [("update", u.created_at, u) for u in report.updates.all()],
        key=lambda item: item[1],
    )
    return render(
        request,
        "incidents/detail.html",
        {
            "report": report,
            "timeline": timeline,
            "next_states": [
                Report.State(s) for s in Report.State.values if s in TRANSITIONS[report.state]
            ],
            "transition_form": TransitionForm(station=report.station),
            "update_form": UpdateForm(),
            "candidates": selectors.duplicate_candidates(report) if report.is_open else [],
            "nearby": registry.nearby_sections(
                registry.find_nearby(station_id=report.station_id, lat=report.lat, lng=report.lng)
            ),
            "map_config": {
                "lat": report.lat,
                "lng": report.lng,
                "basemap": basemap_config(),
            },
        },
    )


def _messages_from(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@access.officer_required
@require_POST
def report_transition(request, pk: int):
    report = access.get_for_user(Report.objects.select_related("station"), request.user, pk=pk)
    form = TransitionForm(request.POST, station=report.station)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("incidents:detail", pk=pk)
    data = form.cleaned_data
    try:
        services.report_transition(
            actor=request.user,
            report_id=report.pk,
            to_state=data["to_state"],
            note=data["note"],
            officer_id=data["officer"].pk if data["officer"] else None,
            reason=data["reason"],
        )
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        messages.success(
            request,
            _("The report is now “%(state)s”.") % {"state": Report.State(data["to_state"]).label},
        )
    return redirect("incidents:detail", pk=pk)


@access.officer_required
@require_POST
def report_update(request, pk: int):
    report = access.get_for_user(Report.objects, request.user, pk=pk)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.report_update_add(
                actor=request.user,
                report_id=report.pk,
                text=form.cleaned_data["text"],
                public=form.cleaned_data["public"],
            )
        except ValidationError as exc:
            _messages_from(request, exc)
    else:
        messages.error(request, _("Write the text of the update."))
    return redirect("incidents:detail", pk=pk)


@access.officer_required
@require_POST
def report_merge(request, pk: int):
    report = access.get_for_user(Report.objects, request.user, pk=pk)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the report to merge into."))
        return redirect("incidents:detail", pk=pk)
    try:
        services.report_merge(
            actor=request.user,
            duplicate_id=report.pk,
            into_id=form.cleaned_data["into"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _messages_from(request, exc)
        return redirect("incidents:detail", pk=pk)
    messages.success(request, _("Merged."))
    return redirect("incidents:detail", pk=form.cleaned_data["into"])


@access.officer_required
@require_POST
def report_cameras(request, pk: int):
    """Ask for video analysis of the cameras around the report ("look at cameras")."""
    report = access.get_for_user(Report.objects, request.user, pk=pk)
    try:
        jobs = services.report_cameras_look(actor=request.user, report_id=report.pk)
    except ValidationError as exc:
        _messages_from(request, exc)
    else:
        if jobs:
            messages.success(
                request,
                _("Video analysis asked for %(count)d cameras within 200 m.")
                % {"count": len(jobs)},
            )
        else:
            messages.info(
                request, _("No camera within 200 m is left to analyse (asked for already?).")
            )
    return redirect("incidents:detail", pk=pk)


@access.officer_required
@require_GET
def report_photo(request, pk: int, photo_pk: int):
    """One photo of a report the officer may see; never from a public URL."""
    report = access.get_for_user(Report.objects, request.user, pk=pk)
    photo = get_object_or_404(ReportPhoto, report=report, pk=photo_pk)
    extension = photo.file.name.rsplit(".", 1)[-1]
    return private_file_response(
        photo.file,
        filename=f"report-{report.tracking_code}-{photo.pk}.{extension}",
        content_type=photo.content_type,
        no_store=True,
    )
