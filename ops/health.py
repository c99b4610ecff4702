"""Readiness checks: can this process serve? Each returns (ok, detail); none takes long."""

import shutil
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ops.models import BackupRecord

TIMEOUT_S = 1.0


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
    try:
        client.ping()
    finally:
        client.close()


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        connection.close_if_unusable_or_obsolete()
        return False, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    return True, connection.vendor


def check_channel_layer() -> tuple[bool, str]:
    layer = settings.CHANNEL_LAYERS["default"]
    if not layer["BACKEND"].startswith("channels_redis"):
        return True, "in-memory"
    try:
        _redis_ping(layer["CONFIG"]["hosts"][0]["address"])
    except Exception as exc:
        return False, f"redis: {type(exc).__name__}"
    return True, "redis"


def check_broker() -> tuple[bool, str]:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return folder.is_dir(), "filesystem"
    if url.startswith(("redis://", "rediss://")):
        try:
            _redis_ping(url)
        except Exception as exc:
            return False, f"redis: {type(exc).__name__}"
        return True, "redis"
    return True, url.split("://")[0]


def check_disk() -> tuple[bool, str]:
    free_mb = shutil.disk_usage(settings.DATA_DIR).free // (1 << 20)
    return free_mb >= settings.HEALTH_MIN_FREE_MB, f"{free_mb} MB free"


def backup_age_seconds() -> float | None:
    """Return the age of the last good backup, or None if there is none."""
    last = BackupRecord.objects.filter(ok=True).order_by("-finished_at").values("finished_at")
    row = last.first()
    return (timezone.now() - row["finished_at"]).total_seconds() if row else None


def check_backup() -> tuple[bool, str]:
    age = backup_age_seconds()
    if age is None:
        return False, "no good backup yet"
    return age <= settings.BACKUP_MAX_AGE_HOURS * 3600, f"last good backup {age / 3600:.1f} h ago"


# Failing these takes the process out of rotation (503). A stale backup is its own status,
# "ready, backup overdue" (still 200): answering 503 would make a load balancer drop every web
# process, taking SOS and reports off the air, and would not make a backup. A monitor that reads
# only the status code asks /healthz/ready?strict=1, which answers 503 for it too.
CHECKS = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
    "disk": check_disk,
}
WARNINGS = {"backup": check_backup}
READY, NOT_READY, OVERDUE = "ready", "not ready", "ready, backup overdue"


def readiness() -> tuple[str, dict]:
    """Run every check; return (READY, NOT_READY or OVERDUE, {name: {ok, detail, ms}})."""
    results, status = {}, READY
    for name, check in (CHECKS | WARNINGS).items():
        started = time.monotonic()
        try:
            ok, detail = check()
        except Exception as exc:  # a check that cannot run counts as failed (database down)
            ok, detail = False, type(exc).__name__
        elapsed_ms = round((time.monotonic() - started) * 1000)
        results[name] = {"ok": ok, "detail": detail, "ms": elapsed_ms}
        if name in CHECKS and not ok:
            status = NOT_READY
        if name in WARNINGS:
            results[name]["fatal"] = False
            if not ok and status == READY:
                status = OVERDUE
    return status, results
