"""Where the other apps plug into the core without the core importing them.

Each app calls these from its AppConfig.ready(): the labels of its event kinds for the live
feed, the static scripts it adds to the dashboard, the links it adds to the public home page,
and the "nearest help" it can offer around a point (cameras, patrol points, ...).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from smartzone import geo

EVENT_LABELS: dict[str, str] = {
    "station.created": _("Station added"),
    "station.updated": _("Station updated"),
    "zone.created": _("Safety zone added"),
    "zone.updated": _("Safety zone updated"),
    "zone.deleted": _("Safety zone removed"),
    "landmark.created": _("Landmark added"),
    "landmark.updated": _("Landmark updated"),
    "landmark.deleted": _("Landmark removed"),
    "officer.created": _("Officer added"),
    "officer.updated": _("Officer updated"),
}
DASHBOARD_SCRIPTS: list[str] = []
DASHBOARD_NAV: list[tuple[str, str]] = []


@dataclass(frozen=True)
class PublicLink:
    url_name: str
    label: str
    css_class: str = ""


PUBLIC_LINKS: list[PublicLink] = []


@dataclass(frozen=True)
class NearbyItem:
    kind: str  # "camera", "patrol_point", "officer", ...
    id: int
    name: str
    lat: float
    lng: float
    distance_m: float

    def as_payload(self) -> dict:
        """Return the item as sent in a live alert."""
        return {
            "kind": self.kind,
            "kind_label": str(NEARBY_LABELS.get(self.kind, self.kind)),
            "id": self.id,
            "name": self.name,
            "lat": self.lat,
            "lng": self.lng,
            "distance_m": round(self.distance_m, 1),
        }


def items_within(kind: str, rows, lat: float, lng: float, radius_m: float) -> list[NearbyItem]:
    """Return NearbyItems of KIND for the ROWS, (id, name, lat, lng) each, within RADIUS_M of
    (LAT, LNG): what a provider answers from rows it has at hand."""
    box = geo.box_around(lat, lng, radius_m)
    (south, north), (west, east) = box["lat__range"], box["lng__range"]
    items = []
    for pk, name, r_lat, r_lng in rows:
        if south <= r_lat <= north and west <= r_lng <= east:
            distance = geo.distance_m(lat, lng, r_lat, r_lng)
            if distance <= radius_m:
                items.append(NearbyItem(kind, pk, name, r_lat, r_lng, distance))
    return items


# A provider takes (station_id, lat, lng, radius_m) and returns NearbyItems. A provider of data
# rather than help (the incidents around a point) also takes since= and until= keywords.
NEARBY_PROVIDERS: dict[str, Callable[..., list[NearbyItem]]] = {}
NEARBY_LABELS: dict[str, str] = {}
# The kinds find_nearby offers as "nearest help" by default (not, say, past incidents).
HELP_KINDS: list[str] = []


def register_event_labels(labels: dict) -> None:
    EVENT_LABELS.update(labels)
    _event_labels_in.cache_clear()


def event_labels() -> dict[str, str]:
    """Return the event labels in the active language."""
    return dict(_event_labels_in(get_language()))


@lru_cache(maxsize=16)
def _event_labels_in(language: str | None) -> dict[str, str]:
    # Translating some forty lazy labels on every page view showed up in the timeline's profile.
    return {kind: str(label) for kind, label in EVENT_LABELS.items()}


WEBSOCKET_ROUTES: list = []


def register_websocket_routes(routes: list) -> None:
    """Add an app's websocket URL patterns (smartzone.routing serves them)."""
    WEBSOCKET_ROUTES.extend(r for r in routes if r not in WEBSOCKET_ROUTES)


def register_dashboard_script(static_path: str) -> None:
    if static_path not in DASHBOARD_SCRIPTS:
        DASHBOARD_SCRIPTS.append(static_path)


def register_dashboard_nav(url_name: str, label) -> None:
    """Add a link to the officers' top bar."""
    if (url_name, label) not in DASHBOARD_NAV:
        DASHBOARD_NAV.append((url_name, label))


def register_public_link(link: PublicLink) -> None:
    if link not in PUBLIC_LINKS:
        PUBLIC_LINKS.append(link)


