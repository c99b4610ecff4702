"""Reads of the core app that cross relations or need care to stay fast."""

from django.db.models import Q, QuerySet

from smartzone.models import Event

CATCH_UP_BATCH = 500


def events_after(*, station_id: int, after_id: int, limit: int = CATCH_UP_BATCH) -> list[Event]:
    """Return the station's events with id above AFTER_ID, oldest first, at most LIMIT."""
    return list(Event.objects.filter(station_id=station_id, pk__gt=after_id).order_by("pk")[:limit])


def latest_events(*, station_id: int, limit: int = 50) -> list[Event]:
    """Return the station's newest events, oldest first."""
    newest = Event.objects.filter(station_id=station_id).order_by("-pk")[:limit]
    return list(reversed(list(newest)))


def last_event_id(*, station_id: int) -> int:
    last = Event.objects.filter(station_id=station_id).order_by("-pk").values_list("pk", flat=True)
    return last.first() or 0


# Kinds the timeline list leaves out: an officer's position every few seconds says nothing a
# reader needs and would bury everything else (the dashboard map still shows them).
TIMELINE_HIDDEN_KINDS = ("patrol.position",)


def timeline_page(*, limit: int = 50, **filters) -> list[Event]:
    """Return one page of the station's timeline, newest first (see timeline_query)."""
    return list(timeline_query(**filters)[:limit])


def timeline_query(
    *,
    station_id: int,
    kinds: list[str] | None = None,
    zone_id: int | None = None,
    since=None,
    until=None,
    text: str = "",
    before_id: int | None = None,
) -> QuerySet[Event]:
    """Return the station's events newest first, filtered.

    KINDS are kind prefixes ("sos", "incident.report"); BEFORE_ID continues from the last id of
    the previous page (keyset pagination: the page costs the same however deep it is).
    """
    events = (
        Event.objects.filter(station_id=station_id)
        .exclude(kind__in=TIMELINE_HIDDEN_KINDS)
        .select_related("zone")
    )
    if kinds:
        prefix_filter = Q()
        for kind in kinds:
            prefix_filter |= Q(kind=kind) | Q(kind__startswith=f"{kind}.")
        events = events.filter(prefix_filter)
    if zone_id:
        events = events.filter(zone_id=zone_id)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    if text:
        events = events.filter(text__icontains=text)
    if before_id:
        events = events.filter(pk__lt=before_id)
    return events.order_by("-pk")
