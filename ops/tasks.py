import subprocess
import sys

from celery import shared_task
from django.conf import settings


@shared_task(ignore_result=True)
def backup_daily() -> str:
    """Make the day's backup unless one younger than 20 hours exists, and prune old archives.

    Runs `manage.py backup` in a child process: it lowers its own priority (ops.throttle) and
    its memory goes when it ends, leaving this worker as it was. Safe to run often.
    """
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "backup", "--if-older-than-hours", "20"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip()[-1000:])
    return done.stdout.strip()
