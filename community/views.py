"""Pages of the community app: broadcasts, the partner network, meetings, public notices."""

import mimetypes

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import network_services, selectors, services
from community.forms import AttachmentForm, BroadcastForm, DecisionForm, DutyForm, ScheduleForm
from community.models import Broadcast, Meeting, MeetingAttachment, Partner, SupervisorLineLink
from smartzone import access, params
from smartzone.basemap import basemap_config
from smartzone.media import private_file_response


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _station(request):
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404(_("Not found."))
    return station


# --- broadcasts ------------------------------------------------------------------------------


@access.officer_required
@require_GET
def broadcast_list(request):
    rows = selectors.broadcasts_for(request.user)[:200]
    return render(request, "community/broadcast_list.html", {"broadcasts": rows})


def _broadcast_fields(form) -> dict:
    data = form.cleaned_data
    return {
        "text": data["text"],
        "image_url": data["image_url"],
        "link_url": data["link_url"],
        "audience": data["audience"],
        "zone": data["zone"] if data["audience"] == Broadcast.Audience.ZONE else None,
        "public": data["public"],
    }


@access.supervisor_required
@require_http_methods(["GET", "POST"])
def broadcast_compose(request, pk: int | None = None):
    """Write a new draft, or change one (PK); then go to its preview."""
    station = _station(request)
    draft = None
    if pk is not None:
        draft = access.get_for_user(Broadcast.objects.all(), request.user, pk=pk)
        station = draft.station
    if request.method == "POST":
        form = BroadcastForm(request.POST, station=station)
        if form.is_valid():
            try:
                if draft is None:
                    draft = services.broadcast_create(
                        actor=request.user, station=station, **_broadcast_fields(form)
                    )
                else:
                    services.broadcast_update(
                        actor=request.user, broadcast_id=draft.pk, **_broadcast_fields(form)
                    )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                return redirect("community:broadcast-detail", pk=draft.pk)
    elif draft is not None:
        form = BroadcastForm(
            initial={f: getattr(draft, f) for f in services.BROADCAST_FIELDS}, station=station
        )
    else:
        form = BroadcastForm(initial=_prefill(request), station=station)
    return render(
        request,
        "community/broadcast_compose.html",
        {"form": form, "draft": draft, "station": station},
    )


def _prefill(request) -> dict:
    initial = {"audience": Broadcast.Audience.EVERYONE}
    incident_id = request.GET.get("incident", "")
    if incident_id:
        report_id = access.parse_id(incident_id)
        text = selectors.incident_notice_text(report_id, request.user) if report_id else None
        if text is None:
            raise Http404(_("Not found."))
        initial |= {"text": text, "public": True}
    return initial


@access.supervisor_required
@require_GET
def notice_from_incident(request, incident_id: int):
    """Open the compose page with a resolved incident's text, personal data removed: nothing is
    written until the supervisor saves the draft, and nothing sent until they send it from its
    preview."""
    if params.parse_id(incident_id) is None:
        raise Http404
    return redirect(f"{reverse('community:broadcast-new')}?incident={incident_id}")


@access.officer_required
@require_GET
def broadcast_detail(request, pk: int):
    broadcast = access.get_for_user(
        Broadcast.objects.select_related("zone", "created_by", "station"), request.user, pk=pk
    )
    return render(
        request,
        "community/broadcast_detail.html",
        {
            "broadcast": broadcast,
            "batches": broadcast.batches.all(),
            "audience_size": selectors.audience_size(broadcast),
            "schedule_form": ScheduleForm(),
            "editable": broadcast.state in {Broadcast.State.DRAFT, Broadcast.State.SCHEDULED},
        },
    )


