"""Thai dates for the weekly report: full Thai month names, years in the Buddhist era (the
offset of smartzone.dates, the one way dates are shown)."""

from datetime import date

from smartzone.dates import BUDDHIST_ERA_OFFSET

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)


def thai_year(day: date) -> int:
    return day.year + BUDDHIST_ERA_OFFSET


def thai_date(day: date) -> str:
    """Return e.g. '1 ธันวาคม 2569' for 2026-12-01."""
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {thai_year(day)}"


def thai_month(day: date) -> str:
    """Return e.g. 'ธันวาคม 2569'."""
    return f"{THAI_MONTHS[day.month - 1]} {thai_year(day)}"


def thai_range(first: date, last: date) -> str:
    """Return a date range, e.g. '23 - 29 พฤศจิกายน 2569' or across months in full."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} - {thai_date(last)}"
    if first.year == last.year:
        return f"{first.day} {THAI_MONTHS[first.month - 1]} - {thai_date(last)}"
    return f"{thai_date(first)} - {thai_date(last)}"
