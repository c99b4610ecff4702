"""Pages of the cctv app: thin, access-checked, private media through checked views only."""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cctv import analysis, services
from cctv.camera_io import SnapshotError, fetch_snapshot
from cctv.forms import CameraForm as CameraEditForm
from cctv.forms import (
    CameraSiteForm,
    EntryForm,
    EntryStatusForm,
    JobForm,
    PhotoForm,
    RenewForm,
    ReviewForm,
)
from cctv.models import AnalysisJob, Camera, CameraSite, EnrollmentPhoto, FaceMatch, WatchlistEntry
from smartzone import access
from smartzone.access import officer_required, supervisor_required
from smartzone.basemap import basemap_config
from smartzone.media import private_file_response

log = logging.getLogger(__name__)


def _private(fieldfile, filename: str, content_type="image/jpeg"):
    """Face images: never cached anywhere (no-store)."""
    return private_file_response(
        fieldfile, filename=filename, content_type=content_type, no_store=True
    )


# Service error keys that a form names otherwise.
_FIELD_ALIASES = {"image": "photo"}


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        field = _FIELD_ALIASES.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def _station(request):
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is None:
        raise Http404(_("Not found."))
    return station


@officer_required
def camera_list(request):
    cameras = access.scope(Camera.objects.select_related("site"), request.user).order_by("code")
    sites = access.scope(CameraSite.objects.all(), request.user).order_by("name")
    return render(request, "cctv/cameras.html", {"cameras": cameras, "sites": sites})


