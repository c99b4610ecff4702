"""Property tests: any kiosk headers and body get a 4xx with a reason, never a server error."""

import hypothesis
import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from sos.models import SosEvent
from tests.sos.conftest import EVENTS_PATH, signed_post

pytestmark = pytest.mark.django_db
FUZZ = hypothesis.settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
HEADER = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)


@FUZZ
@given(serial=HEADER, timestamp=HEADER, signature=HEADER, body=st.binary(max_size=300))
def test_any_headers_are_refused_with_a_reason(kiosk, serial, timestamp, signature, body):
    response = Client().post(
        EVENTS_PATH,
        body,
        content_type="application/json",
        HTTP_X_KIOSK_ID=serial,
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_SIGNATURE=signature,
    )
    assert response.status_code in (400, 401, 403, 413)
    assert response.json()
    assert not SosEvent.objects.exists()


@FUZZ
@given(body=st.binary(max_size=300))
def test_any_correctly_signed_body_is_stored_or_refused_with_a_reason(kiosk, body):
    response = signed_post(Client(), kiosk, None, raw=body)
    assert response.status_code in (200, 201, 400), response.content
    if response.status_code == 400:
        assert response.json()


@FUZZ
@given(timestamp=st.one_of(HEADER, st.integers().map(str), st.from_regex(r"\A[0-9]{1,500}\Z")))
def test_any_timestamp_with_a_real_kiosk_serial_is_refused_with_a_reason(kiosk, timestamp):
    response = signed_post(Client(), kiosk, {"event_id": "t"}, timestamp=timestamp)
    if response.status_code != 201:  # a current timestamp is accepted, anything else is not
        assert response.status_code == 401, response.content
        assert response.json()["reason"] in {"bad_timestamp", "stale_timestamp", "missing_headers"}
    SosEvent.objects.all().delete()
