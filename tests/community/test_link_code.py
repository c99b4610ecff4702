"""The one-time code that links a supervisor's LINE account: long, per station, few tries."""

import re

import pytest

from community import services
from community.models import SupervisorLineLink
from tests.community.conftest import line_event, sign, webhook_body

USER, INTRUDER = "U" + "1" * 32, "U" + "6" * 32


@pytest.fixture
def say(client, station, channel, django_capture_on_commit_callbacks, eager_celery, fake_line):
    """Send TEXT to the station's LINE account as USER_ID; return the account's answer."""
    counter = iter(range(1, 1000))

    def post(text: str, user_id: str = USER) -> str:
        event = line_event(
            "message",
            f"01EVENTCODE{next(counter):04d}",
            user_id=user_id,
            message={"type": "text", "id": "1", "quoteToken": "q", "text": text},
        )
        body = webhook_body(event)
        before = len(fake_line.sends("/reply"))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/line/webhook/{station.code}/",
                data=body,
                content_type="application/json",
                headers={"X-Line-Signature": sign(body)},
            )
        assert response.status_code == 200
        replies = fake_line.sends("/reply")[before:]
        return replies[0].body["messages"][0]["text"] if replies else ""

    return post


def linked() -> set[str]:
    rows = SupervisorLineLink.objects.exclude(line_user_id="")
    return set(rows.values_list("line_user_id", flat=True))


def test_a_link_code_is_eight_unambiguous_characters(supervisor):
    codes = {services.supervisor_link_start(actor=supervisor) for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code), code


def test_the_code_works_typed_in_small_letters_without_the_dash(say, supervisor, english):
    code = services.supervisor_link_start(actor=supervisor)
    answer = say(f"link {code.replace('-', '').lower()}")
    assert "linked" in answer
    assert SupervisorLineLink.objects.get(officer=supervisor).line_user_id == USER


def test_another_stations_code_does_not_link_here(say, other_supervisor, english):
    code = services.supervisor_link_start(actor=other_supervisor)
    assert "wrong" in say(f"link {code}")
    assert linked() == set()


def test_after_five_wrong_codes_even_the_right_one_is_refused_for_that_line_user(
    say, supervisor, english
):
    code = services.supervisor_link_start(actor=supervisor)
    for n in range(services.LINK_ATTEMPTS):
        assert "wrong" in say(f"link WRNG-{n:04d}", user_id=INTRUDER)
    assert "Too many" in say(f"link {code}", user_id=INTRUDER)
    assert linked() == set()
    assert "linked" in say(f"link {code}", user_id=USER)  # others are not held back
    assert linked() == {USER}
