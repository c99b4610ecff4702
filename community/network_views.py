"""Supervisors' pages of the partner network: which followers are partners' contacts, the
partners themselves and the network meetings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community import selectors, services
from community.forms import FollowerPartnerForm
from community.models import Partner
from smartzone import access

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
