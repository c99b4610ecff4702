"""Supervisors' pages of the partner network: which followers are partners' contacts, the
partners themselves and the network meetings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community import network_services, selectors, services
from community.forms import FollowerPartnerForm, MeetingForm, PartnerForm
from community.models import Meeting, Partner
from smartzone import access
from smartzone.basemap import basemap_config

FOLLOWERS_PAGE = 100


def _station(request):
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404(_("Not found."))
    return station


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def follower_list(request):
    """The station's LINE followers; a supervisor marks which are a partner's contact."""
    station = _station(request)
    status = 200
    if request.method == "POST":
        form = FollowerPartnerForm(request.POST, station=station)
        if form.is_valid():
            partner = form.cleaned_data["partner"]
            try:
                services.follower_partner_set(
                    actor=request.user,
                    follower_id=form.cleaned_data["follower"].pk,
                    partner_id=partner.pk if partner else None,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.get_full_path())
        else:
            status = 400
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else field
                for error in errors:
                    messages.error(request, f"{label}: {error}")
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.followers_of(station.pk, search=search), FOLLOWERS_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "community/follower_list.html",
        {
            "page": page,
            "search": search,
            "station": station,
            "partners": Partner.objects.filter(station=station),
        },
        status=status,
    )


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def partner_edit(request, pk: int | None = None):
    """Add a partner to the station's network, or change one (PK)."""
    if pk is None:
        partner = Partner(station=_station(request))
    else:
        partner = access.get_for_user(
            Partner.objects.select_related("station"), request.user, pk=pk
        )
    station = partner.station
    data = request.POST if request.method == "POST" else None
    form = PartnerForm(data, instance=partner, station=station)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                network_services.partner_save(actor=request.user, partner=form.save(commit=False))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("community:partner-list")
        status = 400
    center = [partner.lat, partner.lng] if partner.lat is not None else [station.lat, station.lng]
    return render(
        request,
        "community/partner_form.html",
        {
            "form": form,
            "partner": partner if pk else None,
            "station": station,
            "map_data": {"center": center, "basemap": basemap_config()},
        },
        status=status,
    )


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk: int | None = None):
    """Record a network meeting, or change one (PK): attendees and minutes."""
    if pk is None:
        meeting = Meeting(station=_station(request))
    else:
        meeting = access.get_for_user(
            Meeting.objects.select_related("station"), request.user, pk=pk
        )
    data = request.POST if request.method == "POST" else None
    form = MeetingForm(data, instance=meeting, station=meeting.station)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = network_services.meeting_save(
                    actor=request.user,
                    meeting=form.save(commit=False),
                    partners=form.cleaned_data["partners"],
                    officers=form.cleaned_data["officers"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("community:meeting-detail", pk=saved.pk)
        status = 400
    return render(
        request,
        "community/meeting_form.html",
        {"form": form, "meeting": meeting if pk else None, "station": meeting.station},
        status=status,
    )
