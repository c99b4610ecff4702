from django.contrib import admin

from dispatch.models import Assignment, DispatchPolicy


@admin.register(DispatchPolicy)
class DispatchPolicyAdmin(admin.ModelAdmin):
    list_display = ["station", "offer_timeout_s", "auto_offer_sos"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["pk", "station", "kind", "officer", "state", "offered_at", "automatic"]
    list_filter = ["station", "state", "kind"]

    def get_readonly_fields(self, request, obj=None):
        # Steps are written by the services (audit, events); an existing row is read-only.
        return [f.name for f in Assignment._meta.fields] if obj else []
