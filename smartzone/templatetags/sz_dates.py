"""Template filters that show dates one way everywhere (see smartzone.dates)."""

from django import template

from smartzone import dates

register = template.Library()


@register.filter
def sz_date(value) -> str:
    """ "2 ธ.ค. 2569" in Thai, "2 Dec 2026" in English."""
    return dates.format_date(value)


@register.filter
def sz_datetime(value) -> str:
    """ "2 ธ.ค. 2569 14:03" in Thai, "2 Dec 2026 14:03" in English, in the station's time zone."""
    return dates.format_datetime(value)


@register.filter
def sz_datetime_seconds(value) -> str:
    """As sz_datetime, with seconds."""
    return dates.format_datetime(value, seconds=True)


@register.filter
def sz_time(value) -> str:
    """ "14:03" in the station's time zone."""
    return dates.format_time(value)
