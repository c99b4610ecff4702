"""Protocol answers by the usual conventions: a bad API token is 401 with WWW-Authenticate:
Token, a method nothing handles is 405 (not 403), for anonymous callers too."""

import pytest

ZONES = "/api/v1/zones/"


@pytest.mark.parametrize("header", ["Token not-a-real-key", "Token", "Token a b"])
def test_a_bad_api_token_is_401_asking_for_a_token(client, db, header):
    response = client.get(ZONES, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_no_token_at_all_is_still_refused(client, db):
    assert client.get(ZONES).status_code == 403


@pytest.mark.parametrize("path", [ZONES, "/api/v1/events/", "/api/v1/reports/", "/"])
def test_anonymous_trace_is_405(client, db, path):
    assert client.generic("TRACE", path).status_code == 405


def test_a_login_without_a_police_role_is_still_refused_for_real_methods(client, citizen):
    client.force_login(citizen)
    assert client.get(ZONES).status_code == 403
    assert client.generic("TRACE", ZONES).status_code == 405
