"""Reads of the dispatch app: who is free and where, officers' status, an officer's work."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from dispatch.models import DEFAULT_OFFER_TIMEOUT_S, Assignment, DispatchPolicy
from patrol import selectors as patrol_selectors
from patrol.models import PatrolShift
from smartzone import geo


class Status:
    """An officer's status, as the desk and the phone show it."""

    AVAILABLE = "available"
    ASSIGNED = "assigned"
    ON_THE_WAY = "on_the_way"
    ON_SCENE = "on_scene"
    OFF_DUTY = "off_duty"


STATUS_OF_STATE = {
    Assignment.State.OFFERED: Status.ASSIGNED,
    Assignment.State.ACCEPTED: Status.ASSIGNED,
    Assignment.State.ON_THE_WAY: Status.ON_THE_WAY,
    Assignment.State.ON_SCENE: Status.ON_SCENE,
}


def policy_of(station_id: int) -> tuple[int, bool]:
    """Return the station's (seconds to accept an offer, offer new SOS at once)."""
    row = DispatchPolicy.objects.filter(station_id=station_id).values_list(
        "offer_timeout_s", "auto_offer_sos"
    )
    return row.first() or (DEFAULT_OFFER_TIMEOUT_S, False)


def shifts_on(*, station_id: int, now: datetime) -> QuerySet[PatrolShift]:
    return PatrolShift.objects.filter(station_id=station_id, starts_at__lte=now, ends_at__gt=now)


def active_assignments(*, station_id: int) -> QuerySet[Assignment]:
    return Assignment.objects.filter(station_id=station_id, state__in=Assignment.ACTIVE)


def officer_status(*, officer, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if patrol_selectors.active_shift_of(officer=officer, at=now) is None:
        return Status.OFF_DUTY
    current = (
        Assignment.objects.filter(officer=officer, state__in=Assignment.ACTIVE)
        .order_by("-offered_at")
        .values_list("state", flat=True)
        .first()
    )
    return STATUS_OF_STATE.get(current, Status.AVAILABLE)


@dataclass
class Unit:
    """An officer on shift now: where they were last seen, and what they are doing."""

    officer_id: int
    name: str
    shift_id: int
    status: str
    lat: float | None = None
    lng: float | None = None
    position_at: datetime | None = None
    distance_m: float | None = None
    position_age_s: float | None = None

    def as_payload(self) -> dict:
        return {
            "officer": self.officer_id,
            "name": self.name,
            "shift": self.shift_id,
            "status": self.status,
            "lat": self.lat,
            "lng": self.lng,
            "position_at": self.position_at.isoformat() if self.position_at else None,
            "distance_m": None if self.distance_m is None else round(self.distance_m),
            "position_age_s": None if self.position_age_s is None else round(self.position_age_s),
        }


def units(*, station_id: int, now: datetime | None = None) -> list[Unit]:
    """Return the officers on a shift of the station now, each with status and last position."""
    now = now or timezone.now()
    on_shift = {}
    for shift in shifts_on(station_id=station_id, now=now).order_by("starts_at"):
        for officer_id in shift.officers.values_list("pk", flat=True):
            on_shift[officer_id] = shift.pk
    if not on_shift:
        return []
    users = get_user_model().objects.in_bulk(list(on_shift))
    busy = {}
    for officer_id, state in (
        active_assignments(station_id=station_id)
        .order_by("offered_at")
        .values_list("officer_id", "state")
    ):
        busy[officer_id] = STATUS_OF_STATE[state]
    positions = {
        p.officer_id: p
        for p in patrol_selectors.current_positions(station_id=station_id, now=now)
        if p.officer_id in on_shift
    }
    result = []
    for officer_id, shift_id in on_shift.items():
        user = users.get(officer_id)
        if user is None or not user.is_active:
            continue
        unit = Unit(
            officer_id=officer_id,
            name=user.get_full_name() or user.get_username(),
            shift_id=shift_id,
            status=busy.get(officer_id, Status.AVAILABLE),
        )
        position = positions.get(officer_id)
        if position is not None:
            unit.lat, unit.lng, unit.position_at = position.lat, position.lng, position.reported_at
            unit.position_age_s = max(0.0, (now - position.reported_at).total_seconds())
        result.append(unit)
    return result


def free_units_near(
    *,
    station_id: int,
    lat: float | None,
    lng: float | None,
    now: datetime | None = None,
    exclude: set[int] = frozenset(),
) -> list[Unit]:
    """Return the available officers on shift, nearest first (those with no position last)."""
    free = [
        u
        for u in units(station_id=station_id, now=now)
        if u.status == Status.AVAILABLE and u.officer_id not in exclude
    ]
    for unit in free:
        if unit.lat is not None and lat is not None and lng is not None:
            unit.distance_m = geo.distance_m(lat, lng, unit.lat, unit.lng)
    return sorted(
        free, key=lambda u: (u.distance_m is None, u.distance_m or 0, u.position_age_s or 0)
    )


def assignments_of(*, officer) -> QuerySet[Assignment]:
    """The officer's own assignments, newest first."""
    return Assignment.objects.filter(officer=officer).select_related("sos", "report", "shift")


def queue_items(station_id: int) -> list:
    """The desk's queue cards of the units at work: who has which SOS or report, and how far
    they got (offered, accepted, on the way, on scene), the oldest first."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from smartzone import registry

    items = []
    rows = (
        active_assignments(station_id=station_id)
        .select_related("officer", "sos__kiosk", "report__category")
        .order_by("offered_at")
    )
    for a in rows:
        item = a.item
        if a.kind == Assignment.Kind.SOS:
            title = item.kiosk.name if item.kiosk_id else _("SOS from a phone")
            url = reverse("sos:detail", args=[item.pk])
        else:
            title = f"{item.category.label} · {item.display_code}"
            url = reverse("incidents:detail", args=[item.pk])
        officer = a.officer.get_full_name() or a.officer.get_username()
        items.append(
            registry.QueueItem(
                kind="unit",
                id=a.pk,
                kind_label=_("Unit"),
                title=f"{officer} → {title}",
                state=a.state,
                state_label=a.get_state_display(),
                since=a.offered_at.isoformat(),
                url=url,
                lat=item.lat,
                lng=item.lng,
            )
        )
    return items
