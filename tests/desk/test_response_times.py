"""Response times: median and 90th percentile per week and category, by hand on seeded data.

Percentiles interpolate linearly between the closest ranks: for sorted x[0..n-1] the p-th is
at rank p/100 * (n - 1). E.g. of 2, 4, 6, 8, 30 the median is 6 and the 90th percentile is at
rank 3.6: 8 + 0.6 * (30 - 8) = 21.2.
"""

import statistics

import pytest

from desk import response, stats
from tests.desk.conftest import at, seed_report, seed_sos

SINCE, UNTIL = at("2026-11-02 00:00"), at("2026-11-16 00:00")  # two weeks, Mondays


def test_the_percentile_is_the_inclusive_linear_one():
    values = [2, 4, 6, 8, 30]
    assert stats.percentile(values, 50) == 6
    assert stats.percentile(values, 90) == pytest.approx(21.2)
    assert stats.percentile([4, 1, 3, 2], 50) == 2.5
    assert stats.percentile([7], 90) == 7
    assert stats.percentile([], 50) is None
    data = [3.5, 1, 17, 4, 4, 9, 12.25]
    assert stats.percentile(data, 90) == pytest.approx(
        statistics.quantiles(data, n=10, method="inclusive")[8]
    )


@pytest.fixture
def seeded(station, categories):
    theft, other = categories["theft"], categories[list(categories)[1]]
    first_week = [  # (minutes to triage, to on scene, to resolved/rejected)
        {"triaged": 2, "on_scene": 10, "resolved": 60},
        {"triaged": 4, "on_scene": 20, "resolved": 90},
        {"triaged": 6, "on_scene": 30, "resolved": 120},
        {"triaged": 8, "on_scene": 40},
        {"triaged": 30},
    ]
    for day, minutes in enumerate(first_week, start=2):
        seed_report(station, theft, at(f"2026-11-0{day} 09:00"), **minutes)
    seed_report(station, other, at("2026-11-03 09:00"), rejected=15)  # rejected: closed at 15
    seed_report(station, theft, at("2026-11-10 20:00"), triaged=12)  # the second week
    seed_report(station, theft, at("2026-11-16 00:00"), triaged=1)  # after the range
    seed_sos(station, at("2026-11-04 22:00"), acknowledged=1, on_scene=9, closed=40)
    seed_sos(station, at("2026-11-05 22:00"), acknowledged=3)
    seed_sos(station, at("2026-11-11 22:00"), acknowledged=0.5, on_scene=6, closed=20)
    return {"theft": theft, "other": other}


def figures(row: response.Row, stage: str):
    figure = row.stages[stage]
    return figure.count, figure.median, figure.p90


def test_per_category_medians_and_90th_percentiles_match_a_hand_computation(station, seeded):
    times = response.response_times(station_id=station.pk, since=SINCE, until=UNTIL)
    by = {(r.source, r.key): r for r in times.categories}
    theft = by[("report", "theft")]
    assert theft.cases == 6
    # triage: 2, 4, 6, 8, 12, 30 -> median (6+8)/2 = 7; p90 rank 4.5: 12 + 0.5 * 18 = 21
    assert figures(theft, "acknowledged") == (6, 7.0, 21.0)
    # on scene: 10, 20, 30, 40 -> median 25; p90 rank 2.7: 30 + 0.7 * 10 = 37
    assert figures(theft, "on_scene") == (4, 25.0, 37.0)
    # closed: 60, 90, 120 -> median 90; p90 rank 1.8: 90 + 0.8 * 30 = 114
    assert figures(theft, "closed") == (3, 90.0, 114.0)
    other = by[("report", seeded["other"].code)]
    assert figures(other, "acknowledged") == (0, None, None)
    assert figures(other, "closed") == (1, 15.0, 15.0)
    sos = by[("sos", "sos")]
    # acknowledged: 0.5, 1, 3 -> median 1; p90 rank 1.8: 1 + 0.8 * 2 = 2.6
    assert figures(sos, "acknowledged") == (3, 1.0, 2.6)
    # on scene: 6, 9 -> median 7.5; p90 rank 0.9: 6 + 0.9 * 3 = 8.7
    assert figures(sos, "on_scene") == (2, 7.5, 8.7)
    assert figures(sos, "closed") == (2, 30.0, 38.0)
    assert [r.source for r in times.categories][-1] == "sos"


def test_per_week_figures_split_at_monday_midnight_local_time(station, seeded):
    times = response.response_times(station_id=station.pk, since=SINCE, until=UNTIL)
    by = {(r.key, r.source): r for r in times.weeks}
    assert sorted(by) == [
        ("2026-11-02", "report"),
        ("2026-11-02", "sos"),
        ("2026-11-09", "report"),
        ("2026-11-09", "sos"),
    ]
    week1 = by[("2026-11-02", "report")]
    # triage in week 1: 2, 4, 6, 8, 30 -> 6 and 21.2 (the example in the docstring)
    assert figures(week1, "acknowledged") == (5, 6.0, 21.2)
    # closed in week 1: 15 (rejected), 60, 90, 120 -> median 75; p90 rank 2.7: 90 + 21 = 111
    assert figures(week1, "closed") == (4, 75.0, 111.0)
    assert figures(by[("2026-11-09", "report")], "acknowledged") == (1, 12.0, 12.0)
    assert figures(by[("2026-11-09", "sos")], "closed") == (1, 20.0, 20.0)
    assert figures(times.overall["sos"], "acknowledged") == (3, 1.0, 2.6)


def test_the_desk_page_shows_the_figures_and_charts(officer_client, station, seeded):
    response_ = officer_client.get("/desk/?since=2026-11-02&until=2026-11-15")
    assert response_.status_code == 200
    page = response_.content.decode()
    assert 'data-category="theft"' in page
    assert "7.0 / 21.0" in page and "25.0 / 37.0" in page and "90.0 / 114.0" in page
    assert page.count('<svg viewBox="0 0 640 200" class="desk-svg"') >= 6
    assert " style=" not in page and "<script>" not in page


def test_a_bad_period_on_the_desk_page_names_the_field(officer_client):
    response_ = officer_client.get("/desk/?since=2026-11-02&until=2026-01-01")
    assert response_.status_code == 400
    assert 'class="errorlist' in response_.content.decode()


def test_the_desk_page_refuses_outsiders(client, citizen):
    assert client.get("/desk/").status_code == 302
    client.force_login(citizen)
    assert client.get("/desk/").status_code == 403
