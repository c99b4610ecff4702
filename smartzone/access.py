"""Who may see and do what: the one place every page, endpoint and socket asks.

Roles: an officer belongs to one station and works only its data; a supervisor is an officer
who may also manage the station's points, watchlist and broadcasts; an admin (a superuser) sees
all stations. Above the stations, commanders only read: a province commander the stations of a
province, the programme every station. To every station page and endpoint a commander is a
login without a station role (refused); they read through the commanders' pages of desk/,
which ask `commander_stations`. Citizens have no account; devices authenticate with their own
secrets.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from smartzone import params
from smartzone.models import Commander, OfficerProfile, Station

ADMIN = "admin"
SUPERVISOR = OfficerProfile.Role.SUPERVISOR.value
OFFICER = OfficerProfile.Role.OFFICER.value


def profile_of(user) -> OfficerProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.officer
    except OfficerProfile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    """Return 'admin', 'supervisor', 'officer' or None (no staff role)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    profile = profile_of(user)
    return profile.role if profile else None


def is_officer(user) -> bool:
    return role_of(user) is not None


def is_supervisor(user) -> bool:
    return role_of(user) in {SUPERVISOR, ADMIN}


def station_ids_of(user) -> list[int] | None:
    """Return the ids of the stations USER may see: None means all (admin), [] means none."""
    role = role_of(user)
    if role == ADMIN:
        return None
    if role is None:
        return []
    return [user.officer.station_id]


def stations_for(user) -> QuerySet[Station]:
    ids = station_ids_of(user)
    return Station.objects.all() if ids is None else Station.objects.filter(pk__in=ids)


def can_see_station(user, station_id: int | None) -> bool:
    ids = station_ids_of(user)
    return ids is None or station_id in ids


def scope(queryset: QuerySet, user, station_field: str = "station") -> QuerySet:
    """Limit QUERYSET to the rows of the stations USER may see."""
    ids = station_ids_of(user)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{station_field}__in": ids})


def get_for_user(queryset: QuerySet, user, *, station_field: str = "station", lock=False, **lookup):
    """Return the one object of QUERYSET matching LOOKUP that USER may see, or raise Http404.

    Another station's object is a 404, as if it did not exist. With LOCK, take a row lock
    (call inside a transaction).
    """
    queryset = scope(queryset, user, station_field)
    if lock:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        # A malformed id from the URL ("abc" for a number) is a 404 too, as in DRF's get_object.
        raise Http404(_("Not found.")) from None


def parse_id(value) -> int | None:
    """Return VALUE as a database id, or None if it is not one (see smartzone.params)."""
    return params.parse_id(value)


def dashboard_station(user, requested: str | int | None = None) -> Station | None:
    """Return the station whose dashboard USER sees: their own, or for an admin the one asked
    for (or the first). None if USER may not see a dashboard or asked for another station."""
    stations = stations_for(user)
    if requested not in (None, ""):
        station_id = parse_id(requested)
        return stations.filter(pk=station_id).first() if station_id else None
    return stations.order_by("pk").first()


# --- commanders above the stations ------------------------------------------------------------

PROVINCE = Commander.Role.PROVINCE.value
PROGRAMME = Commander.Role.PROGRAMME.value


def commander_of(user) -> Commander | None:
    """Return USER's commander row (province or programme), or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.commander
    except Commander.DoesNotExist:
        return None


def is_commander(user) -> bool:
    """Say whether USER may read the commanders' pages: a commander, or an admin."""
    return commander_of(user) is not None or role_of(user) == ADMIN


def commander_stations(user) -> QuerySet[Station]:
    """Return the stations USER reads as a commander: the province's, every one for the
    programme and the admin, none for anyone else."""
    commander = commander_of(user)
    if commander is None:
        return Station.objects.all() if role_of(user) == ADMIN else Station.objects.none()
    if commander.role == PROGRAMME:
        return Station.objects.all()
    return Station.objects.filter(province=commander.province)


def commander_station(user, station_id) -> Station:
    """Return the station STATION_ID if USER reads it as a commander, else raise Http404."""
    station = commander_stations(user).filter(pk=parse_id(station_id) or 0).first()
    if station is None:
        raise Http404(_("Not found."))
    return station


def _role_required(check, message):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# Page decorators: send the anonymous to log in, refuse (403) those without the role.
officer_required = _role_required(is_officer, _("This page is for police officers."))
supervisor_required = _role_required(is_supervisor, _("This page is for supervisors."))
admin_required = _role_required(lambda user: role_of(user) == ADMIN, _("This page is for admins."))
commander_required = _role_required(is_commander, _("This page is for commanders."))


def require_supervisor(user) -> None:
    """Raise PermissionDenied unless USER is a supervisor or admin. For services."""
    if not is_supervisor(user):
        raise PermissionDenied(_("Only a supervisor may do this."))


def require_station(actor, station) -> None:
    """Raise PermissionDenied unless ACTOR works at STATION (or is an admin). For services.

    A system actor (None, or a string naming a command or task) acts for every station.
    """
    if actor is None or isinstance(actor, str):
        return
    if not can_see_station(actor, getattr(station, "pk", station)):
        raise PermissionDenied(_("This belongs to another station."))


def _unhandled_method(request, view) -> bool:
    """Say whether the request's method is one no endpoint serves (TRACE): let it through, so
    that the view answers 405 to anyone, not 403. (A method the endpoint lacks but others serve,
    POST to a read-only list, stays 403 for those without the role, as the access matrix says.)"""
    return request.method in ("TRACE", "CONNECT") and not hasattr(view, request.method.lower())


class IsOfficer(BasePermission):
    message = _("This endpoint is for police officers.")

    def has_permission(self, request, view) -> bool:
        return _unhandled_method(request, view) or is_officer(request.user)


class IsSupervisor(BasePermission):
    message = _("This endpoint is for supervisors.")

    def has_permission(self, request, view) -> bool:
        return _unhandled_method(request, view) or is_supervisor(request.user)


def role_context(request) -> dict:
    """Template context: the user's role and station."""
    user = getattr(request, "user", None)
    role = role_of(user) if user else None
    profile = profile_of(user) if role else None
    return {
        "user_role": role,
        # Lazy too: one query, asked only by the menu.
        "is_commander": SimpleLazyObject(lambda: bool(user) and is_commander(user)),
        # Lazy: loading the station is one more query on every page, and most never read it.
        "user_station": SimpleLazyObject(lambda: profile.station) if profile else None,
        "is_supervisor": role in {SUPERVISOR, ADMIN},
    }
