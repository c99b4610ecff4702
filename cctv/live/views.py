"""Pages of the live view: one camera, the camera wall, and a camera's viewings."""

from django.shortcuts import render
from django.utils.translation import gettext as _

from cctv.live import services
from cctv.models import Camera
from smartzone import access, geo, registry
from smartzone.access import officer_required, supervisor_required
from smartzone.params import ParameterError, parse_id

WALL_SIZES = (4, 9, 16)
AROUND_RADIUS_M = 500


def live_labels() -> dict:
    """The tile states in the viewer's language, for live.js."""
    return {
        "connecting": _("connecting"),
        "live": _("live picture"),
        "reconnecting": _("reconnecting"),
        "offline": _("offline"),
        "refused": _("no live view"),
        "offline_reason": _("The camera does not answer. The view comes back by itself."),
        "closed_reason": _("The connection to the server was lost; trying again."),
    }


def _tile(camera: Camera) -> dict:
    return {"camera": camera, "refusal": services.live_refusal(camera)}


@officer_required
def camera_live(request, pk):
    camera = access.get_for_user(Camera.objects.select_related("site"), request.user, pk=pk)
    tile = _tile(camera)
    context = {"tiles": [tile], "camera": camera, "size": 1, "labels": live_labels()}
    # Closed by a supervisor: refused. (No stream address yet: the page says so.)
    status = 403 if camera.live_view_blocked else 200
    return render(request, "cctv/live.html", context, status=status)


def _wall_size(value) -> int:
    if value in (None, ""):
        return 4
    size = parse_id(value)
    if size not in WALL_SIZES:
        raise ParameterError("size", _("Choose 4, 9 or 16 cameras."))
    return size


def _point(request) -> tuple[float, float] | None:
    if not request.GET.get("lat") and not request.GET.get("lng"):
        return None
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
        geo.check_lat_lng(lat, lng)
    except (ValueError, geo.GeometryError):
        raise ParameterError("lat", _("Give a latitude and a longitude.")) from None
    return lat, lng


@officer_required
def camera_wall(request):
    """A grid of 4, 9 or 16 cameras: the ones ticked, or the nearest to a point (an SOS)."""
    size = _wall_size(request.GET.get("size"))
    cameras = access.scope(Camera.objects.select_related("site"), request.user).order_by("code")
    station = access.dashboard_station(request.user, request.GET.get("station"))
    if station is not None:
        cameras = cameras.filter(station=station)
    point = _point(request)
    chosen_ids = [i for i in map(parse_id, request.GET.getlist("camera")) if i]
    if point is not None and station is not None:
        found = registry.find_nearby(
            station_id=station.pk,
            lat=point[0],
            lng=point[1],
            radius_m=AROUND_RADIUS_M,
            limit=size,
            kinds=["camera"],
        )
        chosen_ids = [item.id for item in found.get("camera", [])]
    by_id = {c.pk: c for c in cameras}
    chosen = [by_id[i] for i in chosen_ids if i in by_id][:size]
    context = {
        "tiles": [_tile(c) for c in chosen],
        "size": size,
        "sizes": WALL_SIZES,
        "cameras": list(cameras),
        "chosen_ids": {c.pk for c in chosen},
        "point": point,
        "station": station,
        "labels": live_labels(),
    }
    return render(request, "cctv/wall.html", context)


@supervisor_required
def camera_viewings(request, pk):
    camera = access.get_for_user(Camera.objects.all(), request.user, pk=pk)
    context = {"camera": camera, "viewings": services.camera_viewings(camera)}
    return render(request, "cctv/viewings.html", context)
