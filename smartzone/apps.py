from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmartzoneConfig(AppConfig):
    name = "smartzone"
    verbose_name = _("Smart Safety Zone")

    def ready(self):
        from smartzone import (
            auth,  # noqa: F401 (connects the lockout audit receiver)
            checks,  # noqa: F401 (registers the deployment checks)
            privacy,
        )

        privacy.register()
