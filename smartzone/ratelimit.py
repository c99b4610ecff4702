"""The client address that rate limits count by (django-ratelimit's RATELIMIT_IP_META_KEY)."""

import ipaddress

from django.conf import settings

UNKNOWN = "0.0.0.0"  # noqa: S104 (an address to count by, not one to bind to)


def client_ip(request) -> str:
    """Return the client's address: behind the production proxy the first of X-Forwarded-For.

    A missing or malformed header falls back to REMOTE_ADDR, and a request with neither (a
    unix-socket server) counts as UNKNOWN: one shared bucket, never an error for the client.
    """
    values = [request.META.get("REMOTE_ADDR") or ""]
    if settings.CLIENT_IP_FROM_FORWARDED_FOR:
        values.insert(0, (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")[0])
    for value in values:
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            continue
    return UNKNOWN
