"""Property tests: any text as a tracking code gets a page (found or "no such code"), never a
server error; codes survive being read aloud with dashes, spaces and lower case."""

import string
from urllib.parse import quote

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from incidents.models import (
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
    format_tracking_code,
    normalise_tracking_code,
)

CODES = st.text(alphabet=TRACKING_ALPHABET, min_size=TRACKING_LENGTH, max_size=TRACKING_LENGTH)


@given(st.text(max_size=80))
def test_normalising_any_text_gives_at_most_32_upper_case_ascii_letters_and_digits(text):
    code = normalise_tracking_code(text)
    assert len(code) <= 32
    assert set(code) <= set(string.ascii_uppercase + string.digits)
    assert normalise_tracking_code(code) == code


@given(CODES, st.sampled_from(["", " ", "-", " - "]), st.booleans())
def test_a_code_written_as_people_write_it_normalises_back(code, separator, lower):
    written = format_tracking_code(code).replace("-", separator)
    assert normalise_tracking_code(written.lower() if lower else written) == code


@pytest.mark.django_db
@hypothesis.settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(min_size=1, max_size=40).filter(lambda t: "/" not in t))
def test_any_code_on_the_status_page_is_answered_without_a_server_error(client, settings, text):
    settings.INCIDENTS_TRACK_RATE = "100000/h"
    response = client.get(f"/report/track/{quote(text, safe='')}/")
    assert response.status_code in (200, 404)
