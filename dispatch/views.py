"""The officer's phone page and the dispatch routes (thin: parse, call a service, answer)."""

import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dispatch import presence, selectors, services
from dispatch.models import Assignment, AssignmentPhoto
from patrol import selectors as patrol_selectors
from patrol.views import _share_context
from smartzone import access
from smartzone.basemap import basemap_config
from smartzone.media import private_file_response

STATUS_LABELS = {
    selectors.Status.AVAILABLE: gettext_lazy("available"),
    selectors.Status.ASSIGNED: gettext_lazy("assigned"),
    selectors.Status.ON_THE_WAY: gettext_lazy("on the way"),
    selectors.Status.ON_SCENE: gettext_lazy("on scene"),
    selectors.Status.OFF_DUTY: gettext_lazy("off duty"),
}


# The desk's words for the dispatch script (dispatch/dashboard.js reads them from units()).
DESK_UI = {
    "send": gettext_lazy("Send"),
    "auto": gettext_lazy("Offer to the nearest free officer automatically"),
    "free": gettext_lazy("Free officers, nearest first"),
    "noneFree": gettext_lazy("No officer on shift is free now."),
    "metres": gettext_lazy("%(n)s m"),
    "age": gettext_lazy("position %(n)s s old"),
    "noPosition": gettext_lazy("no position yet"),
    "step.offered": gettext_lazy("Offered to %(name)s"),
    "step.expired": gettext_lazy("%(name)s did not accept in time"),
    "step.declined": gettext_lazy("%(name)s declined"),
    "step.accepted": gettext_lazy("%(name)s accepted"),
    "step.on_the_way": gettext_lazy("%(name)s is on the way"),
    "step.on_scene": gettext_lazy("%(name)s is on scene"),
    "step.done": gettext_lazy("%(name)s finished"),
    "step.no_officer": gettext_lazy("No free officer left to offer it to"),
}


def _mine_payload(user) -> dict:
    now = timezone.now()
    shift = patrol_selectors.active_shift_of(officer=user, at=now)
    rows = []
    if shift is not None:
        active = selectors.assignments_of(officer=user).filter(
            state__in=Assignment.ACTIVE, shift__ends_at__gt=now
        )
        for a in active.order_by("offered_at"):
            row = services.assignment_payload(a) | services.item_summary(a)
            row["photos"] = row["photos"][:5]
            row["step_url"] = reverse("dispatch:step", args=[a.pk])
            rows.append(row)
    status = selectors.officer_status(officer=user, now=now)
    return {
        "status": status,
        "status_label": str(STATUS_LABELS[status]),
        "shift_ends_at": shift.ends_at.isoformat() if shift else None,
        "assignments": rows,
    }


@access.officer_required
@require_GET
def phone(request, pk: int | None = None):
    """The officer's page: status, position sharing, live assignments with one-tap steps."""
    if pk is not None:
        services.assignment_get_for_officer(actor=request.user, assignment_id=pk)
    station = access.profile_of(request.user)
    context = {
        "focus": pk,
        "mine": _mine_payload(request.user),
        "basemap_config": basemap_config(),
        "phone_config": {
            "officer": request.user.pk,
            "station": station.station_id if station else None,
            "mineUrl": reverse("dispatch:mine"),
            "socketPath": "/ws/officer/",
            "pingMs": presence.PING_S * 1000,
            "focus": pk,
            "sw": reverse("dispatch:sw"),
            "ui": {
                "soundOn": _("Sound on"),
                "soundOff": _("Turn on sound"),
                "accept": _("Accept"),
                "on_the_way": _("On the way"),
                "on_scene": _("On scene"),
                "done": _("Done"),
                "decline": _("Decline"),
                "call": _("Call %(phone)s"),
                "route": _("Route in my map app"),
                "note": _("Note"),
                "photos": _("Photos"),
                "metres": _("%(n)s m away"),
                "none": _("No assignment now. Keep this page open: new ones ring."),
                "offered": _("New assignment! Accept within %(n)s s"),
                "failed": _("Not saved: %(reason)s"),
                "offline": _("Connection lost; reconnecting…"),
                "live": _("Online"),
            },
        },
        **_share_context(request),
    }
    return render(request, "dispatch/phone.html", context)


@access.officer_required
@require_GET
def mine(request):
    """The signed-in officer's own active assignments and status (JSON)."""
    return JsonResponse(_mine_payload(request.user))


def _error(exc: ValidationError, status: int = 400) -> JsonResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return JsonResponse(detail | {"detail": " ".join(exc.messages)}, status=status)


