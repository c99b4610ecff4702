"""Reads of the patrol app: shifts on duty, visit windows, coverage, positions, nearby points."""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from patrol.models import (
    CheckIn,
    MissedVisit,
    OfficerPosition,
    PatrolPoint,
    PatrolShift,
    ShiftPoint,
)
from smartzone import geo, memo, registry

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


def _positions_shared(*, station_id: int, now: datetime) -> QuerySet[OfficerPosition]:
    """The positions of the last hour on the station's shifts that are on now, oldest first."""
    return OfficerPosition.objects.filter(
        shift__station_id=station_id,
        shift__starts_at__lte=now,
        shift__ends_at__gt=now,
        reported_at__gte=now - timedelta(hours=1),
    ).order_by("reported_at", "pk")


def current_positions(*, station_id: int, now: datetime) -> list[OfficerPosition]:
    """Return the latest position of each officer on a shift of the station that is on now.

    Read on every offer of an SOS or report: on PostgreSQL only the latest row of each
    (shift, officer) is read (DISTINCT ON, along the index), not the hour of positions that
    phones sharing every few seconds leave (50 officers: 36,000 rows)."""
    rows = _positions_shared(station_id=station_id, now=now).select_related("officer", "shift")
    if connection.vendor == "postgresql":
        rows = rows.order_by("shift_id", "officer_id", "-reported_at", "-pk").distinct(
            "shift_id", "officer_id"
        )
        return sorted(rows, key=lambda p: (p.reported_at, p.pk))
    latest = {}
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
    def incidents_per_visit(self) -> float | None:
        """Incidents near the point per check-in at it; an unvisited point counts one visit."""
        if self.incidents is None:
            return None
        return self.incidents / max(self.visits, 1)

    @property
    def suggested_interval(self) -> int | None:
        return None if self.incidents is None else suggest_interval(self.incidents, self.visits)

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


def incident_counts(
    *, station_id: int, points: list[PatrolPoint], since=None, until=None
) -> dict[int, int] | None:
    """Return {point id: incidents near it received in [SINCE, UNTIL)} from the registered
    incident provider, or None if no app provides incidents."""
    provider = registry.NEARBY_PROVIDERS.get(INCIDENT_KIND)
    if provider is None:
        return None
    return {
        p.pk: len(provider(station_id, p.lat, p.lng, INCIDENT_RADIUS_M, since=since, until=until))
        for p in points
    }


# The patrol advice: a point with no incidents is visited once a long night shift
# (BASE_INTERVAL_MINUTES); the interval shrinks as incidents per visit grow, as
# BASE / (1 + incidents per visit), rounded down to 10 minutes and kept within what a shift
# point allows (10 minutes to a day). E.g. 3 incidents and 5 visits: 480 / 1.6 = 300 minutes;
# 1 incident and no visit: 240; 10 incidents and 1 visit: 480 / 11 = 43.6 -> 40.
BASE_INTERVAL_MINUTES = 480
MIN_INTERVAL_MINUTES = 10
MAX_INTERVAL_MINUTES = 1440