def register_nearby_provider(
    kind: str, provider: Callable[..., list[NearbyItem]], *, label=None, help: bool = True
) -> None:
    """Offer items of KIND around a point; HELP says whether they are "nearest help"."""
    NEARBY_PROVIDERS[kind] = provider
    NEARBY_LABELS[kind] = label or kind
    if help and kind not in HELP_KINDS:
        HELP_KINDS.append(kind)
    elif not help and kind in HELP_KINDS:
        HELP_KINDS.remove(kind)


def find_nearby(
    *,
    station_id: int,
    lat: float,
    lng: float,
    radius_m: float = 500,
    limit: int = 5,
    kinds: list[str] | None = None,
) -> dict[str, list[NearbyItem]]:
    """Return, per kind (the help kinds unless KINDS), the nearest LIMIT items within RADIUS_M
    of the point, nearest first."""
    chosen = HELP_KINDS if kinds is None else kinds
    return {
        kind: sorted(
            NEARBY_PROVIDERS[kind](station_id, lat, lng, radius_m), key=lambda i: i.distance_m
        )[:limit]
        for kind in chosen
        if kind in NEARBY_PROVIDERS
    }


def nearby_sections(found: dict[str, list[NearbyItem]]) -> list[dict]:
    """Return find_nearby's answer as [{kind, label, items}] for a page."""
    return [
        {"kind": kind, "label": NEARBY_LABELS.get(kind, kind), "items": items}
        for kind, items in found.items()
    ]


def nearby_payload(found: dict[str, list[NearbyItem]]) -> list[dict]:
    """Return find_nearby's answer as one list for an event payload, nearest first per kind."""
    return [item.as_payload() for items in found.values() for item in items]


# The cctv app answers "look at cameras": (actor, station_id, source, at, lat, lng, purpose)
# -> the analysis jobs it created for the cameras around the point (none twice per SOURCE).
VIDEO_REQUEST: list[Callable[..., list]] = []


def register_video_request(handler: Callable[..., list]) -> None:
    VIDEO_REQUEST[:] = [handler]


def request_video(*, actor, obj, action: str, **request) -> list:
    """Ask the cctv app for the jobs around a point (REQUEST: station_id, source, at, lat, lng,
    purpose) and audit ACTION on OBJ when any were made. Call inside the caller's transaction,
    holding OBJ's row lock."""
    from django.core.exceptions import ValidationError

    from smartzone.audit import audit_append

    if not VIDEO_REQUEST:
        raise ValidationError(_("Video analysis is not available."))
    jobs = VIDEO_REQUEST[0](actor=actor, **request)
    if jobs:
        audit_append(
            actor=actor,
            action=action,
            obj=obj,
            changes={"jobs": [job.pk for job in jobs], "cameras": [job.camera_id for job in jobs]},
        )
    return jobs


# Called with the id of an SOS that escalated (after its transaction commits), e.g. by the
# community app to push a LINE message to the duty supervisors.
ESCALATION_HANDLERS: list[Callable[[int], None]] = []


def register_escalation_handler(handler: Callable[[int], None]) -> None:
    if handler not in ESCALATION_HANDLERS:
        ESCALATION_HANDLERS.append(handler)


# Data-subject requests (PDPA): each app says what it holds about a phone number or a LINE
# user id, and how to erase it; the core's admin page (smartzone/privacy.py) asks them all.
@dataclass(frozen=True)
class Subject:
    """Who a data-subject request is about: PHONE in digits (national form), or a LINE id."""

    phone: str = ""
    line_user_id: str = ""


@dataclass(frozen=True)
class PersonalRecord:
    kind: str  # "report", "sos", "follower", ...
    id: int
    label: str  # what it is, for the admin: "Report 4KQ7-M2XP"
    station_id: int | None
    data: dict  # the personal data held: {field: value}
    erasable: bool = True


@dataclass(frozen=True)
class PersonalDataSource:
    """FIND(subject) returns PersonalRecords; ERASE(actor=, subject=) blanks or deletes them
    (in the caller's transaction) and returns {kind: [ids]}. No ERASE: read-only here."""

    name: str
    label: str
    find: Callable[[Subject], list[PersonalRecord]]
    erase: Callable[..., dict[str, list[int]]] | None = None


PERSONAL_DATA_SOURCES: dict[str, PersonalDataSource] = {}


def register_personal_data(source: PersonalDataSource) -> None:
    PERSONAL_DATA_SOURCES[source.name] = source


