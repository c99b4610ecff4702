"""Celery entry points of the incidents app; idempotent, safe to run twice or at once."""

from celery import shared_task

from incidents import retention


@shared_task
def personal_data_purge() -> dict:
    """Blank reporters' contacts and delete photos of reports closed past their retention."""
    return {
        "contacts": len(retention.report_contacts_purge()),
        "photos": len(retention.report_photos_purge()),
    }