@supervisor_required
def site_edit(request, pk=None):
    if pk is None:
        site = CameraSite(station=_station(request))
    else:
        site = access.get_for_user(CameraSite.objects.all(), request.user, pk=pk)
    form = CameraSiteForm(request.POST if request.method == "POST" else None, instance=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.camera_site_save(actor=request.user, site=form.instance)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Camera site saved."))
            return redirect("cctv:cameras")
    context = {"form": form, "site": site if pk else None}
    return render(request, "cctv/site_form.html", context, status=400 if form.errors else 200)


@supervisor_required
def camera_edit(request, pk=None):
    if pk is None:
        camera = Camera(station=_station(request))
    else:
        camera = access.get_for_user(Camera.objects.all(), request.user, pk=pk)
    sites = CameraSite.objects.filter(station_id=camera.station_id)
    data = request.POST if request.method == "POST" else None
    form = CameraEditForm(data, instance=camera, sites=sites)
    if request.method == "POST" and form.is_valid():
        try:
            services.camera_save(actor=request.user, camera=form.instance)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Camera saved."))
            return redirect("cctv:cameras")
    context = {"form": form, "camera": camera if pk else None}
    return render(request, "cctv/camera_form.html", context, status=400 if form.errors else 200)


@officer_required
def camera_picture(request, pk):
    camera = access.get_for_user(Camera.objects.all(), request.user, pk=pk)
    try:
        jpeg = fetch_snapshot(camera)
    except SnapshotError as exc:
        # The reason names the kind of failure only; it stays in the log, the officer is told
        # in their language without what answered.
        log.warning("camera %s picture: %s", camera.pk, exc.reason)
        return HttpResponse(
            _("The camera sent no picture. Check that it is switched on and connected."),
            status=502,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(jpeg, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@officer_required
def watchlist(request):
    entries = access.scope(WatchlistEntry.objects.all(), request.user)
    return render(request, "cctv/watchlist.html", {"entries": entries})


@supervisor_required
def entry_create(request):
    form = EntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data, photo = form.cleaned_data, form.cleaned_data["photo"]
        try:
            with transaction.atomic():
                entry = services.watchlist_entry_create(
                    actor=request.user,
                    station=_station(request),
                    name=data["name"],
                    aliases=data["aliases"],
                    category=data["category"],
                    legal_basis=data["legal_basis"],
                    reason=data["reason"],
                    valid_until=data["valid_until"],
                )
                services.enrollment_photo_add(
                    actor=request.user, entry=entry, filename=photo.name, data=photo.read()
                )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Entry saved; another supervisor must approve it."))
            return redirect("cctv:entry_detail", pk=entry.pk)
    return render(
        request, "cctv/entry_form.html", {"form": form}, status=400 if form.errors else 200
    )


def _entry_page(request, entry, status=200, **forms):
    context = {
        "entry": entry,
        "photos": entry.photos.all(),
        "form": forms.get("form") or PhotoForm(),
        "status_form": forms.get("status_form") or EntryStatusForm(),
        "renew_form": forms.get("renew_form") or RenewForm(),
    }
    return render(request, "cctv/entry_detail.html", context, status=status)


@officer_required
def entry_detail(request, pk):
    entry = access.get_for_user(WatchlistEntry.objects.all(), request.user, pk=pk)
    form = PhotoForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        access.require_supervisor(request.user)
        if form.is_valid():
            photo = form.cleaned_data["photo"]
            try:
                services.enrollment_photo_add(
                    actor=request.user, entry=entry, filename=photo.name, data=photo.read()
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("cctv:entry_detail", pk=entry.pk)
    return _entry_page(request, entry, status=400 if form.errors else 200, form=form)


@require_POST
@supervisor_required
def entry_approve(request, pk):
    entry = access.get_for_user(WatchlistEntry.objects.all(), request.user, pk=pk)
    try:
        services.watchlist_entry_approve(actor=request.user, entry=entry)
    except (PermissionDenied, ValidationError) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
    return redirect("cctv:entry_detail", pk=entry.pk)


def _entry_set_status(request, pk, status, done_message):
    entry = access.get_for_user(WatchlistEntry.objects.all(), request.user, pk=pk)
    form = EntryStatusForm(request.POST)
    if form.is_valid():
        try:
            services.watchlist_entry_set_status(
                actor=request.user, entry=entry, status=status, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("cctv:entry_detail", pk=entry.pk)
    return _entry_page(request, entry, status=400, status_form=form)


@require_POST
@supervisor_required
def entry_reject(request, pk):
    return _entry_set_status(
        request, pk, WatchlistEntry.Status.REJECTED, _("The entry was rejected.")
    )


@require_POST
@supervisor_required
def entry_revoke(request, pk):
    return _entry_set_status(
        request, pk, WatchlistEntry.Status.REVOKED, _("The entry was revoked; it is not matched.")
    )


@require_POST
@supervisor_required
def entry_renew(request, pk):
    entry = access.get_for_user(WatchlistEntry.objects.all(), request.user, pk=pk)
    form = RenewForm(request.POST)
    if form.is_valid():
        try:
            services.watchlist_entry_renew(
                actor=request.user, entry=entry, valid_until=form.cleaned_data["valid_until"]
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The entry was renewed."))
            return redirect("cctv:entry_detail", pk=entry.pk)
    return _entry_page(request, entry, status=400, renew_form=form)


@officer_required
def photo_image(request, pk):
    photo = access.get_for_user(
        EnrollmentPhoto.objects.select_related("entry"),
        request.user,
        station_field="entry__station",
        pk=pk,
    )
    return _private(photo.image, f"watchlist-photo-{photo.pk}.jpg")


@officer_required
def jobs(request):
    rows = access.scope(AnalysisJob.objects.select_related("camera"), request.user)[:100]
    return render(request, "cctv/jobs.html", {"jobs": rows})


@officer_required
def job_create(request):
    cameras = access.scope(Camera.objects.all(), request.user)
    form = JobForm(request.POST or None, request.FILES or None, cameras=cameras)
    if request.method == "POST" and form.is_valid():
        data, clip = form.cleaned_data, form.cleaned_data.get("clip")
        try:
            job = analysis.job_create(
                actor=request.user,
                station=_station(request),
                kind=data["kind"],
                purpose=data["purpose"],
                camera=data["camera"],
                clip_name=clip.name if clip else "",
                clip_data=clip.read() if clip else None,
                window_start=data["window_start"],
                window_end=data["window_end"],
                watch_minutes=data["watch_minutes"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("cctv:job_detail", pk=job.pk)
    return render(request, "cctv/job_form.html", {"form": form}, status=400 if form.errors else 200)


@officer_required
def job_detail(request, pk):
    job = access.get_for_user(AnalysisJob.objects.select_related("camera"), request.user, pk=pk)
    matches = job.matches.select_related("entry", "camera")
    return render(request, "cctv/job_detail.html", {"job": job, "matches": matches})


@require_POST
@officer_required
def job_cancel(request, pk):
    job = access.get_for_user(AnalysisJob.objects.all(), request.user, pk=pk)
    analysis.job_cancel(actor=request.user, job=job)
    return redirect("cctv:job_detail", pk=job.pk)


@officer_required
def match_review(request, pk):
    match = access.get_for_user(
        FaceMatch.objects.select_related("entry", "camera", "job"), request.user, pk=pk
    )
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            analysis.match_review(
                actor=request.user,
                match=match,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("cctv:match_review", pk=match.pk)
    photos = list(match.entry.photos.all())
    camera = match.camera
    map_config = {"basemap": basemap_config()}
    if camera is not None:
        map_config |= {
            "lat": camera.lat,
            "lng": camera.lng,
            "direction_deg": camera.direction_deg,
            "fov_deg": camera.fov_deg,
            "range_m": camera.range_m,
            "name": f"{camera.code} {camera.name}",
        }
    context = {"match": match, "photos": photos, "form": form, "map_config": map_config}
    return render(request, "cctv/match_review.html", context, status=400 if form.errors else 200)


@require_POST
@officer_required
def match_incident(request, pk):
    match = access.get_for_user(FaceMatch.objects.all(), request.user, pk=pk)
    try:
        report = analysis.match_open_incident(actor=request.user, match=match)
    except (PermissionDenied, ValidationError) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return redirect("cctv:match_review", pk=match.pk)
    messages.success(request, _("Incident %(code)s opened.") % {"code": report.display_code})
    return redirect("incidents:detail", pk=report.pk)


@officer_required
def match_crop(request, pk):
    match = access.get_for_user(FaceMatch.objects.all(), request.user, pk=pk)
    return _private(match.crop, f"match-{match.pk}-crop.jpg")