@access.supervisor_required
@require_POST
def broadcast_action(request, pk: int, step: str):
    """Send now, schedule, cancel, or send the failed batches again."""
    try:
        if step == "send":
            services.broadcast_send_now(actor=request.user, broadcast_id=pk)
            messages.success(request, _("Sending: the delivery log below fills in."))
        elif step == "schedule":
            form = ScheduleForm(request.POST)
            if not form.is_valid():
                raise ValidationError(
                    [f"{_('send at')}: {e}" for e in form.errors.get("send_at", [])]
                )
            services.broadcast_schedule(
                actor=request.user, broadcast_id=pk, send_at=form.cleaned_data["send_at"]
            )
            messages.success(request, _("Scheduled."))
        elif step == "cancel":
            services.broadcast_cancel(actor=request.user, broadcast_id=pk)
        elif step == "retry":
            services.broadcast_retry_failed(actor=request.user, broadcast_id=pk)
            messages.success(request, _("Sending the failed batches again."))
        else:
            raise Http404(_("Not found."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("community:broadcast-detail", pk=pk)


# --- supervisors' LINE link ------------------------------------------------------------------


@access.officer_required
@require_http_methods(["GET", "POST"])
def line_link(request):
    """Get a one-time code to link one's LINE account; say whether one is on duty."""
    code, status = None, 200
    duty_form = DutyForm()
    if request.method == "POST" and "hours" in request.POST:
        duty_form = DutyForm(request.POST)
        if duty_form.is_valid():
            try:
                services.supervisor_duty_set(
                    actor=request.user, hours=duty_form.cleaned_data["hours"]
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                return redirect("community:line-link")
        status = 400
    elif request.method == "POST":
        code = services.supervisor_link_start(actor=request.user)
    link = SupervisorLineLink.objects.filter(officer=request.user).first()
    return render(
        request,
        "community/line_link.html",
        {"code": code, "link": link, "duty_form": duty_form},
        status=status,
    )


# --- partners and meetings -------------------------------------------------------------------


@access.officer_required
@require_GET
def partner_list(request):
    partners = access.scope(Partner.objects.select_related("landmark"), request.user)
    station = _station(request)
    points = [
        {"id": p.pk, "name": p.name, "kind": p.get_kind_display(), "lat": p.lat, "lng": p.lng}
        for p in partners
        if p.lat is not None
    ]
    return render(
        request,
        "community/partner_list.html",
        {
            "partners": partners,
            "map_data": {
                "center": [station.lat, station.lng],
                "points": points,
                "basemap": basemap_config(),
            },
        },
    )


@access.officer_required
@require_GET
def meeting_list(request):
    meetings = access.scope(Meeting.objects.prefetch_related("decisions"), request.user)
    return render(
        request,
        "community/meeting_list.html",
        {"meetings": meetings, "open_decisions": selectors.open_decisions_for(request.user)},
    )


@access.officer_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request, pk: int):
    meeting = access.get_for_user(
        Meeting.objects.prefetch_related("partners", "officers"), request.user, pk=pk
    )
    decision_form, attachment_form = DecisionForm(), AttachmentForm()
    if request.method == "POST":
        try:
            if "decision_done" in request.POST or "decision_reopen" in request.POST:
                decision_id = access.parse_id(
                    request.POST.get("decision_done") or request.POST["decision_reopen"]
                )
                if decision_id is None:
                    raise Http404(_("Not found."))
                network_services.decision_done(
                    actor=request.user,
                    decision_id=decision_id,
                    done="decision_done" in request.POST,
                )
                return redirect("community:meeting-detail", pk=pk)
            if "add_decision" in request.POST:
                decision_form = DecisionForm(request.POST)
                if decision_form.is_valid():
                    decision = decision_form.save(commit=False)
                    decision.meeting = meeting
                    network_services.decision_save(actor=request.user, decision=decision)
                    return redirect("community:meeting-detail", pk=pk)
            if "add_attachment" in request.POST:
                attachment_form = AttachmentForm(request.POST, request.FILES)
                if attachment_form.is_valid():
                    network_services.meeting_attachment_add(
                        actor=request.user,
                        meeting_id=meeting.pk,
                        upload=attachment_form.cleaned_data["file"],
                    )
                    return redirect("community:meeting-detail", pk=pk)
        except ValidationError as exc:
            _errors(request, exc)
    return render(
        request,
        "community/meeting_detail.html",
        {
            "meeting": meeting,
            "decisions": meeting.decisions.all(),
            "attachments": meeting.attachments.all(),
            "decision_form": decision_form,
            "attachment_form": attachment_form,
        },
    )


@access.officer_required
@require_GET
def attachment_download(request, pk: int):
    attachment = access.get_for_user(
        MeetingAttachment.objects.select_related("meeting"),
        request.user,
        station_field="meeting__station",
        pk=pk,
    )
    content_type = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    return private_file_response(
        attachment.file, filename=attachment.name, content_type=content_type, as_attachment=True
    )


# --- the public notices page -----------------------------------------------------------------


@require_GET
def public_notices(request):
    station_code = request.GET.get("station") or None
    return render(
        request,
        "community/public_notices.html",
        {"notices": selectors.public_notices(station_code=station_code)},
    )
