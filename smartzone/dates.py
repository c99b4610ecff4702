"""One way to show a date: Buddhist era in Thai ("2 ธ.ค. 2569 14:03"), Gregorian in English
("2 Dec 2026 14:03"), always in the station's time zone (settings.TIME_ZONE).

Templates use the filters of `sz_dates` (`{{ value|sz_date }}`, `|sz_datetime`, `|sz_time`);
scripts use `SmartZone.formatDateTime` in smartzone/static/smartzone/dates.js, which gives the
same text through the browser's Intl with the Buddhist calendar.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language

BUDDHIST_ERA_OFFSET = 543
THAI_MONTHS = [
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
]  # fmt: skip
ENGLISH_MONTHS = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
]


def _thai() -> bool:
    return (get_language() or "th").startswith("th")


def _local(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_date(value) -> str:
    """Return VALUE (a date or datetime) as "2 ธ.ค. 2569" in Thai or "2 Dec 2026" in English."""
    if value in (None, ""):
        return ""
    value = _local(value)
    if _thai():
        return f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + BUDDHIST_ERA_OFFSET}"
    return f"{value.day} {ENGLISH_MONTHS[value.month - 1]} {value.year}"


def format_time(value, *, seconds: bool = False) -> str:
    """Return the local time of day of VALUE as "14:03" (or "14:03:09")."""
    if value in (None, ""):
        return ""
    value = _local(value)
    return value.strftime("%H:%M:%S" if seconds else "%H:%M")


def format_datetime(value, *, seconds: bool = False) -> str:
    """Return VALUE as "2 ธ.ค. 2569 14:03" in Thai or "2 Dec 2026 14:03" in English."""
    if value in (None, ""):
        return ""
    if not isinstance(value, dt.datetime):
        return format_date(value)
    return f"{format_date(value)} {format_time(value, seconds=seconds)}"


def format_for_spreadsheet(value) -> str:
    """Return VALUE's local date and time as "2026-12-02 14:03:09", for CSV exports.

    Spreadsheet programs read this form as a date and time (ISO text with an offset and
    microseconds stays text), then show it in their reader's own calendar and sort it right.
    """
    if value in (None, ""):
        return ""
    value = _local(value)
    if not isinstance(value, dt.datetime):
        return value.isoformat()
    return value.strftime("%Y-%m-%d %H:%M:%S")
