"""Officer pages for SOS events and kiosks, and the public phone SOS page."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from smartzone import access, registry
from smartzone.media import private_file_response
from smartzone.models import OfficerProfile, Station
from smartzone.photos import content_type_for
from smartzone.selectors import station_for_point
from sos import selectors, services
from sos.forms import KioskEditForm, KioskForm, PublicLocationForm, PublicSosForm
from sos.models import Kiosk, SosEvent


@access.officer_required
def sos_list(request):
    return render(request, "sos/list.html", {"events": selectors.sos_list_for(request.user)[:200]})


@access.officer_required
@require_GET
def sos_snapshot(request, name: str):
    """A kiosk's snapshot, for the officers of the kiosk's station only."""
    sos = access.get_for_user(SosEvent.objects.exclude(snapshot=""), request.user, snapshot=name)
    extension = sos.snapshot.name.rsplit(".", 1)[-1]
    return private_file_response(
        sos.snapshot,
        filename=f"sos-{sos.pk}.{extension}",
        content_type=content_type_for(sos.snapshot.name),
        no_store=True,
    )


@access.officer_required
@require_http_methods(["GET", "POST"])
def sos_detail(request, pk: int):
    sos = access.get_for_user(SosEvent.objects.select_related("kiosk"), request.user, pk=pk)
    if request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "acknowledge":
                services.sos_acknowledge(actor=request.user, sos_id=sos.pk)
            elif step == "dispatch":
                ids = [access.parse_id(i) for i in request.POST.getlist("officers")]
                ids = [i for i in ids if i]
                services.sos_dispatch(actor=request.user, sos_id=sos.pk, officer_ids=ids)
            elif step == "on_scene":
                services.sos_on_scene(actor=request.user, sos_id=sos.pk)
            elif step == "cameras":
                jobs = services.sos_cameras_look(actor=request.user, sos_id=sos.pk)
                _say_jobs(request, jobs)
            elif step == "close":
                services.sos_close(
                    actor=request.user,
                    sos_id=sos.pk,
                    outcome=request.POST.get("outcome", ""),
                    note=request.POST.get("note", ""),
                )
            else:
                raise ValidationError(_("Unknown step."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("sos:detail", pk=sos.pk)
    context = {
        "sos": sos,
        "officers": OfficerProfile.objects.filter(station_id=sos.station_id).select_related("user"),
        "outcomes": SosEvent.Outcome.choices,
        "nearby": registry.nearby_sections(services.nearby_of(sos)),
    }
    return render(request, "sos/detail.html", context)


def _say_jobs(request, jobs) -> None:
    if jobs:
        messages.success(
            request,
            _("Video analysis asked for %(count)d cameras within 200 m.") % {"count": len(jobs)},
        )
    else:
        messages.info(request, _("No camera within 200 m is left to analyse (asked for already?)."))


def _posted_kiosk_id(request, name: str) -> int | None:
    return access.parse_id(request.POST[name]) if name in request.POST else None


@access.officer_required
@require_http_methods(["GET", "POST"])
def kiosk_list(request):
    """The station's kiosks and their state, for its officers (the timeline and the dashboard
    link kiosk events here); supervisors also add kiosks, rotate secrets and retire them."""
    if not access.is_supervisor(request.user):
        if request.method == "POST":
            raise PermissionDenied(_("Only a supervisor may do this."))
        return render(request, "sos/kiosks.html", {"kiosks": selectors.kiosks_for(request.user)})
    form = KioskForm(request.POST or None, user=request.user)
    shown_secret = None
    for action in ("rotate", "retire"):
        if request.method == "POST" and action in request.POST:
            kiosk_id = _posted_kiosk_id(request, action)
            if kiosk_id is None:
                return HttpResponseBadRequest(_("The kiosk is not given by its id."))
            try:
                if action == "rotate":
                    kiosk, shown_secret = services.kiosk_rotate_secret(
                        actor=request.user, kiosk_id=kiosk_id
                    )
                    messages.success(request, _("New secret for %(name)s.") % {"name": kiosk.name})
                else:
                    kiosk = services.kiosk_retire(actor=request.user, kiosk_id=kiosk_id)
                    messages.success(request, _("%(name)s is retired.") % {"name": kiosk.name})
                    return redirect("sos:kiosks")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("sos:kiosks")
            form = KioskForm(user=request.user)
            break
    else:
        if request.method == "POST" and form.is_valid():
            try:
                kiosk, shown_secret = services.kiosk_create(actor=request.user, **form.cleaned_data)
                form = KioskForm(user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
    return render(
        request,
        "sos/kiosks.html",
        {
            "form": form,
            "kiosks": selectors.kiosks_for(request.user),
            "secret": shown_secret,
            "may_manage": True,
        },
    )


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def kiosk_edit(request, pk: int):
    kiosk = access.get_for_user(Kiosk.objects, request.user, pk=pk)
    initial = {field: getattr(kiosk, field) for field in services.KIOSK_EDITABLE}
    form = KioskEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.kiosk_update(actor=request.user, kiosk_id=kiosk.pk, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": form.cleaned_data["name"]})
            return redirect("sos:kiosks")
    status = 400 if request.method == "POST" else 200
    return render(request, "sos/kiosk_edit.html", {"form": form, "kiosk": kiosk}, status=status)


def public_texts() -> dict:
    """What the public SOS page's script says, in the page's language."""
    return {
        "sending": _("Sending your SOS..."),
        "locating": _("Finding your location..."),
        "received": _("Your SOS was received. Waiting for an officer to take it..."),
        "acknowledged": _("An officer has taken your SOS. Stay where you are if it is safe."),
        "dispatched": _("Officers are on their way to you."),
        "on_scene": _("Officers have arrived."),
        "closed": _("This SOS is closed. If you still need help, call 191."),
        "located": _("Your location was sent."),
        "located_later": _("Your location will be sent as soon as your phone gives it."),
        "no_location_sent": _(
            "Your phone did not give a location: the police will call you back on your number."
        ),
        "failed": _("Could not send. Please call 191."),
        "offline": _("No connection: we keep trying. Call 191 now."),
        "no_location": _(
            "Your phone did not give a location. Type a number the police can call you back on "
            "and press SOS again, or call 191."
        ),
        "waiting": _("Checking for an answer..."),
    }


@ratelimit(key="ip", rate="5/m", method="POST", block=False)
@require_http_methods(["GET", "POST"])
def public_sos(request):
    """The phone SOS page. A POST stores the SOS at once, with a position or only a callback
    number, and answers the token its phone uses to add the position and follow the state."""
    stations = list(Station.objects.order_by("pk").only("pk", "code", "name"))
    if request.method == "GET":
        return render(
            request,
            "sos/public.html",
            {
                "form": PublicSosForm(initial={"station": request.GET.get("station", "")[:40]}),
                "texts": public_texts(),
                "stations": stations if len(stations) > 1 else [],
                "chosen_station": request.GET.get("station", ""),
            },
        )
    if getattr(request, "limited", False):
        return JsonResponse(
            {"error": _("Too many SOS from this device; please call 191.")}, status=429
        )
    form = PublicSosForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = form.cleaned_data
    station = _public_station(data, stations)
    if station is None:
        return JsonResponse({"error": _("No station is set up.")}, status=503)
    token = secrets.token_urlsafe(24)
    sos = services.sos_public_raise(
        station=station,
        lat=data["lat"],
        lng=data["lng"],
        callback_phone=data["callback_phone"],
        message=data["message"],
        token=token,
    )
    return JsonResponse(
        {
            "id": sos.pk,
            "token": token,
            "status_url": reverse("sos:public-status", args=[token]),
            "locate_url": reverse("sos:public-locate", args=[token]),
            "status": services.public_status(sos),
            "message": public_texts()["received"],
        },
        status=201,
    )


def _public_station(data: dict, stations: list[Station]) -> Station | None:
    """The station a phone SOS goes to: the one of its position, else the one the page was
    opened for (?station=), else the first station."""
    if data["lat"] is not None:
        return station_for_point(lat=data["lat"], lng=data["lng"])[0]
    chosen = [s for s in stations if s.code == data.get("station")]
    return (chosen or stations or [None])[0]


def _public_sos_or_404(token: str) -> SosEvent:
    sos = services.sos_by_public_token(token)
    if sos is None:
        raise Http404(_("No SOS has this link."))
    return sos


@never_cache
@ratelimit(key="ip", rate="120/m", method="GET", block=False)
@require_GET
def public_sos_status(request, token: str):
    """The state and times of the phone SOS whose token is TOKEN, for the page that raised it."""
    if getattr(request, "limited", False):
        return JsonResponse({"error": _("Too many requests; please call 191.")}, status=429)
    try:
        sos = _public_sos_or_404(token)
    except Http404 as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    return JsonResponse(services.public_status(sos))


@ratelimit(key="ip", rate="30/m", method="POST", block=False)
@require_POST
def public_sos_locate(request, token: str):
    """Add the position the phone gave after its SOS went out."""
    if getattr(request, "limited", False):
        return JsonResponse({"error": _("Too many requests; please call 191.")}, status=429)
    form = PublicLocationForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    try:
        sos = services.sos_public_locate(token=token, **form.cleaned_data)
    except SosEvent.DoesNotExist:
        return JsonResponse({"error": _("No SOS has this link.")}, status=404)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    return JsonResponse(services.public_status(sos))
