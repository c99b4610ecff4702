"""The LINE webhook: /line/webhook/<station code or id>/ (LINE's servers call it)."""

import logging

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from community import services
from smartzone import access
from smartzone.links import public_url
from smartzone.models import Station

log = logging.getLogger(__name__)


def _station(key: str) -> Station:
    station = Station.objects.filter(code=key).first()
    if station is None and access.parse_id(key):
        station = Station.objects.filter(pk=access.parse_id(key)).first()
    if station is None:
        raise Http404
    return station


@csrf_exempt
@require_POST
def line_webhook(request, station: str):
    """Verify the X-Line-Signature over the raw body, then handle the events (idempotent)."""
    station_obj = _station(station)
    report_url = public_url(getattr(settings, "REPORT_FORM_URL", "/report/"), request)
    try:
        handled = services.webhook_receive(
            station=station_obj,
            body=request.body,
            signature=request.headers.get("X-Line-Signature", ""),
            report_url=report_url,
        )
    except services.WebhookRefused as exc:
        log.warning("LINE webhook for station %s refused: %s", station_obj.code, exc)
        return HttpResponseBadRequest("refused")
    return HttpResponse(f"ok {handled}", content_type="text/plain")
