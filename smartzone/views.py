"""Pages of the core app: the public home, the duty desk dashboard, zone pages."""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.http import require_GET, require_http_methods

from smartzone import access, privacy, registry, selectors
from smartzone.basemap import basemap_config
from smartzone.forms import DataSubjectForm, TimelineFilterForm
from smartzone.models import SafetyZone


def nav_context(request) -> dict:
    """Template context: the links apps add to the officers' top bar."""
    return {"dashboard_nav": registry.DASHBOARD_NAV}


@require_GET
def home(request):
    return render(request, "smartzone/home.html", {"public_links": registry.PUBLIC_LINKS})


# The dashboard scripts' own words: layer names, the queue card, sound, elapsed time.
DASHBOARD_UI = {
    "layers": _("Map layers"),
    "layer.zones": _("Safety zones"),
    "layer.landmarks": _("Landmarks"),
    "layer.reports": _("Reports"),
    "layer.sos": _("SOS"),
    "layer.cameras": _("Cameras"),
    "layer.kiosks": _("SOS kiosks"),
    "layer.patrolPoints": _("Patrol points"),
    "layer.patrolCheckins": _("Patrol check-ins"),
    "layer.patrolOfficers": _("Officers on shift"),
    "layer.partners": _("Partners"),
    "state.new": _("new"),
    "state.triaged": _("triaged"),
    "state.dispatched": _("officer dispatched"),
    "state.on_scene": _("officer on scene"),
    "camera.online": _("online"),
    "camera.offline": _("offline"),
    "camera.noPicture": _("The camera sent no picture."),
    "camera.live": _("Watch live"),
    "open": _("Open"),
    "callBack": _("Call back %(phone)s"),
    "nearby": _("Nearest help"),
    "working": _("Working…"),
    "failed": _("Could not do it: %(reason)s"),
    "escalated": _("escalated"),
    "soundOn": _("Sound on"),
    "soundOff": _("Turn on sound"),
    "seconds": _("%(n)s s"),
    "minutes": _("%(n)s min"),
    "hours": _("%(h)s h %(m)s min"),
    "metres": _("%(n)s m"),
}


@access.officer_required
def dashboard(request):
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404(_("Not found."))
    events = selectors.latest_events(station_id=station.pk)
    return render(
        request,
        "smartzone/dashboard.html",
        {
            "station": station,
            "stations": access.stations_for(request.user),
            "zones": station.zones.all(),
            "events": events,
            "dashboard_scripts": registry.DASHBOARD_SCRIPTS,
            "dashboard_config": {
                "station": station.pk,
                # Who is looking: scripts alert loudly only for events meant for this role.
                "role": access.role_of(request.user),
                "lastEventId": events[-1].pk
                if events
                else selectors.last_event_id(station_id=station.pk),
                "center": [station.lat, station.lng],
                "basemap": basemap_config(),
                "labels": registry.event_labels()
                | {"_live": str(_("live")), "_offline": str(_("reconnecting"))},
                "initialEvents": [e.as_message() for e in events],
                "ui": {key: str(text) for key, text in DASHBOARD_UI.items()},
            },
        },
    )


@access.officer_required
def zone_detail(request, pk: int):
    zone = access.get_for_user(SafetyZone.objects.select_related("station"), request.user, pk=pk)
    return render(
        request,
        "smartzone/zone_detail.html",
        {"zone": zone, "landmarks": zone.landmarks.all()},
    )


TIMELINE_PAGE = 50


@access.officer_required
def timeline(request):
    """The station's events newest first, filtered, a page at a time, with new ones live."""
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404(_("Not found."))
    form = TimelineFilterForm(request.GET or None, zones=station.zones.all())
    valid = not form.is_bound or form.is_valid()
    filters = form.cleaned_data if form.is_bound and valid else {}
    events = []
    if valid:
        events = selectors.timeline_page(
            station_id=station.pk,
            kinds=filters.get("kind"),
            zone_id=filters.get("zone"),
            since=filters.get("since"),
            until=filters.get("until"),
            text=filters.get("q", ""),
            before_id=filters.get("before"),
            limit=TIMELINE_PAGE + 1,
        )
    older = None
    if len(events) > TIMELINE_PAGE:
        events = events[:TIMELINE_PAGE]
        older = request.GET.copy()
        older["before"] = events[-1].pk
    return render(
        request,
        "smartzone/timeline.html",
        {
            "station": station,
            "form": form,
            "events": events,
            "older_query": older.urlencode() if older else "",
            "timeline_config": {
                "station": station.pk,
                "live": valid and not filters.get("before") and not filters.get("until"),
                "lastEventId": selectors.last_event_id(station_id=station.pk),
                "labels": registry.event_labels(),
                "kinds": filters.get("kind") or [],
                "hidden": list(selectors.TIMELINE_HIDDEN_KINDS),
                "zone": filters.get("zone"),
                "q": filters.get("q", ""),
            },
        },
    )


def not_found(request, exception):
    """Answer a 404 under /api/ in JSON, as the API's own 404s are; elsewhere templates/404.html."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(_("Not found."))}, status=404)
    return defaults.page_not_found(request, exception)


@access.admin_required
@require_http_methods(["GET", "POST"])
def data_subject(request):
    """Data-subject requests (PDPA): find what is held about a phone or LINE id, export, erase.

    Everything is POSTed, so no phone number or LINE id ends up in a URL or an access log.
    """
    form = DataSubjectForm(request.POST if request.method == "POST" else None)
    found, subject = None, None
    if form.is_bound and form.is_valid():
        subject = form.subject()
        action = request.POST.get("action", "search")
        if action == "export":
            data = privacy.subject_export(actor=request.user, subject=subject)
            response = HttpResponse(
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                content_type="application/json; charset=utf-8",
            )
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            response["Content-Disposition"] = f'attachment; filename="data-subject-{stamp}.json"'
            return response
        if action == "erase":
            if form.cleaned_data["confirm"]:
                erased = privacy.subject_erase(actor=request.user, subject=subject)
                messages.success(
                    request,
                    _("Erased: %(count)d records.") % {"count": sum(map(len, erased.values()))},
                )
            else:
                form.add_error("confirm", _("Tick the box to confirm the erasure."))
        found = [
            (
                registry.PERSONAL_DATA_SOURCES[name].label,
                [(record, privacy.record_fields(record)) for record in records],
            )
            for name, records in privacy.subject_find(subject).items()
        ]
    return render(
        request,
        "smartzone/data_subject.html",
        {
            "form": form,
            "found": found,
            "total": sum(len(records) for _label, records in found or []),
        },
    )
