"""Django admin of the patrol app. Point writes go through the services (audit, events);
shifts are planned on the supervisors' page; check-ins, misses and positions are read-only."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from patrol import services
from patrol.models import (
    CheckIn,
    MissedVisit,
    OfficerPosition,
    PatrolPoint,
    PatrolShift,
    ShiftPoint,
)
from smartzone.admin import ReadOnlyAdmin, ServiceAdmin


@admin.register(PatrolPoint)
class PatrolPointAdmin(ServiceAdmin):
    save_service = services.point_save
    save_kwarg = "point"
    list_display = ["name", "short_id", "kind", "station", "radius_m", "active"]
    list_filter = ["station", "kind", "active"]
    search_fields = ["name", "short_id"]
    readonly_fields = ["short_id", "token_rotated_at"]
    actions = ["rotate_codes"]

    @admin.action(description=_("Renew the QR code (old printed codes stop working)"))
    def rotate_codes(self, request, queryset):
        for point in queryset:
            services.point_rotate_token(actor=request.user, point=point)
        messages.success(request, _("%(n)d codes renewed.") % {"n": queryset.count()})


class ShiftPointInline(admin.TabularInline):
    model = ShiftPoint
    extra = 0

    # The model's `point` has no label of its own: shown through a labelled column.
    fields = readonly_fields = ["point_name", "interval_minutes"]

    @admin.display(description=_("point"))
    def point_name(self, obj):
        return obj.point

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PatrolShift)
class PatrolShiftAdmin(ReadOnlyAdmin):
    list_display = ["name", "station", "starts_at", "ends_at"]
    list_filter = ["station"]
    inlines = [ShiftPointInline]


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["point", "officer", "checked_at", "distance_m", "away_from_point"]
    list_filter = ["station", "away_from_point"]
    exclude = ["photo"]


@admin.register(MissedVisit)
class MissedVisitAdmin(ReadOnlyAdmin):
    list_display = ["point", "shift", "due_at", "detected_at"]
    list_filter = ["shift__station"]


@admin.register(OfficerPosition)
class OfficerPositionAdmin(ReadOnlyAdmin):
    list_display = ["officer", "shift", "reported_at", "lat", "lng", "accuracy_m"]
    list_filter = ["shift__station"]
