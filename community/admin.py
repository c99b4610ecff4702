"""Django admin of the community app. Writes go through the services; the LINE secret and
token are write-only here: the admin shows their last 4 characters, never the whole value."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from community import network_services, services
from community.forms import LineChannelAdminForm
from community.models import (
    Broadcast,
    Decision,
    DeliveryBatch,
    Follower,
    LineChannel,
    Meeting,
    Partner,
    SupervisorLineLink,
)
from smartzone.admin import ReadOnlyAdmin, ServiceAdmin


@admin.register(LineChannel)
class LineChannelAdmin(ServiceAdmin):
    form = LineChannelAdminForm
    list_display = ["station", "name", "enabled", "secret_hint", "token_hint", "updated_at"]
    readonly_fields = ["secret_hint", "token_hint", "webhook_path"]

    @admin.display(description=_("channel secret"))
    def secret_hint(self, obj):
        return obj.secret_hint or "-"

    @admin.display(description=_("channel access token"))
    def token_hint(self, obj):
        return obj.token_hint or "-"

    @admin.display(description=_("webhook URL path"))
    def webhook_path(self, obj):
        return f"/line/webhook/{obj.station.code}/" if obj.station_id else "-"

    def save_model(self, request, obj, form, change):
        saved = services.line_channel_save(
            actor=request.user,
            station=form.cleaned_data["station"],
            name=form.cleaned_data["name"],
            enabled=form.cleaned_data["enabled"],
            channel_secret=form.cleaned_data.get("channel_secret") or None,
            access_token=form.cleaned_data.get("access_token") or None,
        )
        obj.pk = saved.pk


@admin.register(Partner)
class PartnerAdmin(ServiceAdmin):
    save_service = network_services.partner_save
    save_kwarg = "partner"
    list_display = ["name", "kind", "station", "contact_person", "phone"]
    list_filter = ["station", "kind"]
    search_fields = ["name", "contact_person"]


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 1
    fields = ["text", "owner", "due_date", "done"]


@admin.register(Meeting)
class MeetingAdmin(ServiceAdmin):
    list_display = ["date", "title", "station", "place"]
    list_filter = ["station"]
    inlines = [DecisionInline]
    filter_horizontal = ["partners", "officers"]

    def save_model(self, request, obj, form, change):
        """Saved with its attendees in save_related, in one service call."""

    def save_related(self, request, form, formsets, change):
        network_services.meeting_save(
            actor=request.user,
            meeting=form.instance,
            partners=form.cleaned_data["partners"],
            officers=form.cleaned_data["officers"],
        )
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        for decision in formset.save(commit=False):
            decision.meeting = form.instance
            network_services.decision_save(actor=request.user, decision=decision)
        for decision in formset.deleted_objects:
            self.delete_model(request, decision)

    def station_of(self, obj):
        return obj.station if isinstance(obj, Meeting) else obj.meeting.station


class DeliveryBatchInline(admin.TabularInline):
    model = DeliveryBatch
    fields = ["number", "method", "state", "attempts", "last_error", "line_request_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Broadcast)
class BroadcastAdmin(ReadOnlyAdmin):
    """Broadcasts are written, sent and retried on the supervisors' pages."""

    list_display = ["created_at", "title", "station", "audience", "state", "public"]
    list_filter = ["station", "state", "audience"]
    inlines = [DeliveryBatchInline]


@admin.register(Follower)
class FollowerAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "station", "zone", "partner", "joined_at", "left_at"]
    list_filter = ["station", "zone"]


@admin.register(SupervisorLineLink)
class SupervisorLineLinkAdmin(ReadOnlyAdmin):
    list_display = ["officer", "linked_at"]
