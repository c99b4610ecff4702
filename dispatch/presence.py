"""Whether an officer's phone page is open now, kept in the cache so every process sees it.

The page's socket (dispatch.consumers.OfficerConsumer) marks the officer present when it
connects and on each ping the page sends (every PING_S); the mark lasts TTL_S, so a page that
vanished without closing its socket (a phone out of network) stops counting within TTL_S. A
closed socket clears the mark at once; another page of the same officer still open marks it
again at its next ping.

What it decides (dispatch.offers.offer_line_push): an offer goes to the officer's LINE account
at once when their page is not open; when it is open, the page rings, and LINE is used only if
the offer is still not accepted (nor declined) GRACE_S after it was made (a phone in a pocket
with the page open but the sound off, or a socket that looked open and was not).
"""

import logging

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

PING_S = 20
TTL_S = 45


def grace_s() -> int:
    """Seconds an open page has to get the offer accepted before LINE is used as well."""
    return int(getattr(settings, "DISPATCH_LINE_GRACE_S", 15))


def _key(officer_id: int) -> str:
    return f"dispatch:page:{officer_id}"


def page_opened(officer_id: int) -> None:
    """The officer's page is open (connected or pinged now)."""
    try:
        cache.set(_key(officer_id), 1, timeout=TTL_S)
    except Exception as exc:  # no cache: the officer counts as away and LINE reaches them
        log.info("presence of officer %s not kept: %s", officer_id, exc)


def page_closed(officer_id: int) -> None:
    try:
        cache.delete(_key(officer_id))
    except Exception as exc:  # the mark expires on its own (TTL_S)
        log.info("presence of officer %s not cleared: %s", officer_id, exc)


def page_open(officer_id: int) -> bool:
    """Say whether the officer's page was connected or pinged within TTL_S."""
    try:
        return bool(cache.get(_key(officer_id)))
    except Exception:  # the cache is down: better one LINE message too many than none
        return False
