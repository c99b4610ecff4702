"""Percentiles and the duty desk's period arithmetic.

Percentile method (documented on the desk page and in the weekly report): linear interpolation
between the closest ranks, the "inclusive" method (numpy's default, Excel's PERCENTILE.INC,
`statistics.quantiles(method="inclusive")`). For sorted values x[0..n-1] the p-th percentile
is at rank r = p/100 * (n - 1): x[floor(r)] + (r - floor(r)) * (x[floor(r)+1] - x[floor(r)]).
So the 50th percentile is the usual median (the mean of the two middle values when n is even),
the 90th of one value is that value, and none of no values is None.
"""

import math
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.utils import timezone


def percentile(values: Iterable[float], p: float) -> float | None:
    """Return the P-th percentile (0-100) of VALUES by linear interpolation, None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def local_midnight(day: date) -> datetime:
    """Return the start of DAY in the station's time zone (the project's TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def week_start_of(moment: datetime | date) -> date:
    """Return the Monday of the week holding MOMENT (local time)."""
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def last_complete_week(now: datetime) -> date:
    """Return the Monday of the last week that has ended by NOW."""
    return week_start_of(now) - timedelta(days=7)


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_back(day: date, count: int) -> list[date]:
    """Return the first days of the COUNT months ending with DAY's month, oldest first."""
    months = [month_start(day)]
    while len(months) < count:
        first = months[0]
        months.insert(0, (first - timedelta(days=1)).replace(day=1))
    return months


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)
