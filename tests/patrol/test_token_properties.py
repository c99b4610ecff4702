"""Property tests: any text as a patrol QR token is refused with a reason, or names a point."""

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from patrol.tokens import TokenError, make_token, point_for_token

pytestmark = pytest.mark.django_db
FUZZ = hypothesis.settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(st.text(max_size=120))
def test_any_text_is_refused_with_a_reason(point, text):
    with pytest.raises(TokenError) as refused:
        point_for_token(text)
    assert refused.value.code and refused.value.message


@FUZZ
@given(st.integers(min_value=0), st.text(min_size=1, max_size=3))
def test_a_real_token_with_any_change_is_refused(point, position, replacement):
    token = make_token(point)
    position %= len(token)
    altered = token[:position] + replacement + token[position + 1 :]
    hypothesis.assume(altered != token)
    with pytest.raises(TokenError):
        point_for_token(altered)
