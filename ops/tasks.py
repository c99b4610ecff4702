from datetime import timedelta

from celery import shared_task

from ops import services


@shared_task(ignore_result=True)
def backup_daily() -> str:
    """Make the day's backup unless one younger than 20 hours exists; prune old archives."""
    record = services.backup_create(actor="backup", if_older_than=timedelta(hours=20))
    pruned = services.backup_prune()
    if record is None:
        return f"no backup needed; pruned {len(pruned)}"
    return f"backup {'ok' if record.ok else 'FAILED'}: {record.archive or record.error}"
