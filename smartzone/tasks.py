from celery import shared_task

from smartzone import outbox, partitions, retention


@shared_task
def outbox_relay() -> int:
    """Send outbox events that were not pushed after their commit."""
    return outbox.relay_pending()


@shared_task
def audit_purge() -> int:
    """Delete audit entries past their retention, keeping the chain verifiable."""
    return retention.audit_purge()


@shared_task
def events_purge() -> int:
    """Delete outbox events past their retention (whole months on PostgreSQL), audited."""
    return len(retention.events_purge())


@shared_task
def partitions_ensure() -> list[str]:
    """Create the coming months' partitions (PostgreSQL; nothing on SQLite)."""
    return partitions.ensure_ahead()
