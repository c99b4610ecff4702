from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SosConfig(AppConfig):
    name = "sos"
    verbose_name = _("SOS kiosks and emergencies")

    def ready(self) -> None:
        from smartzone import registry
        from sos import retention, selectors

        registry.register_personal_data(retention.PERSONAL_DATA)

        registry.register_event_labels(
            {
                "sos.raised": _("SOS!"),
                "sos.located": _("SOS position received"),
                "sos.acknowledged": _("SOS acknowledged"),
                "sos.dispatched": _("Officers sent to SOS"),
                "sos.on_scene": _("Officers on scene"),
                "sos.closed": _("SOS closed"),
                "sos.escalated": _("SOS not acknowledged: escalated"),
                "kiosk.created": _("SOS kiosk added"),
                "kiosk.online": _("SOS kiosk back online"),
                "kiosk.offline": _("SOS kiosk offline"),
            }
        )
        registry.register_dashboard_script("sos/dashboard.js")
        registry.register_queue_provider("sos", selectors.queue_items, rank=0)
        registry.register_dashboard_nav("sos:list", _("SOS"))
        registry.register_public_link(
            registry.PublicLink("sos:public", _("Emergency SOS"), "sz-sos-link")
        )
