"""Hotspots: incidents counted on a grid of 150 m cells, against the previous period."""

from datetime import timedelta

import pytest

from desk import hotspots
from incidents.models import Report
from smartzone import geo
from tests.desk.conftest import MARKET, RIVERSIDE, at, seed_report

SINCE, UNTIL = at("2026-11-01 00:00"), at("2026-11-15 00:00")  # previous: 18 Oct to 1 Nov


@pytest.fixture
def seeded(station, other_station, categories):
    theft, fight = categories["theft"], categories[list(categories)[1]]
    # This period: 3 at the market (2 thefts, 1 other), 2 by the river.
    seed_report(station, theft, at("2026-11-01 00:00"), MARKET)
    seed_report(station, theft, at("2026-11-07 21:30"), MARKET)
    seed_report(station, fight, at("2026-11-14 23:59"), MARKET)
    seed_report(station, theft, at("2026-11-03 10:00"), RIVERSIDE)
    seed_report(station, theft, at("2026-11-09 10:00"), RIVERSIDE)
    # The previous period: 1 at the market, 4 by the river.
    seed_report(station, theft, at("2026-10-20 12:00"), MARKET)
    for day in (18, 22, 25, 31):
        seed_report(station, theft, at(f"2026-10-{day} 23:00"), RIVERSIDE)
    # Not counted: after the period, spam, a duplicate, another station's.
    seed_report(station, theft, at("2026-11-15 00:00"), MARKET)
    spam = seed_report(station, theft, at("2026-11-05 10:00"), MARKET, rejected=5)
    duplicate = seed_report(station, theft, at("2026-11-05 11:00"), MARKET, rejected=5)
    Report.objects.filter(pk=spam.pk).update(rejection_reason=Report.RejectionReason.SPAM)
    Report.objects.filter(pk=duplicate.pk).update(rejection_reason=Report.RejectionReason.DUPLICATE)
    seed_report(other_station, theft, at("2026-11-05 10:00"), MARKET)
    return {"theft": theft, "fight": fight}


def cell_of(result, station, lat, lng):
    """The cell of RESULT holding (LAT, LNG): the one a grid of that point alone has."""
    alone = hotspots.grid(
        origin=(station.lat, station.lng),
        current=[(lat, lng, "x")],
        previous=[],
        cell_m=result.cell_m,
    )
    (key,) = alone
    return next(c for c in result.cells if (c.col, c.row) == key)


def test_the_grid_adds_up_to_the_incidents_of_the_period(station, seeded):
    result = hotspots.hotspots(station=station, since=SINCE, until=UNTIL)
    period = hotspots.incidents(station_id=station.pk, since=SINCE, until=UNTIL).count()
    assert period == 5
    assert sum(c.count for c in result.cells) == result.total == period
    assert sum(c.previous for c in result.cells) == result.previous_total == 5


def test_each_cell_has_its_change_against_the_previous_period(station, seeded):
    result = hotspots.hotspots(station=station, since=SINCE, until=UNTIL)
    market, river = cell_of(result, station, *MARKET), cell_of(result, station, *RIVERSIDE)
    assert (market.count, market.previous, market.change, market.change_percent) == (3, 1, 2, 200.0)
    assert (river.count, river.previous, river.change, river.change_percent) == (2, 4, -2, -50.0)
    assert market.categories == {"theft": 2, seeded["fight"].code: 1}
    assert result.previous_since == SINCE - timedelta(days=14)
    assert [c.key for c in result.top] == [market.key, river.key]
    assert market.centre == pytest.approx(MARKET)


def test_a_category_filter_counts_only_that_category(station, seeded):
    result = hotspots.hotspots(
        station=station, since=SINCE, until=UNTIL, categories=[seeded["fight"].code]
    )
    assert (result.total, result.previous_total) == (1, 0)


def test_cells_are_squares_of_the_chosen_size_on_the_ground(station, seeded):
    result = hotspots.hotspots(station=station, since=SINCE, until=UNTIL, cell_m=200)
    ring = result.cells[0].polygon
    assert len(ring) == 5 and ring[0] == ring[-1]
    for (lng1, lat1), (lng2, lat2) in zip(ring, ring[1:], strict=False):
        assert geo.distance_m(lat1, lng1, lat2, lng2) == pytest.approx(200, abs=0.5)
    lng, lat = MARKET[1], MARKET[0]
    market = cell_of(result, station, *MARKET)
    lngs, lats = [p[0] for p in market.polygon], [p[1] for p in market.polygon]
    assert min(lngs) <= lng <= max(lngs) and min(lats) <= lat <= max(lats)


def test_the_geojson_endpoint_gives_the_officers_station_grid(officer_client, station, seeded):
    response = officer_client.get("/desk/hotspots.geojson?since=2026-11-01&until=2026-11-14")
    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert sum(f["properties"]["count"] for f in data["features"]) == 5
    assert data["properties"]["previous_total"] == 5
    assert data["properties"]["top"][0] == data["features"][0]["properties"]["cell"]


def test_another_stations_officer_sees_only_their_own_station(
    other_officer_client, station, seeded
):
    response = other_officer_client.get("/desk/hotspots.geojson?since=2026-11-01&until=2026-11-14")
    assert response.json()["properties"]["total"] == 1
    url = f"/desk/hotspots.geojson?since=2026-11-01&until=2026-11-14&station={station.pk}"
    assert other_officer_client.get(url).status_code == 404


def test_a_bad_period_is_a_400_naming_the_field(officer_client, station):
    response = officer_client.get("/desk/hotspots.geojson?since=2026-11-10&until=2026-11-01")
    assert response.status_code == 400
    assert "until" in response.json()["errors"]
    response = officer_client.get("/desk/hotspots.geojson?since=yesterday&until=2026-11-01")
    assert "since" in response.json()["errors"]
    for far in ("since=0001-01-01&until=0001-01-02", "since=9999-12-30&until=9999-12-31"):
        response = officer_client.get(f"/desk/hotspots.geojson?{far}")
        assert response.status_code == 400 and set(response.json()["errors"]) == {"since", "until"}


def test_outsiders_are_refused(client, citizen):
    assert client.get("/desk/hotspots.geojson").status_code == 302
    client.force_login(citizen)
    assert client.get("/desk/hotspots.geojson").status_code == 403


def test_a_cells_categories_with_equal_counts_are_listed_by_code(station):
    lat, lng = MARKET
    rows = [(lat, lng, "theft"), (lat, lng, "fight"), (lat, lng, "drugs"), (lat, lng, "fight")]
    (cell,) = hotspots.grid(origin=(station.lat, station.lng), current=rows, previous=[]).values()
    assert cell.category_counts == [("fight", 2), ("drugs", 1), ("theft", 1)]