def suggest_interval(incidents: int, visits: int) -> int:
    """Return the suggested minutes between visits of a point (the rule above)."""
    minutes = BASE_INTERVAL_MINUTES / (1 + incidents / max(visits, 1))
    minutes = int(minutes // 10 * 10)
    return max(MIN_INTERVAL_MINUTES, min(MAX_INTERVAL_MINUTES, minutes))


def rank_by_incidents(rows: list[CoverageRow], counts: Mapping[int, int]) -> list[CoverageRow]:
    """Return ROWS with their incident counts, the most incidents per visit first, then the
    most incidents, then the fewest visits (the points that most need more patrols on top)."""
    for row in rows:
        row.incidents = counts.get(row.point.pk, 0)
    return sorted(
        rows,
        key=lambda r: (-(r.incidents_per_visit or 0), -(r.incidents or 0), r.visits, r.point.name),
    )


def advice(*, station, since: datetime, until: datetime, now: datetime) -> list[CoverageRow]:
    """Return the station's points ranked for the patrol advice over [SINCE, UNTIL), each with
    its suggested interval; [] when no app provides incidents."""
    report = coverage(station=station, since=since, until=until, now=now)
    station_id = getattr(station, "pk", station)
    counts = incident_counts(
        station_id=station_id, points=[r.point for r in report.rows], since=since, until=until
    )
    return [] if counts is None else rank_by_incidents(list(report.rows), counts)


def shifts_to_advise(*, station_id: int, now: datetime) -> QuerySet[PatrolShift]:
    """The station's shifts the advice can still be applied to: those not yet over."""
    return PatrolShift.objects.filter(station_id=station_id, ends_at__gt=now).order_by("starts_at")


# --- nearest help ------------------------------------------------------------------------------


def _active_points(station_id: int) -> list[tuple]:
    points = PatrolPoint.objects.filter(station_id=station_id, active=True)
    return list(points.values_list("pk", "name", "lat", "lng"))


# Where the station's active points are, read on every SOS and report.
_points = memo.Memo(_active_points, watch=(PatrolPoint,))


def nearby_points(
    station_id: int, lat: float, lng: float, radius_m: float
) -> list[registry.NearbyItem]:
    """Return the station's active patrol points within RADIUS_M of (LAT, LNG)."""
    return registry.items_within("patrol_point", _points.get(station_id), lat, lng, radius_m)


def _latest_positions(station_id: int) -> list[tuple]:
    """(officer id, lat, lng) of each latest position shared on the station's shifts on now."""
    latest = {}
    rows = _positions_shared(station_id=station_id, now=timezone.now())
    if connection.vendor == "postgresql":  # the latest row of each, not the hour's (see above)
        rows = rows.order_by("shift_id", "officer_id", "-reported_at", "-pk").distinct(
            "shift_id", "officer_id"
        )
    rows = rows.values_list("officer_id", "shift_id", "lat", "lng")
    for officer_id, shift_id, o_lat, o_lng in rows:
        latest[(officer_id, shift_id)] = (officer_id, o_lat, o_lng)
    return list(latest.values())


# Read on every SOS and report. A position shared to this process, or a shift changed in it,
# is seen at once; one shared to another process within POSITIONS_MEMO_SECONDS (phones share
# every few seconds, so the copy is no older than the positions themselves are anyway).
POSITIONS_MEMO_SECONDS = 2.0
_positions = memo.Memo(
    _latest_positions, watch=(OfficerPosition, PatrolShift), seconds=POSITIONS_MEMO_SECONDS
)


def nearby_officers(
    station_id: int, lat: float, lng: float, radius_m: float
) -> list[registry.NearbyItem]:
    """Return the officers on a shift of the station now whose last shared position (within
    the hour) is within RADIUS_M of (LAT, LNG).

    The same positions as current_positions, read as plain values and kept for a moment
    (_positions); only the officers found nearby are read in full."""
    near = {}
    for officer_id, o_lat, o_lng in _positions.get(station_id):
        distance = geo.distance_m(lat, lng, o_lat, o_lng)
        if distance <= radius_m and distance < near.get(officer_id, (radius_m + 1,))[0]:
            near[officer_id] = (distance, o_lat, o_lng)
    if not near:
        return []
    users = get_user_model().objects.in_bulk(list(near))
    return [
        registry.NearbyItem(
            kind="officer",
            id=officer_id,
            name=users[officer_id].get_full_name() or users[officer_id].get_username(),
            lat=o_lat,
            lng=o_lng,
            distance_m=distance,
        )
        for officer_id, (distance, o_lat, o_lng) in near.items()
        if officer_id in users
    ]


def points_for_sheet(*, station_id: int) -> QuerySet[PatrolPoint]:
    return PatrolPoint.objects.filter(station_id=station_id, active=True).order_by("name")


def checkins_of(*, station_id: int, point_id: int | None = None) -> QuerySet[CheckIn]:
    rows = CheckIn.objects.filter(station_id=station_id).select_related("officer", "point")
    if point_id:
        rows = rows.filter(Q(point_id=point_id))
    return rows
