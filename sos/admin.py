from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from sos import services
from sos.models import Kiosk, SosEvent


@admin.register(Kiosk)
class KioskAdmin(admin.ModelAdmin):
    """Kiosks are added, edited, retired and get new secrets through the services (audit,
    events); a secret is shown once, on the page that follows, and never stored in a message.
    Kiosks are never deleted: their SOS history points at them. Retire them instead."""

    list_display = ["name", "serial", "station", "status", "last_seen", "retired_at"]
    list_filter = ["station", "status", ("retired_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "serial"]
    exclude = ["secret_encrypted"]
    actions = ["rotate_secrets", "retire_kiosks"]
    readonly_on_change = ["station", "serial", "status", "last_seen", "retired_at"]

    def get_readonly_fields(self, request, obj=None):
        fixed = ["secret_rotated_at", "status", "last_seen", "retired_at"]
        return sorted(set(fixed + (self.readonly_on_change if obj else [])))

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        editable = {f: data.get(f) for f in services.KIOSK_EDITABLE if f in data}
        if change:
            services.kiosk_update(actor=request.user, kiosk_id=obj.pk, **editable)
            return
        kiosk, secret = services.kiosk_create(
            actor=request.user, station=data["station"], serial=data["serial"], **editable
        )
        obj.pk = kiosk.pk
        request.kiosk_secrets = [(kiosk, secret)]

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "kiosk_secrets", None):
            return self._secrets_page(request, request.kiosk_secrets)
        return super().response_add(request, obj, post_url_continue)

    def _secrets_page(self, request, secrets):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Kiosk secrets"),
            "secrets": secrets,
        }
        response = TemplateResponse(request, "admin/sos/kiosk/secrets.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Give the selected kiosks a new secret"))
    def rotate_secrets(self, request, queryset):
        secrets = []
        for kiosk in queryset.filter(retired_at__isnull=True):
            secrets.append(services.kiosk_rotate_secret(actor=request.user, kiosk_id=kiosk.pk))
        if not secrets:
            self.message_user(request, _("Retired kiosks get no new secret."), messages.WARNING)
            return None
        return self._secrets_page(request, secrets)

    @admin.action(description=_("Retire the selected kiosks"))
    def retire_kiosks(self, request, queryset):
        retired = [
            services.kiosk_retire(actor=request.user, kiosk_id=kiosk.pk)
            for kiosk in queryset.filter(retired_at__isnull=True)
        ]
        self.message_user(request, _("%(n)d kiosks retired.") % {"n": len(retired)})


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
