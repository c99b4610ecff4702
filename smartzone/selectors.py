"""Reads of the core app that cross relations or need care to stay fast."""

import copy

from django.db.models import Q, QuerySet

from smartzone import geo, memo
from smartzone.models import Event, SafetyZone, Station

CATCH_UP_BATCH = 500


def _load_places() -> tuple[list, list[Station]]:
    zones = SafetyZone.objects.select_related("station").order_by("pk")
    return [(zone, zone.polygon) for zone in zones], list(Station.objects.order_by("pk"))


# Zones (with their parsed polygons) and stations, as station_for_point reads them.
_places = memo.Memo(_load_places, watch=(SafetyZone, Station))


def station_for_point(*, lat: float, lng: float) -> tuple[Station | None, SafetyZone | None]:
    """Return (station, zone) for a point: the station of the zone holding it, else the nearest
    station and no zone. (None, None) when no station exists. Reports and phone SOS go there.
    The rows are copies of the per-process memo: changing them changes nothing else."""
    zones, stations = _places.get()
    for zone, polygon in zones:
        if geo.contains(polygon, lat=lat, lng=lng):
            zone = copy.copy(zone)
            return copy.copy(zone.station), zone
    if not stations:
        return None, None
    nearest = min(stations, key=lambda s: geo.distance_m(lat, lng, s.lat, s.lng))
    return copy.copy(nearest), None


def zone_holding(*, station_id: int, lat: float, lng: float) -> SafetyZone | None:
    """Return the station's zone holding the point (a copy of the memo's row), else None."""
    zones, _stations = _places.get()
    for zone, polygon in zones:
        if zone.station_id == station_id and geo.contains(polygon, lat=lat, lng=lng):
            return copy.copy(zone)
    return None


def events_after(*, station_id: int, after_id: int, limit: int = CATCH_UP_BATCH) -> list[Event]:
    """Return the station's events with id above AFTER_ID, oldest first, at most LIMIT."""
    return list(Event.objects.filter(station_id=station_id, pk__gt=after_id).order_by("pk")[:limit])


# How far back (in the station's events) a reconnecting dashboard looks for late arrivals.
LATE_LOOKBACK = 200


def events_relayed_late(*, station_id: int, after_id: int) -> list[Event]:
    """Return the station's events with ids below AFTER_ID that were sent after event AFTER_ID
    was written, oldest first.

    Ids follow the order of writing, not of sending: an event a worker wrote (relayed a moment
    later) can reach dashboards after a newer one the web process pushed at once. A dashboard
    that reconnects with `after=AFTER_ID` gets these too and drops those it has already shown;
    those not sent at all yet reach it live from the relay.
    """
    mark = Event.objects.filter(pk=after_id).values_list("created_at", flat=True).first()
    if mark is None:
        return []
    recent = Event.objects.filter(station_id=station_id, pk__lt=after_id).order_by("-pk")[
        :LATE_LOOKBACK
    ]
    late = [e for e in recent if e.published_at is not None and e.published_at >= mark]
    return late[::-1]


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
