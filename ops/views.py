import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ops import health, metrics
from smartzone import access
from smartzone.clientaddr import client_address


@require_GET
def healthz(request):
    """Say the process is up (cheap, touches nothing); with ?ready=1, whether it is ready."""
    if request.GET.get("ready"):
        return healthz_ready(request)
    return JsonResponse({"status": "up"})


@require_GET
def healthz_ready(request):
    """Say whether the database, channel layer, broker and disk let this process serve (200
    "ready", 503 "not ready"), and whether the last good backup is overdue (200 "ready, backup
    overdue"; 503 with ?strict=1, for a monitor that reads only the status code)."""
    status, checks = health.readiness()
    failing = status == health.NOT_READY or (status == health.OVERDUE and request.GET.get("strict"))
    return JsonResponse({"status": status, "checks": checks}, status=503 if failing else 200)


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:], token):
        return True
    address = client_address(request)
    if not address:
        return False
    ip = ipaddress.ip_address(address)
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


@require_GET
def metrics_view(request):
    """Serve the Prometheus metrics to METRICS_ALLOWED_IPS or a bearer METRICS_TOKEN."""
    if not _metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    body = generate_latest(metrics.scrape_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


@access.officer_required
@require_GET
def backup_status(request):
    """Tell the duty desk whether the last good backup is too old."""
    age = health.backup_age_seconds()
    max_hours = settings.BACKUP_MAX_AGE_HOURS
    stale = age is None or age > max_hours * 3600
    if age is None:
        text = _("No backup of the platform has been made yet. Tell the administrator.")
    else:
        text = _(
            "The last backup of the platform is %(hours)d hours old. Tell the administrator."
        ) % {"hours": age // 3600}
    return JsonResponse(
        {
            "stale": stale,
            "age_hours": None if age is None else round(age / 3600, 1),
            "max_age_hours": max_hours,
            "text": text if stale else "",
        }
    )
