from celery import shared_task

from smartzone import outbox


@shared_task
def outbox_relay() -> int:
    """Send outbox events that were not pushed after their commit."""
    return outbox.relay_pending()
