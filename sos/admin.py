from django.contrib import admin

from sos.models import Kiosk, SosEvent


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    """Read-only here: kiosks are created and rotated on the supervisors' page (services)."""

    list_display = ["name", "serial", "station", "status", "last_seen"]
    list_filter = ["station", "status"]
    exclude = ["secret_encrypted"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SosEvent)
class SosEventAdmin(admin.ModelAdmin):
    list_display = ["pk", "station", "source", "kiosk", "state", "received_at", "escalated_at"]
    list_filter = ["station", "state", "source"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
