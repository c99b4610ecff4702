"""Officer pages for SOS events and kiosks, and the public phone SOS page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from smartzone import access, registry
from smartzone.media import private_file_response
from smartzone.models import OfficerProfile
from smartzone.photos import content_type_for
from smartzone.selectors import station_for_point
from sos import selectors, services
from sos.forms import KioskEditForm, KioskForm, PublicSosForm
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
        "nearby": registry.nearby_sections(
            registry.find_nearby(station_id=sos.station_id, lat=sos.lat, lng=sos.lng)
        ),
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


@ratelimit(key="ip", rate="5/m", method="POST", block=False)
@require_http_methods(["GET", "POST"])
def public_sos(request):
    if request.method == "GET":
        texts = {
            "sending": _("Sending your location..."),
            "sent": _("Help is on the way. Stay where you are."),
            "failed": _("Could not send. Please call 191."),
            "no_location": _("Allow location access so the police can find you."),
        }
        return render(request, "sos/public.html", {"form": PublicSosForm(), "texts": texts})
    if getattr(request, "limited", False):
        return JsonResponse(
            {"error": _("Too many SOS from this device; please call 191.")}, status=429
        )
    form = PublicSosForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    station, _zone = station_for_point(lat=form.cleaned_data["lat"], lng=form.cleaned_data["lng"])
    if station is None:
        return JsonResponse({"error": _("No station is set up.")}, status=503)
    sos = services.sos_public_raise(station=station, **form.cleaned_data)
    return JsonResponse(
        {"id": sos.pk, "message": _("Help is on the way. Stay where you are.")}, status=201
    )
