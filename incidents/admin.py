"""Admin: categories are edited here (through the service); reports are read here and worked on
the officers' pages, where the workflow is enforced."""

from django.contrib import admin

from incidents import services
from incidents.models import Category, Report, ReportTransition, ReportUpdate
from smartzone.admin import ReadOnlyAdmin


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "name_en", "code"]

    def save_model(self, request, obj, form, change):
        services.category_save(actor=request.user, category=obj)

    def has_delete_permission(self, request, obj=None):
        # Categories in use are kept for the old reports; switch them off with "active".
        return False


class UpdateInline(admin.TabularInline):
    model = ReportUpdate
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "author", "public", "text"]

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = ReportTransition
    extra = 0
    can_delete = False
    readonly_fields = ["created_at", "from_state", "to_state", "actor_label", "note"]
    exclude = ["actor"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["tracking_code", "kind", "category", "state", "station", "zone", "created_at"]
    # A date filter (today, 7 days, this month, this year), not date_hierarchy: its links name
    # months with the Christian year ("ธันวาคม 2026"), which Thai readers take for a typo.
    list_filter = ["state", "kind", "category", "station", "outside_zone", "created_at"]
    search_fields = ["tracking_code", "description"]
    inlines = [TransitionInline, UpdateInline]
    exclude = ["idempotency_key"]  # the phone app's retry key: nothing a person reads

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser
