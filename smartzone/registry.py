"""Where the other apps plug into the core without the core importing them.

Each app calls these from its AppConfig.ready(): the labels of its event kinds for the live
feed, the static scripts it adds to the dashboard, the links it adds to the public home page,
and the "nearest help" it can offer around a point (cameras, patrol points, ...).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

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


# A provider takes (station_id, lat, lng, radius_m) and returns NearbyItems.
NEARBY_PROVIDERS: dict[str, Callable[..., list[NearbyItem]]] = {}


def register_event_labels(labels: dict) -> None:
    EVENT_LABELS.update(labels)


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


def register_nearby_provider(kind: str, provider: Callable[..., list[NearbyItem]]) -> None:
    NEARBY_PROVIDERS[kind] = provider


def find_nearby(
    *, station_id: int, lat: float, lng: float, radius_m: float = 500, limit: int = 5
) -> dict[str, list[NearbyItem]]:
    """Return, per kind, the nearest LIMIT items within RADIUS_M of the point, nearest first."""
    return {
        kind: sorted(provider(station_id, lat, lng, radius_m), key=lambda i: i.distance_m)[:limit]
        for kind, provider in NEARBY_PROVIDERS.items()
    }


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
