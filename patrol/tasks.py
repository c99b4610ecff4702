"""Celery entry points of the patrol app; both idempotent, safe to run twice or at once."""

from celery import shared_task

from patrol import retention, services


@shared_task
def missed_visits_detect() -> list[int]:
    """Alert the desk once about each point visit that is overdue in a shift."""
    return services.missed_visits_detect()


@shared_task
def shifts_end_announce() -> list[int]:
    """Tell dashboards about shifts that ended, so their officers' markers go."""
    return services.shifts_end_announce()


@shared_task
def personal_data_purge() -> dict:
    """Delete officers' positions and check-in photos past their retention."""
    return {
        "positions": len(retention.positions_purge()),
        "checkin_photos": len(retention.checkin_photos_purge()),
    }
