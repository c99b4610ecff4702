"""The survey opened from the home page: no hidden blank station, errors that name the field."""

import pytest
from django.core.cache import caches

from desk.models import SafetyAnswer

pytestmark = pytest.mark.django_db

ANSWER = {"safe_in_zone": "4", "safe_at_night": "2", "trust_response": "5"}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    caches["ratelimit"].clear()


def test_with_one_station_the_survey_needs_no_station_parameter(client, station):
    page = client.get("/survey/").content.decode()
    assert f'name="station" value="{station.code}"' in page
    response = client.post("/survey/", ANSWER)
    assert response.status_code == 200
    assert SafetyAnswer.objects.get().station == station


def test_with_one_station_a_post_without_the_station_still_counts_for_it(client, station):
    client.get("/survey/")
    assert client.post("/survey/", {**ANSWER, "station": ""}).status_code == 200
    assert SafetyAnswer.objects.get().station == station


def test_with_several_stations_the_resident_picks_one_from_a_labelled_list(
    client, station, other_station
):
    page = client.get("/survey/").content.decode()
    assert '<label for="id_station">' in page and '<select name="station"' in page
    assert 'type="hidden" name="station"' not in page
    response = client.post("/survey/", {**ANSWER, "station": other_station.code})
    assert response.status_code == 200
    assert SafetyAnswer.objects.get().station == other_station


def test_a_missing_station_is_named_with_what_to_do(client, station, other_station):
    response = client.post("/survey/", ANSWER)
    assert response.status_code == 400
    errors = response.content.decode().split('data-testid="survey-errors"')[1].split("</div>")[0]
    assert "Police station" in errors or "สถานีตำรวจ" in errors
    assert not SafetyAnswer.objects.exists()


def test_a_missing_score_is_named_with_what_to_do(client, station):
    response = client.post("/survey/", {"safe_in_zone": "4", "safe_at_night": "2"})
    assert response.status_code == 400
    errors = response.content.decode().split('data-testid="survey-errors"')[1].split("</div>")[0]
    assert errors.count("<li>") == 1 and "<strong>" in errors
