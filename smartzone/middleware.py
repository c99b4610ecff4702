import logging
import sys
import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from smartzone.errors import RETRY_AFTER_SECONDS

log = logging.getLogger(__name__)


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Speak Thai unless the person chose another language with the switch (a cookie).

    Many phones and desk computers in Thailand run an English browser; the station's interface
    should still open in Thai, so the browser's Accept-Language is not consulted.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)


class SessionLifetimeMiddleware:
    """End a session 12 hours after login, however active (idle expiry is SESSION_COOKIE_AGE).

    Place after AuthenticationMiddleware.
    """

    KEY = "_smartzone_login_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(self.KEY, now)
            if now - started > settings.SESSION_MAX_LIFETIME:
                logout(request)
        return self.get_response(request)


try:  # Redis serves the cache (rate limits) when REDIS_URL is set
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover - redis is a requirement
    RedisConnectionError = RedisTimeoutError = OperationalError

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRYABLE_ERRORS = (*DATABASE_ERRORS, RedisConnectionError, RedisTimeoutError)


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database (or Redis) fails under a request, not 500.

    A dropped connection (PostgreSQL restarted, failover, a cut network) raises OperationalError
    or InterfaceError. The broken connection is closed here, so the next request opens a new
    one. /api/ paths and JSON clients get {"detail": ...}; people get a short page. What the
    request wrote rolled back with its transaction; clients retry with the same idempotency key.
    Redis unreachable while a request needs the cache (the report rate limit) is answered the
    same way. Place before the session and authentication middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, DATABASE_ERROR, None) is not None:
            # Raised by a middleware inside this one (the session or user lookup): Django
            # already made it a 500 response, and the receiver below noted why.
            return self.process_exception(request, getattr(request, DATABASE_ERROR))
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, RETRYABLE_ERRORS):
            return None
        log.warning(
            "%s unavailable: %s %s: %s",
            "database" if isinstance(exception, DATABASE_ERRORS) else "redis",
            request.method,
            request.path,
            exception,
        )
        if isinstance(exception, DATABASE_ERRORS):
            _close_broken_connections()
        return database_unavailable_response(request)


DATABASE_ERROR = "_smartzone_database_error"


@receiver(got_request_exception, dispatch_uid="smartzone.note_database_error")
def _note_database_error(sender, request=None, **kwargs):
    """Remember on the request that its 500 came from an outage (sent inside the except)."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, RETRYABLE_ERRORS):
        setattr(request, DATABASE_ERROR, error)


def _close_broken_connections() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        try:
            if not conn.is_usable():
                conn.close()
        except DatabaseError:
            pass  # closing a dead connection may fail too; it is discarded either way


def database_unavailable_response(request) -> HttpResponse:
    message = _("The service is briefly unavailable. Please try again in a moment.")
    path = request.path_info
    if path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # No request context: the context processors would query the database again.
        html = render_to_string("503.html", {"message": message})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
