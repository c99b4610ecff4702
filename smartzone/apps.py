from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig


class SmartzoneConfig(AppConfig):
    default = True  # this module holds other apps' configs too (below)
    name = "smartzone"
    verbose_name = _("Smart Safety Zone")

    def ready(self):
        from smartzone import (
            auth,  # noqa: F401 (connects the lockout audit receiver)
            checks,  # noqa: F401 (registers the deployment checks)
            privacy,
        )

        privacy.register()


# Third-party apps under Thai names in the admin (their own labels are "Axes" and "otp_totp").
class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts")


class TotpConfig(TotpAppConfig):
    verbose_name = _("Two-step sign-in")
