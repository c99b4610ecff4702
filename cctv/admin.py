"""Admin of the cctv app; writes go through the services. Credentials are write-only."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cctv import analysis, services
from cctv.models import AnalysisJob, Camera, CameraSite, FaceMatch, WatchlistEntry
from smartzone.admin import ServiceAdmin


@admin.register(CameraSite)
class CameraSiteAdmin(ServiceAdmin):
    save_service = services.camera_site_save
    save_kwarg = "site"
    list_display = ["name", "station", "lat", "lng"]
    list_filter = ["station"]


class CameraForm(forms.ModelForm):
    password = forms.CharField(
        label=_("stream password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_(
            "Leave empty to keep the stored password. Changing the address of the camera "
            "removes the stored user name and password unless you type the password again."
        ),
    )

    class Meta:
        model = Camera
        fields = [
            "station",
            "site",
            "code",
            "name",
            "lat",
            "lng",
            "direction_deg",
            "fov_deg",
            "range_m",
            "stream_url",
            "snapshot_url",
            "username",
            "password",
            "make",
            "model",
            "installed_on",
        ]

    def clean_password(self):
        # Not a model field (the column holds it encrypted): set it here, or keep the stored one.
        value = self.cleaned_data.get("password")
        if value:
            self.instance.password = value
        return ""


@admin.register(Camera)
class CameraAdmin(ServiceAdmin):
    form = CameraForm
    save_service = services.camera_save
    save_kwarg = "camera"
    list_display = ["code", "name", "site", "status", "last_seen_at"]
    list_filter = ["station", "status"]
    readonly_fields = ["status", "status_reason", "last_seen_at", "last_probe_at"]


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are requested and approved on the watchlist pages (lawful flow)."""

    list_display = ["name", "category", "status", "valid_until", "station"]
    list_filter = ["station", "status", "category"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnalysisJob)
class AnalysisJobAdmin(WatchlistEntryAdmin):
    list_display = ["pk", "kind", "camera", "state", "created_by", "created_at"]
    list_filter = ["station", "state", "kind"]
    actions = ["cancel"]

    @admin.action(description="Cancel the selected jobs")
    def cancel(self, request, queryset):
        for job in queryset:
            analysis.job_cancel(actor=request.user, job=job)


@admin.register(FaceMatch)
class FaceMatchAdmin(WatchlistEntryAdmin):
    list_display = ["pk", "entry", "camera", "score", "status", "seen_at"]
    list_filter = ["station", "status"]
    exclude = ["crop"]