# The duty desk's queue of what needs a person: each app offers its open items (an SOS to
# acknowledge, a face match to review, a new report to triage) for a station. A provider takes
# (station_id) and returns QueueItems; the queue shows the providers' items in RANK order.
@dataclass(frozen=True)
class QueueAction:
    """A button on a queue card: LABEL, and the POSTs (url, JSON body) it makes in order."""

    name: str
    label: str
    steps: tuple[tuple[str, dict], ...]

    def as_payload(self) -> dict:
        return {
            "name": self.name,
            "label": str(self.label),
            "steps": [{"url": url, "body": body} for url, body in self.steps],
        }


@dataclass(frozen=True)
class QueueItem:
    kind: str  # "sos", "match", "report"
    id: int
    kind_label: str
    title: str
    state: str
    state_label: str
    since: str  # ISO time the item has been waiting since
    url: str
    lat: float | None = None
    lng: float | None = None
    detail: str = ""
    phone: str = ""
    escalated: bool = False
    nearby: tuple[dict, ...] = ()
    actions: tuple[QueueAction, ...] = ()

    def as_payload(self) -> dict:
        return {
            "key": f"{self.kind}:{self.id}",
            "kind": self.kind,
            "id": self.id,
            "kind_label": str(self.kind_label),
            "title": self.title,
            "detail": self.detail,
            "state": self.state,
            "state_label": str(self.state_label),
            "since": self.since,
            "url": self.url,
            "lat": self.lat,
            "lng": self.lng,
            "phone": self.phone,
            "escalated": self.escalated,
            "nearby": list(self.nearby),
            "actions": [action.as_payload() for action in self.actions],
        }


QUEUE_PROVIDERS: list[tuple[int, str, Callable[[int], list[QueueItem]]]] = []


def register_queue_provider(kind: str, provider: Callable[[int], list[QueueItem]], *, rank: int):
    """Offer the station's open items of KIND to the duty desk's queue, shown in RANK order."""
    QUEUE_PROVIDERS[:] = [entry for entry in QUEUE_PROVIDERS if entry[1] != kind]
    QUEUE_PROVIDERS.append((rank, kind, provider))
    QUEUE_PROVIDERS.sort(key=lambda entry: entry[0])


def queue_items(*, station_id: int) -> list[QueueItem]:
    """Return what needs a person at the station, most urgent first (each provider's own
    order within its rank)."""
    return [item for _rank, _kind, provider in QUEUE_PROVIDERS for item in provider(station_id)]


QUEUE_NEARBY_LIMIT = 2


def queue_nearby(*, station_id: int, lat: float, lng: float) -> tuple[dict, ...]:
    """Return the nearest help around a queue item: the two nearest of each help kind."""
    found = find_nearby(station_id=station_id, lat=lat, lng=lng, limit=QUEUE_NEARBY_LIMIT)
    return tuple(nearby_payload(found))


def nearest_officer(nearby: tuple[dict, ...]) -> dict | None:
    """Return the nearest officer on shift among NEARBY (queue_nearby's answer), or None."""
    officers = [item for item in nearby if item["kind"] == "officer"]
    return min(officers, key=lambda item: item["distance_m"]) if officers else None


# The dispatch app offers an SOS or a report to the officers on shift the desk sent to it:
# called as handler(actor=, kind="sos"|"report", item_id=, officer_ids=) inside the sending
# service's transaction (sos_dispatch, report_transition to "dispatched").
DISPATCH_HANDLERS: list[Callable[..., object]] = []
# Called with the id of a new SOS after its transaction commits (e.g. to offer it at once).
SOS_RAISED_HANDLERS: list[Callable[[int], None]] = []


def register_dispatch_handler(handler: Callable[..., object]) -> None:
    if handler not in DISPATCH_HANDLERS:
        DISPATCH_HANDLERS.append(handler)


def register_sos_raised_handler(handler: Callable[[int], None]) -> None:
    if handler not in SOS_RAISED_HANDLERS:
        SOS_RAISED_HANDLERS.append(handler)


def items_dispatched(*, actor, kind: str, item_id: int, officer_ids: list[int]) -> None:
    """Tell the dispatch app (if any) that officers were sent to an item."""
    for handler in list(DISPATCH_HANDLERS):
        handler(actor=actor, kind=kind, item_id=item_id, officer_ids=officer_ids)
