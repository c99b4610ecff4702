from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SosConfig(AppConfig):
    name = "sos"
    verbose_name = _("SOS kiosks and emergencies")
