"""The client's address, as far as it can be trusted: the one place rate limits, lockouts and
stored reporter addresses read it from.

With `TRUSTED_PROXY_COUNT = 0` (the default: clients reach the server directly) it is
REMOTE_ADDR. Behind N trusted proxies, each appends to X-Forwarded-For the address it received
the request from, so the N-th entry from the right is the address the outermost trusted proxy
saw; whatever stands left of it was written by the client and is ignored. A header with fewer
entries than that (the request did not pass every proxy), no header, or an entry that is not an
address falls back to REMOTE_ADDR, never to an address the client chose.
"""

import ipaddress

from django.conf import settings

# What rate limits count a request under when even REMOTE_ADDR is unusable (a Unix socket):
# such requests share one budget rather than going unlimited or failing.
UNKNOWN = "0.0.0.0"  # noqa: S104 - a bucket name, nothing binds to it


def _address(text: str) -> str | None:
    """Return TEXT as a normalised IP address (dropping a :port or [ ]), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.5:443"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def trusted_proxy_count() -> int:
    return max(int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0), 0)


def client_address(request) -> str | None:
    """Return the address of the client that sent REQUEST, or None if it is unknown."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    count = trusted_proxy_count()
    if count == 0:
        return remote
    entries = (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    entries = [entry for entry in (e.strip() for e in entries) if entry]
    if len(entries) < count:
        return remote
    return _address(entries[-count]) or remote


def ratelimit_address(request) -> str:
    """The rate-limit key of REQUEST (django-ratelimit's RATELIMIT_IP_META_KEY)."""
    return client_address(request) or UNKNOWN
