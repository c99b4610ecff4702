"""Celery entry points of the duty desk; idempotent, safe to run twice or at once."""

from celery import shared_task

from desk import comparison, rollup, services


@shared_task
def weekly_reports_generate() -> list[int]:
    """Write each station's report of the last complete week, once."""
    return services.weekly_reports_generate_due()


@shared_task
def station_days_update() -> int:
    """Recompute the daily roll-ups of the last days for every station (idempotent)."""
    return rollup.station_days_update()


@shared_task
def comparison_exports_generate() -> list[int]:
    """Write each province's and the programme's comparison of the last complete week, once."""
    return comparison.exports_generate_due()
