"""Whether an officer's phone page is open now, kept in the cache so every process sees it.

Each page's socket (dispatch.consumers.OfficerConsumer) marks itself open, under its own id in
the officer's entry, when it connects and on each ping the page sends (every PING_S); a mark
lasts TTL_S, so a page that vanished without closing its socket (a phone out of network) stops
counting within TTL_S. A closed socket removes its own mark only: the officer's other pages
(a second tab, the phone and a tablet) still count.

What it decides (dispatch.offers.offer_line_push): an offer goes to the officer's LINE account
at once when their page is not open; when it is open, the page rings, and LINE is used only if
the offer is still not accepted (nor declined) GRACE_S after it was made (a phone in a pocket
with the page open but the sound off, or a socket that looked open and was not).
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

PING_S = 20
TTL_S = 45


def grace_s() -> int:
    """Seconds an open page has to get the offer accepted before LINE is used as well."""
    return int(getattr(settings, "DISPATCH_LINE_GRACE_S", 15))


def _key(officer_id: int) -> str:
    return f"dispatch:pages:{officer_id}"


def _marks(officer_id: int, now: float) -> dict[str, float]:
    """The officer's pages seen within TTL_S: page id -> when."""
    marks = cache.get(_key(officer_id)) or {}
    return {page: seen for page, seen in marks.items() if now - seen < TTL_S}


def page_opened(officer_id: int, page: str = "") -> None:
    """The officer's PAGE (its socket's id) is open: connected or pinged now."""
    try:
        now = time.time()
        cache.set(_key(officer_id), _marks(officer_id, now) | {page: now}, timeout=TTL_S)
    except Exception as exc:  # no cache: the officer counts as away and LINE reaches them
        log.info("presence of officer %s not kept: %s", officer_id, exc)


def page_closed(officer_id: int, page: str = "") -> None:
    """The officer's PAGE closed; with no page left open the officer counts as away."""
    try:
        marks = _marks(officer_id, time.time())
        marks.pop(page, None)
        if marks:
            cache.set(_key(officer_id), marks, timeout=TTL_S)
        else:
            cache.delete(_key(officer_id))
    except Exception as exc:  # the mark expires on its own (TTL_S)
        log.info("presence of officer %s not cleared: %s", officer_id, exc)


def page_open(officer_id: int) -> bool:
    """Say whether a page of the officer was connected or pinged within TTL_S."""
    try:
        return bool(_marks(officer_id, time.time()))
    except Exception:  # the cache is down: better one LINE message too many than none
        return False
