"""System checks of the platform's own settings (run by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_check(app_configs, **kwargs):
    """Warn when printed and sent links have no public address to point at."""
    site_url = getattr(settings, "SITE_URL", "")
    if not site_url:
        return [
            Warning(
                "SITE_URL is not set: patrol QR codes, survey links and LINE messages will "
                "point at whatever host a request came to (or have no host at all when sent "
                "by a task).",
                hint="Set SITE_URL to the address people reach the platform at, "
                "e.g. https://safetyzone.example.org.",
                id="smartzone.W001",
            )
        ]
    if not site_url.startswith("https://"):
        return [
            Warning(
                "SITE_URL is not an https:// address: links sent over LINE and printed on "
                "QR sheets would be opened without TLS.",
                hint="Use the https:// address of the TLS proxy in front of the platform.",
                id="smartzone.W002",
            )
        ]
    return []
