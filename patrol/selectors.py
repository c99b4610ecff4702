"""Reads of the patrol app: shifts on duty, visit windows, coverage, positions, nearby points."""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from patrol.models import (
    CheckIn,
    MissedVisit,
    OfficerPosition,
    PatrolPoint,
    PatrolShift,
    ShiftPoint,
)
from smartzone import geo, registry

# --- shifts ------------------------------------------------------------------------------------


def shifts_on_duty(*, officer, at: datetime) -> QuerySet[PatrolShift]:
    return PatrolShift.objects.filter(officers=officer, starts_at__lte=at, ends_at__gt=at)


def active_shift_of(*, officer, at: datetime) -> PatrolShift | None:
    """Return the officer's shift at AT (the latest started if two overlap), or None."""
    return (
        shifts_on_duty(officer=officer, at=at)
        .select_related("station")
        .order_by("-starts_at")
        .first()
    )


def shift_for_checkin(*, officer, point: PatrolPoint, at: datetime) -> PatrolShift | None:
    """Return the shift a check-in belongs to: one on duty that plans POINT, else any on duty."""
    on_duty = shifts_on_duty(officer=officer, at=at).order_by("-starts_at")
    return on_duty.filter(plan__point=point).first() or on_duty.first()


def due_windows(
    *, now: datetime, lookback: timedelta
) -> Iterator[tuple[ShiftPoint, datetime, datetime]]:
    """Yield (shift point, window start, due) for every visit window already due, of shifts
    that started and did not end more than LOOKBACK ago."""
    plans = ShiftPoint.objects.filter(
        shift__starts_at__lte=now, shift__ends_at__gt=now - lookback
    ).select_related("shift__station", "point")
    for shift_point in plans:
        for start, due in shift_point.windows:
            if due <= now:
                yield shift_point, start, due


def visited(*, point_id: int, start: datetime, end: datetime) -> bool:
    """Say whether anyone checked in at the point (within its radius) in [START, END)."""
    return CheckIn.objects.filter(
        point_id=point_id, checked_at__gte=start, checked_at__lt=end, away_from_point=False
    ).exists()


def current_positions(*, station_id: int, now: datetime) -> list[OfficerPosition]:
    """Return the latest position of each officer on a shift of the station that is on now."""
    latest = {}
    rows = (
        OfficerPosition.objects.filter(
            shift__station_id=station_id,
            shift__starts_at__lte=now,
            shift__ends_at__gt=now,
            reported_at__gte=now - timedelta(hours=1),
        )
        .select_related("officer", "shift")
        .order_by("reported_at", "pk")
    )
    for position in rows:
        latest[(position.officer_id, position.shift_id)] = position
    return list(latest.values())


# --- coverage ----------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    point: PatrolPoint
    planned: int = 0  # visit windows due in the range
    met: int = 0  # of those, windows with at least one check-in within the radius
    visits: int = 0  # check-ins within the radius in the range
    away: int = 0  # check-ins flagged "away from point" in the range
    alerted: int = 0  # misses the desk was alerted about (the periodic task)
    incidents: int | None = None

    @property
    def missed(self) -> int:
        return self.planned - self.met

    @property
    def met_percent(self) -> int | None:
        return round(100 * self.met / self.planned) if self.planned else None


@dataclass
class Coverage:
    since: datetime
    until: datetime
    rows: list[CoverageRow]
    heat: list[dict] = field(default_factory=list)
    flagged: list[CheckIn] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.rows)

    @property
    def totals(self) -> dict:
        names = ["planned", "met", "missed", "visits", "away", "alerted"]
        return {name: self.total(name) for name in names}


