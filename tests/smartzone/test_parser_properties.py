"""Property tests: the core parsers of outside input (polygons, positions, ids) answer any
value with a clear error or a valid result, never with another exception."""

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartzone.access import parse_id
from smartzone.geo import GeometryError, check_lat_lng, parse_polygon

JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.sampled_from(["type", "coordinates", "geometry", "x"]), children)
    ),
    max_leaves=40,
)
POSITION = st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=3)
POLYGONISH = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Polygon", "Feature", "Point"]),
        "coordinates": st.lists(st.lists(POSITION | JSON, max_size=8), max_size=3),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON, POLYGONISH, st.text(max_size=60)))
def test_any_value_is_a_valid_polygon_or_a_geometry_error(value):
    try:
        polygon = parse_polygon(value)
    except GeometryError as exc:
        assert str(exc)  # a reason a person can read
    else:
        assert polygon.is_valid and polygon.area > 0


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(min_value=-80, max_value=80),
    lng=st.floats(min_value=-179, max_value=179),
    d_lat=st.floats(min_value=1e-4, max_value=0.05),
    d_lng=st.floats(min_value=1e-4, max_value=0.05),
)
def test_a_closed_rectangle_parses_from_its_geojson_text(lat, lng, d_lat, d_lng):
    ring = [[lng, lat], [lng + d_lng, lat], [lng + d_lng, lat + d_lat], [lng, lat + d_lat]]
    text = json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})
    polygon = parse_polygon(text)
    assert math.isclose(polygon.area, d_lat * d_lng, rel_tol=1e-6)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True))
def test_any_pair_of_numbers_is_a_position_or_a_geometry_error(lat, lng):
    try:
        check_lat_lng(lat, lng, where="position")
    except GeometryError as exc:
        assert "position" in str(exc)
    else:
        assert -90 <= lat <= 90 and -180 <= lng <= 180


@given(st.one_of(st.none(), st.integers(), st.text(max_size=25)))
def test_an_id_from_outside_is_a_positive_bigint_or_none(value):
    parsed = parse_id(value)
    assert parsed is None or 0 < parsed < 2**63
    if parsed is not None:
        assert str(parsed) == str(value).strip().lstrip("0")


@pytest.mark.parametrize("text", ["²", "١٢", "12a", "-3", "0", "9" * 20, "", " "])
def test_what_is_not_an_ascii_id_in_range_is_none(text):
    assert parse_id(text) is None
