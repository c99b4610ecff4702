"""The residents' safety survey: public, one answer per browser and month, nothing personal."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import Client

from desk import services
from desk.models import SafetyAnswer
from desk.views import SURVEY_COOKIE
from smartzone.models import AuditEntry
from tests.desk.conftest import at

ANSWER = {"safe_in_zone": "4", "safe_at_night": "2", "trust_response": "5"}


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    caches["ratelimit"].clear()


def answer(client, for_station, **changes):
    return client.post(
        "/survey/", {"station": for_station.code, **ANSWER, **changes}, REMOTE_ADDR="203.0.113.77"
    )


def test_the_survey_is_public_and_gives_the_browser_a_random_id(client, station):
    response = client.get(f"/survey/?station={station.code}")
    assert response.status_code == 200
    cookie = response.cookies[SURVEY_COOKIE]
    assert len(cookie.value) >= 20 and cookie["httponly"]
    page = response.content.decode()
    assert 'name="safe_at_night"' in page and " style=" not in page


def test_the_home_page_links_to_the_survey(client, station):
    assert 'href="/survey/"' in client.get("/").content.decode()


def test_a_second_answer_in_the_same_month_replaces_the_first(client, station):
    client.get("/survey/")
    first = answer(client, station)
    assert first.status_code == 200
    assert 'data-testid="survey-done"' in first.content.decode()
    second = answer(client, station, safe_at_night="3", trust_response="1")
    assert 'data-replaced="0"' in first.content.decode()
    assert 'data-replaced="1"' in second.content.decode()
    row = SafetyAnswer.objects.get()
    assert (row.safe_in_zone, row.safe_at_night, row.trust_response) == (4, 3, 1)


def test_another_browser_is_another_answer(client, station):
    client.get("/survey/")
    answer(client, station)
    answer(Client(), station, safe_in_zone="1")
    assert SafetyAnswer.objects.count() == 2


def test_the_same_browser_next_month_is_a_new_answer_not_linkable_to_the_last(station):
    cookie = "c" * 32
    scores = {"safe_in_zone": 3, "safe_at_night": 3, "trust_response": 3}
    november, replaced = services.survey_answer(
        station=station, cookie_id=cookie, now=at("2026-11-30 23:50"), **scores
    )
    again, replaced_again = services.survey_answer(
        station=station, cookie_id=cookie, now=at("2026-11-02 08:00"), **scores
    )
    december, _ = services.survey_answer(
        station=station,
        cookie_id=cookie,
        now=at("2026-11-30 23:50") + timedelta(minutes=20),
        **scores,
    )
    assert (replaced, replaced_again) == (False, True) and again.pk == november.pk
    assert december.pk != november.pk
    assert december.respondent != november.respondent
    assert (november.month.isoformat(), december.month.isoformat()) == ("2026-11-01", "2026-12-01")


def test_no_personal_identifier_is_stored(client, station):
    client.get("/survey/")
    cookie_id = client.cookies[SURVEY_COOKIE].value
    answer(client, station)
    row = SafetyAnswer.objects.values().get()
    assert set(row) == {
        "id",
        "station_id",
        "month",
        "respondent",
        "safe_in_zone",
        "safe_at_night",
        "trust_response",
        "answered_at",
    }
    assert row["respondent"] == services.respondent_key(cookie_id=cookie_id, month=row["month"])
    assert cookie_id not in row["respondent"] and len(row["respondent"]) == 64
    stored = " ".join(str(v) for v in row.values())
    assert "203.0.113.77" not in stored
    entry = AuditEntry.objects.filter(action="desk.survey.answered").get()
    assert entry.actor_id is None and entry.object_id == ""
    trail = str(entry.changes) + entry.actor_label
    assert cookie_id not in trail and row["respondent"] not in trail and "203.0.113" not in trail


def test_a_score_off_the_scale_is_refused_naming_the_question(client, station):
    response = answer(client, station, safe_at_night="6")
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert list(response.context["form"].errors) == ["safe_at_night"]
    assert not SafetyAnswer.objects.exists()
    unknown = answer(client, station, station="no-such-station")
    assert unknown.status_code == 400 and list(unknown.context["form"].errors) == ["station"]


def test_answers_are_rate_limited_like_the_phone_sos_page(client, station):
    client.get("/survey/")
    codes = [answer(client, station).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    assert SafetyAnswer.objects.count() == 1


def test_the_survey_link_for_line_is_on_site_url_even_from_127_0_0_1(
    officer_client, station, settings
):
    settings.SITE_URL = "https://safetyzone.example.org/"
    page = officer_client.get("/desk/", HTTP_HOST="127.0.0.1").content.decode()
    assert (
        f'data-testid="survey-link">https://safetyzone.example.org/survey/?station={station.code}<'
        in page
    )
