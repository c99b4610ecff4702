from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Operations: backups, health and metrics")

    def ready(self) -> None:
        from ops import logs
        from smartzone import registry

        logs.connect_celery_signals()
        registry.register_dashboard_script("ops/dashboard.js")
        registry.register_event_labels({"backup.created": _("Backup made")})
