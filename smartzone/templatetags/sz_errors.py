"""Tags of the error pages, which must render whatever else is broken."""

from django import template
from django.conf import settings
from django.templatetags.static import static

register = template.Library()


@register.simple_tag
def static_or_plain(path: str) -> str:
    """Return the static URL of PATH, or STATIC_URL + PATH when the manifest of collected
    files lacks it (not collected yet): the page then loses its style, not its answer."""
    try:
        return static(path)
    except ValueError:
        return f"{settings.STATIC_URL}{path}"
