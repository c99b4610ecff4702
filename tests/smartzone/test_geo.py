import pytest
from django.utils import translation

from smartzone import geo
from smartzone.demo import ZONE_BOUNDARY


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def ring(*points):
    return {"type": "Polygon", "coordinates": [list(points)]}


def test_it_measures_the_demo_zone_like_the_pilot_figures():
    area, perimeter = geo.area_and_perimeter_km(geo.parse_polygon(ZONE_BOUNDARY))
    assert area == pytest.approx(0.42, rel=0.01)
    assert perimeter == pytest.approx(3.59, rel=0.01)


def test_it_measures_a_known_square_on_the_ellipsoid():
    # 0.01° x 0.01° at the equator: 1113.2 m x 1105.7 m on WGS 84.
    area, perimeter = geo.area_and_perimeter_km(
        geo.parse_polygon(ring([0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01], [0, 0]))
    )
    assert area == pytest.approx(1.2309, rel=0.002)
    assert perimeter == pytest.approx(4.4379, rel=0.002)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not json", "not valid JSON"),
        ({"type": "Point", "coordinates": [1, 2]}, "Polygon"),
        (ring([0, 0], [1, 0], [0, 0]), "at least 4 positions"),
        (ring([0, 0], [0.01, 0], [0.01, 0.01], [0, 0.02]), "not closed"),
        (ring([0, 0], [0.01, 0.01], [0.01, 0], [0, 0.01], [0, 0]), "not valid"),
        (ring([0, 0], [200, 0], [200, 1], [0, 0]), "longitude"),
        (ring([0, 95], [1, 0], [1, 1], [0, 95]), "latitude"),
        (ring([0, 0], ["a", 0], [1, 1], [0, 0]), "numbers"),
        (ring([0, 0], [0, 0], [0, 0], [0, 0]), "not valid"),
        (ring([100, 10], [102, 10], [102, 12], [100, 12], [100, 10]), "more than a safety zone"),
    ],
)
def test_it_refuses_bad_polygons_saying_why(value, message):
    with pytest.raises(geo.GeometryError, match=message):
        geo.parse_polygon(value)


def test_it_knows_whether_a_point_is_inside():
    polygon = geo.parse_polygon(ZONE_BOUNDARY)
    assert geo.contains(polygon, lat=16.5447, lng=104.7258)
    assert not geo.contains(polygon, lat=16.5447, lng=104.7200)


def test_it_measures_distance_in_metres():
    assert geo.distance_m(16.5447, 104.7258, 16.5447 + 0.001, 104.7258) == pytest.approx(
        110.6, rel=0.01
    )


@pytest.mark.parametrize("lat", [0.0, 16.54, -45.0, 70.0])
@pytest.mark.parametrize("radius_m", [50, 500, 5000])
def test_the_box_around_a_point_holds_every_point_within_the_radius(lat, radius_m):
    box = geo.box_around(lat, 104.7, radius_m)
    (south, north), (west, east) = box["lat__range"], box["lng__range"]
    for azimuth in range(0, 360, 15):
        lng2, lat2, _ = geo.WGS84.fwd(104.7, lat, azimuth, radius_m)
        assert south <= lat2 <= north and west <= lng2 <= east, azimuth
    # and not much more: a point 3% beyond the radius due north or east is outside it
    lng2, lat2, _ = geo.WGS84.fwd(104.7, lat, 0, radius_m * 1.03)
    assert lat2 > north
