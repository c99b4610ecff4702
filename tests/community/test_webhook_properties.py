"""Property tests: any body LINE (or anyone) posts to the webhook, signed or not, is answered
without a server error, and a station key in the URL that is no station is a 404."""

from urllib.parse import quote

import hypothesis
import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from tests.community.conftest import line_event, sign, webhook_body

pytestmark = pytest.mark.django_db
FUZZ = hypothesis.settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def post(station, body: bytes, signature: str):
    return Client().post(
        f"/line/webhook/{station.code}/",
        body,
        content_type="application/json",
        HTTP_X_LINE_SIGNATURE=signature,
    )


@FUZZ
@given(body=st.binary(max_size=400), signature=st.text(max_size=60))
def test_any_unsigned_body_is_refused(station, channel, fake_line, body, signature):
    hypothesis.assume(signature != sign(body))
    assert post(station, body, signature).status_code == 400
    assert fake_line.requests == []


@FUZZ
@given(events=st.lists(JSON, max_size=3), extra=JSON)
def test_any_signed_json_is_answered_without_a_server_error(
    station, channel, fake_line, events, extra
):
    body = webhook_body(*events, line_event("message", "01PROPERTY", message=extra))
    assert post(station, body, sign(body)).status_code in (200, 400)


@FUZZ
@given(key=st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t))
@hypothesis.example(key="²")  # a digit to str.isdigit(), not to int()
@hypothesis.example(key="9" * 5000)
@hypothesis.example(key="\x00")  # PostgreSQL refuses NUL in text: a 500 once
def test_a_station_key_that_is_no_station_is_a_404(station, key):
    hypothesis.assume(key not in (station.code, str(station.pk)))
    url = f"/line/webhook/{quote(key, safe='')}/"
    assert Client().post(url, b"{}", content_type="application/json").status_code == 404