@access.officer_required
@require_POST
def step(request, pk: int):
    """One tap of the assigned officer: accept, on_the_way, on_scene, done (note, photos)."""
    try:
        row = services.assignment_step(
            actor=request.user,
            assignment_id=pk,
            step=request.POST.get("step", ""),
            note=request.POST.get("note", "")[:2000],
            photos=request.FILES.getlist("photos"),
        )
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    except services.TransitionError as exc:
        return _error(exc, 409)
    except ValidationError as exc:
        return _error(exc)
    return JsonResponse(services.assignment_payload(row))


@access.officer_required
@require_GET
def photo(request, pk: int, photo_pk: int):
    """A photo of an assignment, for the officers of its station."""
    row = access.get_for_user(
        AssignmentPhoto.objects.all(),
        request.user,
        station_field="assignment__station",
        pk=photo_pk,
        assignment_id=pk,
    )
    return private_file_response(
        row.photo,
        filename=f"assignment-{pk}-{row.pk}.jpg",
        content_type="image/jpeg",
        no_store=True,
    )


def _json_body(request) -> dict:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
    return request.POST.dict()


@access.officer_required
@require_GET
def units(request):
    """The officers on shift with status and last position; with kind= and id= of an SOS or
    report, the free ones ranked by distance from it."""
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404
    kind, item_id = request.GET.get("kind"), access.parse_id(request.GET.get("id"))
    if kind in Assignment.Kind.values and item_id:
        model = services.SosEvent if kind == "sos" else services.Report
        item = access.get_for_user(model.objects.all(), request.user, pk=item_id)
        found = selectors.free_units_near(station_id=item.station_id, lat=item.lat, lng=item.lng)
    else:
        found = selectors.units(station_id=station.pk)
    labels = {k: str(v) for k, v in STATUS_LABELS.items()}
    return JsonResponse(
        {
            "units": [u.as_payload() | {"status_label": labels[u.status]} for u in found],
            "labels": labels | {key: str(text) for key, text in DESK_UI.items()},
        }
    )


def _item_args(body) -> tuple[str, int | None]:
    return str(body.get("kind", "")), access.parse_id(body.get("item"))


@access.officer_required
@require_POST
def offer(request):
    """The desk sends an SOS or report to one officer: {kind, item, officer}."""
    body = _json_body(request)
    kind, item_id = _item_args(body)
    officer_id = access.parse_id(body.get("officer"))
    if kind not in Assignment.Kind.values or not item_id or not officer_id:
        return JsonResponse({"detail": _("Say what to send and to whom.")}, status=400)
    try:
        row = services.assignment_offer(
            actor=request.user, kind=kind, item_id=item_id, officer_id=officer_id
        )
    except services.TransitionError as exc:
        return _error(exc, 409)
    except ValidationError as exc:
        return _error(exc)
    except (services.SosEvent.DoesNotExist, services.Report.DoesNotExist):
        raise Http404 from None
    return JsonResponse(services.assignment_payload(row), status=201)


@access.officer_required
@require_POST
def offer_nearest(request):
    """The platform offers it: the nearest free officer, then the next if not accepted."""
    body = _json_body(request)
    kind, item_id = _item_args(body)
    if kind not in Assignment.Kind.values or not item_id:
        return JsonResponse({"detail": _("Say what to send.")}, status=400)
    try:
        row = services.assignment_offer_nearest(actor=request.user, kind=kind, item_id=item_id)
    except services.TransitionError as exc:
        return _error(exc, 409)
    except ValidationError as exc:
        return _error(exc)
    except (services.SosEvent.DoesNotExist, services.Report.DoesNotExist):
        raise Http404 from None
    if row is None:
        return JsonResponse({"detail": _("No officer on shift is free now.")}, status=409)
    return JsonResponse(services.assignment_payload(row), status=201)


@require_GET
def manifest(request):
    """The phone page's web app manifest: installable on the home screen."""
    data = {
        "name": _("Smart Safety Zone officer"),
        "short_name": _("Officer"),
        "start_url": reverse("dispatch:phone"),
        "scope": "/officer/",
        "display": "standalone",
        "background_color": "#0d2a4d",
        "theme_color": "#0d2a4d",
        "lang": request.LANGUAGE_CODE,
        "icons": [
            {"src": static("smartzone/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}
        ],
    }
    return HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/manifest+json"
    )


# Makes the page installable; it keeps nothing offline (assignments must be live) and lets
# every request through to the network.
SERVICE_WORKER = """// The officer page's service worker.
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function () {});
"""


@require_GET
def service_worker(request):
    response = HttpResponse(SERVICE_WORKER, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/officer/"
    response["Cache-Control"] = "no-cache"
    return response
