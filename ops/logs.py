"""Logs a tool can read: one JSON object per line, a request id carried into Celery tasks.

`JsonFormatter` writes time, level, logger, message and the context fields (request id, user
id, station, view or task, duration, status); it never writes the request's data, so no phone
number, name, token or password reaches the log. The request id comes from X-Request-ID when
a trusted proxy sets it (TRUSTED_PROXY_COUNT > 0), else it is made here; it rides along in the
headers of every task the request enqueues, and the worker logs it with the task's lines.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
HEADER = "request_id"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
# The fields a record may carry into the line (given with logging's extra=...).
FIELDS = ("user_id", "station", "view", "task", "task_id", "method", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for field in FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def new_request_id() -> str:
    return uuid.uuid4().hex


def incoming_request_id(request) -> str:
    """Return the proxy's X-Request-ID if a trusted proxy is in front and it looks sane."""
    from smartzone.clientaddr import trusted_proxy_count

    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if trusted_proxy_count() > 0 and _VALID_ID.match(given):
        return given
    return new_request_id()


# --- Celery: the request id in the task's headers, and a line per task -----------------------

task_log = logging.getLogger("smartzone.task")
_task_started: dict[str, float] = {}


def _before_publish(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(HEADER, request_id)


def _prerun(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, HEADER, None) or new_request_id()
    request_id_var.set(request_id)
    _task_started[task_id] = time.monotonic()
    task_log.info("task started", extra={"task": task.name, "task_id": task_id})


def _postrun(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    duration = round((time.monotonic() - started) * 1000, 1) if started else None
    task_log.info(
        "task finished",
        extra={"task": task.name, "task_id": task_id, "status": state, "duration_ms": duration},
    )
    request_id_var.set(None)


def _failure(sender=None, task_id=None, exception=None, **kwargs) -> None:
    from ops.services import task_failure_count

    name = getattr(sender, "name", str(sender))
    task_log.error(
        "task failed: %s", type(exception).__name__, extra={"task": name, "task_id": task_id}
    )
    try:
        task_failure_count(task=name)
    except Exception:  # the database may be why it failed
        task_log.warning("could not count the failure", extra={"task": name})


def connect_celery_signals() -> None:
    from celery import signals

    signals.before_task_publish.connect(_before_publish, weak=False)
    signals.task_prerun.connect(_prerun, weak=False)
    signals.task_postrun.connect(_postrun, weak=False)
    signals.task_failure.connect(_failure, weak=False)
