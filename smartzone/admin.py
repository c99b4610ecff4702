"""Django admin for the core models. Saves and deletes go through the services (audit, events)."""

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers as admin_helpers
from django.contrib.admin import utils as admin_utils
from django.contrib.admin.templatetags import admin_list
from django.db import models
from django.utils.translation import gettext_lazy as _

from smartzone import dates, services
from smartzone.media import PrivateStorage
from smartzone.models import (
    ApiToken,
    AuditEntry,
    Commander,
    Event,
    Landmark,
    OfficerProfile,
    SafetyZone,
    Station,
)
from smartzone.tokens import api_token_revoke
from smartzone.widgets import BoundaryWidget

admin.site.site_header = _("Smart Safety Zone administration")
admin.site.site_title = _("Smart Safety Zone")

_display_for_field = admin_utils.display_for_field


def display_for_field(value, field, empty_value_display, avoid_link=False):
    """Show a field's value in the admin's lists and read-only fields as on every other page.

    Dates: one way (smartzone.dates: Buddhist era in Thai, station time zone), not Django's
    localized format (a Christian year beside a Thai month). Private files (served only through
    access checks) have no public URL: their name, without a link.
    """
    if value in (None, "") or getattr(field, "flatchoices", None):
        return _display_for_field(value, field, empty_value_display, avoid_link)
    if isinstance(field, models.DateTimeField):
        return dates.format_datetime(value)
    if isinstance(field, models.DateField):
        return dates.format_date(value)
    if isinstance(field, models.FileField) and isinstance(field.storage, PrivateStorage):
        return str(value)
    return _display_for_field(value, field, empty_value_display, avoid_link)


# The admin's lists and read-only fields import the function by name: replace it where used.
for _module in (admin_utils, admin_helpers, admin_list):
    _module.display_for_field = display_for_field


class ServiceAdmin(admin.ModelAdmin):
    """Route admin writes through a service `save(actor=..., <name>=obj)`."""

    save_service = None
    save_kwarg = ""

    def save_model(self, request, obj, form, change):
        type(self).save_service(actor=request.user, **{self.save_kwarg: obj})

    def delete_model(self, request, obj):
        services.model_delete(actor=request.user, instance=obj, station=self.station_of(obj))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def station_of(self, obj):
        return obj.station


@admin.register(Station)
class StationAdmin(ServiceAdmin):
    save_service = services.station_save
    save_kwarg = "station"
    list_display = ["name", "code", "province", "phone"]
    search_fields = ["name", "name_en", "code"]

    def station_of(self, obj):
        return None


@admin.register(SafetyZone)
class SafetyZoneAdmin(ServiceAdmin):
    save_service = services.zone_save
    save_kwarg = "zone"
    list_display = ["name", "station", "area_km2", "perimeter_km", "residents"]
    list_filter = ["station"]
    readonly_fields = ["area_km2", "perimeter_km"]
    formfield_overrides = {models.JSONField: {"widget": BoundaryWidget}}


@admin.register(Landmark)
class LandmarkAdmin(ServiceAdmin):
    save_service = services.landmark_save
    save_kwarg = "landmark"
    list_display = ["name", "kind", "station", "zone", "lat", "lng"]
    list_filter = ["station", "kind"]
    search_fields = ["name", "name_en"]


@admin.register(OfficerProfile)
class OfficerProfileAdmin(ServiceAdmin):
    save_service = services.officer_profile_save
    save_kwarg = "profile"
    list_display = ["user", "role", "station", "rank", "badge_number"]
    list_filter = ["station", "role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "badge_number"]
    autocomplete_fields = ["user"]


class CommanderForm(forms.ModelForm):
    """A commander: the user, the level, and for a province commander the province, picked
    from the provinces the stations name (so it matches them exactly)."""

    province = forms.ChoiceField(
        label=_("province"),
        required=False,
        help_text=_("As the stations name it; empty for the programme."),
    )

    class Meta:
        model = Commander
        fields = ["user", "role", "province"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        provinces = set(
            Station.objects.exclude(province="").values_list("province", flat=True).distinct()
        )
        if self.instance.province:
            provinces.add(self.instance.province)
        self.fields["province"].choices = [("", "---------")] + [(p, p) for p in sorted(provinces)]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if hasattr(user, "officer"):
            raise forms.ValidationError(
                _("This user works at a station; a commander needs a login of their own.")
            )
        return user


@admin.register(Commander)
class CommanderAdmin(ServiceAdmin):
    """Commanders above the stations: saved through services.commander_save (audited)."""

    form = CommanderForm
    save_service = services.commander_save
    save_kwarg = "commander"
    list_display = ["user", "role", "province"]
    list_filter = ["role", "province"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "province"]
    autocomplete_fields = ["user"]

    def station_of(self, obj):
        return None


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "actor_label", "action", "object_type", "object_id"]
    list_filter = ["action", "station"]
    search_fields = ["actor_label", "action", "object_id"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "station", "kind", "published_at"]
    list_filter = ["kind", "station"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Listed and revoked here; made with `manage.py api_token_create` (the key is shown once)."""

    list_display = ["name", "user", "prefix", "created_at"]
    list_filter = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        api_token_revoke(actor=request.user, token_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for token_id in queryset.values_list("pk", flat=True):
            api_token_revoke(actor=request.user, token_id=token_id)
