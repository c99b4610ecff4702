"""Template filters of the station timeline."""

from django import template

from smartzone import dates

register = template.Library()


@register.filter(expects_localtime=True)
def timeline_time(value) -> str:
    """Format VALUE as "5 พ.ย. 2569 14:03:09" (Buddhist era in Thai, see smartzone.dates)."""
    return dates.format_datetime(value, seconds=True)
