"""Geometry of zones and points: parsing GeoJSON, area, length, distance, containment.

Longitude/latitude in WGS 84 throughout; shapely holds the shapes and pyproj's geodesic
computes areas and distances on the ellipsoid, so no GDAL is needed.
"""

import json
import math

from django.utils.translation import gettext as _
from pyproj import Geod
from shapely import validation
from shapely.geometry import Point, Polygon, mapping

WGS84 = Geod(ellps="WGS84")
# A safety zone is a neighbourhood; anything larger than this is a mistake in the coordinates.
MAX_ZONE_AREA_KM2 = 500.0


class GeometryError(ValueError):
    """The input is not a usable geometry; the message says what to fix."""


def _position(value, where: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise GeometryError(_("%(where)s is not a [longitude, latitude] pair.") % {"where": where})
    lng, lat = value[0], value[1]
    if isinstance(lng, bool) or isinstance(lat, bool):
        raise GeometryError(_("%(where)s must hold numbers.") % {"where": where})
    try:
        lng, lat = float(lng), float(lat)
    except (TypeError, ValueError):
        raise GeometryError(_("%(where)s must hold numbers.") % {"where": where}) from None
    check_lat_lng(lat, lng, where=where)
    return lng, lat


def check_lat_lng(lat: float, lng: float, *, where: str = "") -> None:
    """Raise GeometryError unless (lat, lng) is a finite point on the globe."""
    where = where or _("The position")
    if not (math.isfinite(lat) and math.isfinite(lng)):
        raise GeometryError(_("%(where)s must be finite numbers.") % {"where": where})
    if not -90 <= lat <= 90:
        raise GeometryError(_("%(where)s: latitude must be between -90 and 90.") % {"where": where})
    if not -180 <= lng <= 180:
        raise GeometryError(
            _("%(where)s: longitude must be between -180 and 180.") % {"where": where}
        )


def parse_polygon(value) -> Polygon:
    """Return the shapely Polygon of a GeoJSON Polygon (or a Feature holding one).

    Raise GeometryError saying what is wrong: not JSON, not a polygon, an open ring, a ring that
    crosses itself, coordinates off the globe, or an area too large to be a zone.
    """
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise GeometryError(_("The boundary is not valid JSON.")) from None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        raise GeometryError(_('The boundary must be a GeoJSON object of type "Polygon".'))
    rings = value.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise GeometryError(_("The polygon has no coordinates."))
    parsed = []
    for index, ring in enumerate(rings):
        name = _("outer ring") if index == 0 else _("hole %(n)d") % {"n": index}
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeometryError(
                _("The %(ring)s needs at least 4 positions (3 corners and the first again).")
                % {"ring": name}
            )
        points = [
            _position(p, _("Position %(i)d of the %(ring)s") % {"i": i + 1, "ring": name})
            for i, p in enumerate(ring)
        ]
        if points[0] != points[-1]:
            raise GeometryError(
                _("The %(ring)s is not closed: its last position must equal its first.")
                % {"ring": name}
            )
        parsed.append(points)
    polygon = Polygon(parsed[0], parsed[1:])
    if not polygon.is_valid:
        raise GeometryError(
            _("The polygon is not valid: %(reason)s.")
            % {"reason": validation.explain_validity(polygon)}
        )
    if polygon.area == 0:
        raise GeometryError(_("The polygon has no area."))
    area, _perimeter = area_and_perimeter_km(polygon)
    if area > MAX_ZONE_AREA_KM2:
        raise GeometryError(
            _("The polygon covers %(area).0f km², more than a safety zone can (%(max).0f km²).")
            % {"area": area, "max": MAX_ZONE_AREA_KM2}
        )
    return polygon


def polygon_to_geojson(polygon: Polygon) -> dict:
    """Return the polygon as a plain GeoJSON dict (lists, not tuples)."""
    return json.loads(json.dumps(mapping(polygon)))


def area_and_perimeter_km(polygon: Polygon) -> tuple[float, float]:
    """Return (area in km², boundary length in km) measured on the WGS 84 ellipsoid."""
    area_m2, perimeter_m = WGS84.geometry_area_perimeter(polygon)
    return abs(area_m2) / 1e6, perimeter_m / 1e3


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Return the geodesic distance in metres between two points."""
    _az1, _az2, dist = WGS84.inv(lng1, lat1, lng2, lat2)
    return dist


# The shortest degree of latitude (at the equator) on WGS 84, in metres; a degree of longitude
# is at most this times cos(latitude). Boxes made with it hold every point within the radius.
_MIN_METRES_PER_DEGREE = 110_574


def box_around(lat: float, lng: float, radius_m: float) -> dict:
    """Return lat/lng range lookups of a box that holds every point within RADIUS_M of (LAT,
    LNG), with 1% to spare: a cheap database filter before the exact distance."""
    dlat = radius_m * 1.01 / _MIN_METRES_PER_DEGREE
    dlng = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.0))), 0.01)
    return {"lat__range": (lat - dlat, lat + dlat), "lng__range": (lng - dlng, lng + dlng)}


def contains(polygon: Polygon, *, lat: float, lng: float) -> bool:
    return polygon.covers(Point(lng, lat))
