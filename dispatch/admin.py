from django.contrib import admin

from dispatch.models import Assignment, DispatchPolicy


@admin.register(DispatchPolicy)
class DispatchPolicyAdmin(admin.ModelAdmin):
    list_display = ["station", "offer_timeout_s", "auto_offer_sos"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["pk", "station", "kind", "officer", "state", "offered_at", "automatic"]
    list_filter = ["station", "state", "kind"]
    readonly_fields = [f.name for f in Assignment._meta.fields]

    def has_add_permission(self, request):
        return False
