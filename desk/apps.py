from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Duty desk intelligence")

    def ready(self) -> None:
        from smartzone import registry

        registry.register_event_labels({"desk.weekly_report": _("Weekly station report ready")})
        registry.register_dashboard_script("desk/hotspots.js")
        registry.register_dashboard_script("desk/dashboard.js")
        registry.register_dashboard_nav("desk:overview", _("Analysis"))
        registry.register_dashboard_nav("desk:reports", _("Weekly reports"))
        registry.register_public_link(
            registry.PublicLink("desk:survey", _("How safe do you feel?"), "sz-survey-link")
        )
