"""Reads of the incidents app: where a point belongs, officers' lists, duplicates, the map."""

from datetime import timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from incidents.models import (
    Category,
    Report,
    ReportUpdate,
    format_tracking_code,
    normalise_tracking_code,
)
from smartzone import access, geo, memo, registry

DUPLICATE_RADIUS_M = 150
DUPLICATE_WINDOW = timedelta(hours=2)


def _active_categories() -> dict[str, Category]:
    return {category.code: category for category in Category.objects.filter(active=True)}


# The offered categories by code, read on every report (admins change them a few times a year).
_categories = memo.Memo(_active_categories, watch=(Category,))


def active_category(code: str) -> Category | None:
    """Return the offered category of CODE, or None."""
    return _categories.get().get(code)


def reports_for(user) -> QuerySet[Report]:
    """The reports USER may see, with what the lists show."""
    return access.scope(
        Report.objects.select_related("category", "station", "zone", "assigned_officer"), user
    )


def report_filter(
    queryset: QuerySet[Report],
    *,
    state: str | None = None,
    category=None,
    since=None,
    until=None,
    in_zone: bool | None = None,
    bbox: tuple[float, float, float, float] | None = None,
) -> QuerySet[Report]:
    """Apply the list filters; BBOX is (west, south, east, north) in degrees."""
    if state:
        queryset = queryset.filter(state=state)
    if category:
        queryset = queryset.filter(category=category)
    if since:
        queryset = queryset.filter(created_at__gte=since)
    if until:
        queryset = queryset.filter(created_at__lt=until)
    if in_zone is not None:
        queryset = queryset.filter(outside_zone=not in_zone)
    if bbox:
        west, south, east, north = bbox
        queryset = queryset.filter(lat__gte=south, lat__lte=north, lng__gte=west, lng__lte=east)
    return queryset


def report_detail_for(user, pk: int) -> Report:
    """Return the report with its photos, updates and timeline, or 404 for another station's."""
    queryset = Report.objects.select_related(
        "category", "station", "zone", "assigned_officer", "duplicate_of"
    ).prefetch_related(
        "photos",
        Prefetch("updates", queryset=ReportUpdate.objects.select_related("author")),
        "transitions",
        "merged_reports",
    )
    return access.get_for_user(queryset, user, pk=pk)


def duplicate_candidates(report: Report) -> list[tuple[Report, float]]:
    """Return open reports of the same station and category within 150 m and 2 hours of
    REPORT, nearest first, each with its distance in metres."""
    near = (
        Report.objects.filter(
            station_id=report.station_id,
            category_id=report.category_id,
            created_at__gte=report.created_at - DUPLICATE_WINDOW,
            created_at__lte=report.created_at + DUPLICATE_WINDOW,
            **geo.box_around(report.lat, report.lng, DUPLICATE_RADIUS_M),
        )
        .exclude(pk=report.pk)
        .exclude(state=Report.State.REJECTED)
        .select_related("category")
    )
    found = []
    for other in near[:50]:
        distance = geo.distance_m(report.lat, report.lng, other.lat, other.lng)
        if distance <= DUPLICATE_RADIUS_M:
            found.append((other, distance))
    return sorted(found, key=lambda pair: pair[1])


def report_by_code(code: str) -> Report | None:
    """Return the report with this tracking code, or None. One indexed query whatever CODE is,
    so a lookup of a wrong code costs what a right one does."""
    normal = normalise_tracking_code(code)
    return (
        Report.objects.select_related("category")
        .prefetch_related(
            Prefetch("updates", queryset=ReportUpdate.objects.filter(public=True)),
        )
        .filter(tracking_code=normal)
        .first()
    )


def public_updates(report: Report) -> list[ReportUpdate]:
    return [u for u in report.updates.all() if u.public]


def geojson_features(queryset: QuerySet[Report], *, limit: int) -> list[dict]:
    """The newest LIMIT reports of QUERYSET as GeoJSON point features, with the few properties
    the map needs (built from plain tuples: this runs for every map move)."""
    rows = queryset.order_by("-created_at").values_list(
        "pk",
        "lat",
        "lng",
        "state",
        "kind",
        "tracking_code",
        "category__code",
        "category__name",
        "category__name_en",
        "outside_zone",
        "created_at",
    )[:limit]
    english = get_language() == "en"
    return [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "id": pk,
                "code": f"{code[:4]}-{code[4:]}",
                "state": state,
                "kind": kind,
                "category": category,
                "category_label": name_en if english and name_en else name,
                "outside_zone": outside,
                "created_at": created.isoformat(),
            },
        }
        for pk, lat, lng, state, kind, code, category, name, name_en, outside, created in rows
    ]


def open_filter() -> Q:
    return ~Q(state__in=[Report.State.RESOLVED, Report.State.REJECTED])


def nearby_reports(
    station_id: int, lat: float, lng: float, radius_m: float, *, since=None, until=None
) -> list[registry.NearbyItem]:
    """Return the station's reports received in [SINCE, UNTIL) within RADIUS_M of (LAT, LNG),
    as the registry's "incident" items. Rejected reports (spam, duplicates merged into another,
    not a police matter) are not incidents."""
    rows = Report.objects.filter(
        station_id=station_id,
        **geo.box_around(lat, lng, radius_m),
    ).exclude(state=Report.State.REJECTED)
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    items = []
    for pk, code, r_lat, r_lng in rows.values_list("pk", "tracking_code", "lat", "lng"):
        distance = geo.distance_m(lat, lng, r_lat, r_lng)
        if distance <= radius_m:
            items.append(
                registry.NearbyItem(
                    "incident", pk, format_tracking_code(code), r_lat, r_lng, distance
                )
            )
    return items


QUEUE_LIMIT = 20


def queue_items(station_id: int) -> list[registry.QueueItem]:
    """The station's new reports (the oldest QUEUE_LIMIT, longest waiting first) with their
    nearest help and the desk's actions: accept (triage), or accept and send the nearest
    officer on shift."""
    waiting = (
        Report.objects.filter(station_id=station_id, state=Report.State.NEW)
        .select_related("category")
        .order_by("created_at")[:QUEUE_LIMIT]
    )
    items = []
    for report in waiting:
        nearby = registry.queue_nearby(station_id=station_id, lat=report.lat, lng=report.lng)
        transition = reverse("report-transition", args=[report.pk])
        triage = (transition, {"to_state": Report.State.TRIAGED})
        actions = [registry.QueueAction("triage", _("Accept"), (triage,))]
        officer = registry.nearest_officer(nearby)
        if officer is not None:
            send = (transition, {"to_state": Report.State.DISPATCHED, "officer": officer["id"]})
            label = _("Accept and send %(name)s (%(distance)d m)") % {
                "name": officer["name"],
                "distance": officer["distance_m"],
            }
            actions.append(registry.QueueAction("dispatch", label, (triage, send)))
        description = report.description.strip()
        items.append(
            registry.QueueItem(
                kind="report",
                id=report.pk,
                kind_label=report.get_kind_display(),
                title=f"{report.category.label} · {report.display_code}",
                detail=description[:140] + ("…" if len(description) > 140 else ""),
                state=report.state,
                state_label=report.get_state_display(),
                since=report.created_at.isoformat(),
                url=reverse("incidents:detail", args=[report.pk]),
                lat=report.lat,
                lng=report.lng,
                phone="" if report.anonymous else report.reporter_phone,
                nearby=nearby,
                actions=tuple(actions),
            )
        )
    return items