def coverage(*, station, since: datetime, until: datetime, now: datetime) -> Coverage:
    """Return visits per point against the plan for check-ins and windows due in [SINCE, UNTIL).

    A window counts as planned once it is due (and not after NOW); it is met by a check-in
    within the point's radius made inside the window.
    """
    station_id = getattr(station, "pk", station)
    points = PatrolPoint.objects.filter(station_id=station_id)
    rows = {p.pk: CoverageRow(point=p) for p in points}
    plans = list(
        ShiftPoint.objects.filter(
            shift__station_id=station_id,
            shift__starts_at__lt=until,
            shift__ends_at__gt=since,
        ).select_related("shift")
    )
    windows = [
        (plan.point_id, start, due)
        for plan in plans
        for start, due in plan.windows
        if since <= due < until and due <= now
    ]
    earliest = min([since, *(start for _, start, _ in windows)])
    checkins = list(
        CheckIn.objects.filter(
            station_id=station_id, checked_at__gte=earliest, checked_at__lt=until
        )
        .select_related("officer", "point")
        .order_by("checked_at")
    )
    visit_times = defaultdict(list)
    for checkin in checkins:
        if not checkin.away_from_point:
            visit_times[checkin.point_id].append(checkin.checked_at)
        if checkin.checked_at < since:
            continue
        row = rows[checkin.point_id]
        if checkin.away_from_point:
            row.away += 1
        else:
            row.visits += 1
    for point_id, start, due in windows:
        row = rows[point_id]
        row.planned += 1
        if any(start <= t < due for t in visit_times[point_id]):
            row.met += 1
    misses = MissedVisit.objects.filter(
        point__station_id=station_id, due_at__gte=since, due_at__lt=until
    ).values_list("point_id", flat=True)
    for point_id in misses:
        rows[point_id].alerted += 1
    in_range = [c for c in checkins if c.checked_at >= since]
    return Coverage(
        since=since,
        until=until,
        rows=sorted(rows.values(), key=lambda r: r.point.name),
        heat=[{"lat": c.lat, "lng": c.lng, "away": c.away_from_point} for c in in_range],
        flagged=[c for c in in_range if c.away_from_point],
    )


# The incidents app can offer incidents near a point through the registry's nearby providers
# (kind "incident"); patrol never imports it. Incidents within this distance of a point count
# for the point.
INCIDENT_KIND = "incident"
INCIDENT_RADIUS_M = 150


def incident_counts(*, station_id: int, points: list[PatrolPoint]) -> dict[int, int] | None:
    """Return {point id: incidents near it} from the registered incident provider, or None if
    no app provides incidents."""
    provider = registry.NEARBY_PROVIDERS.get(INCIDENT_KIND)
    if provider is None:
        return None
    return {p.pk: len(provider(station_id, p.lat, p.lng, INCIDENT_RADIUS_M)) for p in points}


def rank_by_incidents(rows: list[CoverageRow], counts: Mapping[int, int]) -> list[CoverageRow]:
    """Return ROWS with their incident counts, most incidents first, then fewest visits first
    (the points that most need more patrols on top)."""
    for row in rows:
        row.incidents = counts.get(row.point.pk, 0)
    return sorted(rows, key=lambda r: (-(r.incidents or 0), r.visits, r.point.name))


# --- nearest help ------------------------------------------------------------------------------


def nearby_points(
    station_id: int, lat: float, lng: float, radius_m: float
) -> list[registry.NearbyItem]:
    """Return the station's active patrol points within RADIUS_M of (LAT, LNG)."""
    items = []
    for point in PatrolPoint.objects.filter(station_id=station_id, active=True):
        distance = geo.distance_m(lat, lng, point.lat, point.lng)
        if distance <= radius_m:
            items.append(
                registry.NearbyItem(
                    kind="patrol_point",
                    id=point.pk,
                    name=point.name,
                    lat=point.lat,
                    lng=point.lng,
                    distance_m=distance,
                )
            )
    return items


def points_for_sheet(*, station_id: int) -> QuerySet[PatrolPoint]:
    return PatrolPoint.objects.filter(station_id=station_id, active=True).order_by("name")


def checkins_of(*, station_id: int, point_id: int | None = None) -> QuerySet[CheckIn]:
    rows = CheckIn.objects.filter(station_id=station_id).select_related("officer", "point")
    if point_id:
        rows = rows.filter(Q(point_id=point_id))
    return rows
