"""Celery entry points of the sos app: escalation and kiosk health, both idempotent."""

from celery import shared_task

from sos import retention, services


@shared_task
def sos_escalate_overdue() -> list[int]:
    return services.sos_escalate_overdue()


@shared_task
def kiosk_health_check() -> list[int]:
    return services.kiosk_health_check()


@shared_task
def personal_data_purge() -> dict:
    """Blank callback phones and delete snapshots of SOS events closed past their retention."""
    return {
        "contacts": len(retention.sos_contacts_purge()),
        "snapshots": len(retention.sos_snapshots_purge()),
    }
