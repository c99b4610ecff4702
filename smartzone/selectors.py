"""Reads of the core app that cross relations or need care to stay fast."""

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
