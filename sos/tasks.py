"""Celery entry points of the sos app: escalation and kiosk health, both idempotent."""

from celery import shared_task

from sos import services


@shared_task
def sos_escalate_overdue() -> list[int]:
    return services.sos_escalate_overdue()


@shared_task
def kiosk_health_check() -> list[int]:
    return services.kiosk_health_check()
