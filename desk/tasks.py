"""Celery entry points of the duty desk; idempotent, safe to run twice or at once."""

from celery import shared_task

from desk import services


@shared_task
def weekly_reports_generate() -> list[int]:
    """Write each station's report of the last complete week, once."""
    return services.weekly_reports_generate_due()
