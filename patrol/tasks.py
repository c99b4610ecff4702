"""Celery entry points of the patrol app; both idempotent, safe to run twice or at once."""

from celery import shared_task

from patrol import services


@shared_task
def missed_visits_detect() -> list[int]:
    """Alert the desk once about each point visit that is overdue in a shift."""
    return services.missed_visits_detect()


@shared_task
def shifts_end_announce() -> list[int]:
    """Tell dashboards about shifts that ended, so their officers' markers go."""
    return services.shifts_end_announce()
