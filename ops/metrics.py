"""Prometheus metrics: requests by view (a middleware), and gauges read at scrape time.

The gauges come from cheap queries (counts over indexed states) run by `PlatformCollector`
when /metrics is scraped, so they are right in every process without any process keeping them.
"""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django.utils.functional import empty
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ops import health, logs

log = logging.getLogger("smartzone.request")

REQUESTS = Counter(
    "smartzone_http_requests_total",
    "HTTP requests answered, by view, method and status class.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "smartzone_http_request_duration_seconds",
    "Time to answer an HTTP request, by view, method and status class.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or match._func_path) if match else "unresolved"


def _user_and_station(request) -> tuple[int | None, int | None]:
    # Read what is already known: no query here (the database may be why the request failed).
    user = getattr(request, "user", None)
    user = getattr(user, "_wrapped", user)  # the lazy user, only if something looked it up
    if user is None or user is empty or not getattr(user, "is_authenticated", False):
        return None, None
    user_id = getattr(user, "pk", None)
    profile = getattr(user, "_state", None) and user._state.fields_cache.get("officer")
    return user_id, getattr(profile, "station_id", None)


class RequestMetricsMiddleware:
    """Give each request an id, count and time it, and log one JSON line. Place first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = logs.incoming_request_id(request)
        token = logs.request_id_var.set(request.request_id)
        started = time.monotonic()
        response = None
        try:
            response = self.get_response(request)
            return response
        finally:
            self._observe(request, response, time.monotonic() - started)
            logs.request_id_var.reset(token)

    def _observe(self, request, response, duration: float) -> None:
        try:
            status = response.status_code if response is not None else 500
            view = view_name(request)
            labels = (view, request.method, f"{status // 100}xx")
            REQUESTS.labels(*labels).inc()
            LATENCY.labels(*labels).observe(duration)
            if response is not None:
                response["X-Request-ID"] = request.request_id
            user_id, station = _user_and_station(request)
            log.info(
                "%s %s %s %.0f ms",
                request.method,
                view,
                status,
                duration * 1000,
                extra={
                    "view": view,
                    "method": request.method,
                    "status": status,
                    "duration_ms": round(duration * 1000, 1),
                    "user_id": user_id,
                    "station": station,
                    "request_id": request.request_id,
                },
            )
        except Exception:  # counting must never break the answer
            log.exception("request metrics failed")


def _celery_queue_lengths() -> dict[str, int]:
    url = settings.CELERY_BROKER_URL
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        return {queue: sum(1 for p in folder.glob(f"*.{queue}.msg"))}
    if url.startswith(("redis://", "rediss://")):
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            return {queue: client.llen(queue)}
        finally:
            client.close()
    return {}


class PlatformCollector:
    """Read the platform's state from the database when scraped."""

    def collect(self):
        from cctv.models import AnalysisJob, Camera
        from community.models import DeliveryBatch
        from ops.models import TaskFailureCount
        from smartzone.models import Event
        from sos.models import Kiosk, SosEvent

        now = timezone.now()

        def gauge(name, text, value, labels=None):
            family = GaugeMetricFamily(name, text, labels=list(labels or {}))
            if labels:
                family.add_metric(list(labels.values()), value)
            else:
                family.add_metric([], value)
            return family

        open_sos = SosEvent.objects.exclude(state=SosEvent.State.CLOSED)
        yield gauge("smartzone_sos_open", "SOS not closed.", open_sos.count())
        oldest = open_sos.filter(state=SosEvent.State.RECEIVED).aggregate(t=Min("received_at"))["t"]
        yield gauge(
            "smartzone_sos_oldest_unacknowledged_age_seconds",
            "Age of the oldest SOS nobody acknowledged (0: none).",
            (now - oldest).total_seconds() if oldest else 0,
        )
        yield gauge(
            "smartzone_outbox_backlog",
            "Events written but not yet pushed to dashboards.",
            Event.objects.filter(published_at__isnull=True).count(),
        )
        unpushed = Event.objects.filter(published_at__isnull=True)
        oldest_event = unpushed.aggregate(t=Min("created_at"))
        yield gauge(
            "smartzone_outbox_oldest_age_seconds",
            "Age of the oldest event not yet pushed (0: none).",
            (now - oldest_event["t"]).total_seconds() if oldest_event["t"] else 0,
        )
        queues = GaugeMetricFamily(
            "smartzone_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
        )
        try:
            for queue, length in _celery_queue_lengths().items():
                queues.add_metric([queue], length)
        except Exception as exc:  # the broker down: the gauge is absent, the scrape goes on
            log.warning("celery queue length unavailable: %s", type(exc).__name__)
        yield queues
        failures = CounterMetricFamily(
            "smartzone_celery_task_failures", "Celery task failures, by task.", labels=["task"]
        )
        for task, count in TaskFailureCount.objects.values_list("task", "failures"):
            failures.add_metric([task], count)
        yield failures
        jobs = GaugeMetricFamily(
            "smartzone_analysis_jobs", "Video analysis jobs by state.", labels=["state"]
        )
        states = AnalysisJob.State
        for state in (states.QUEUED, states.RUNNING, states.FAILED):
            jobs.add_metric([state.value], AnalysisJob.objects.filter(state=state).count())
        yield jobs
        yield gauge(
            "smartzone_cameras_online",
            "Cameras whose last probe answered.",
            Camera.objects.filter(status=Camera.Status.ONLINE).count(),
        )
        yield gauge(
            "smartzone_kiosks_online",
            "SOS kiosks sending heartbeats (retired ones not counted).",
            Kiosk.objects.filter(status=Kiosk.Status.ONLINE, retired_at__isnull=True).count(),
        )
        yield gauge(
            "smartzone_line_deliveries_failing",
            "LINE delivery batches failed or being retried.",
            DeliveryBatch.objects.filter(
                state__in=[DeliveryBatch.State.FAILED, DeliveryBatch.State.RETRYING]
            ).count(),
        )
        age = health.backup_age_seconds()
        yield gauge(
            "smartzone_backup_age_seconds",
            "Age of the last good backup (-1: none yet).",
            age if age is not None else -1,
        )


def scrape_registry() -> CollectorRegistry:
    """Return a registry of the request metrics and the platform's gauges."""
    from prometheus_client import REGISTRY

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Forward(REGISTRY))
    registry.register(PlatformCollector())
    return registry


class _Forward:
    def __init__(self, source):
        self.source = source

    def collect(self):
        yield from self.source.collect()
