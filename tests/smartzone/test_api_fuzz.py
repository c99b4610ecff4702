"""schemathesis against our own OpenAPI schema: no request it can build gets a 500, and every
response matches what the schema says (status code documented, body and content type as
described).

Two callers: an officer with an API token (every operation but the kiosk ones) and an SOS kiosk
whose every generated request is signed on its way in (the kiosk operations). Bounded by
MAX_EXAMPLES per operation so that it runs in CI in a few minutes; CI's hypothesis profile
(tests/conftest.py) makes the examples the same on every run. It runs on SQLite and PostgreSQL
alike: nothing here needs a service beyond the test database.
"""

import io
import itertools
import time

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from incidents.models import Report
from smartzone import clientaddr
from smartzone.tokens import api_token_create
from sos import services as sos_services
from sos.signing import MAX_SKEW_S, signed_headers

MAX_EXAMPLES = 12
KIOSK_PATHS = r"^/api/v1/sos/(events|heartbeats)/$"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


def served_schema() -> dict:
    """The schema /api/v1/schema/ serves (built here at collection, one test per operation)."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    rendered = OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))
    return json.loads(rendered)


SCHEMA = schemathesis.openapi.from_dict(served_schema())


def kiosk_signing(app, serial: str, secret: str):
    """Wrap the WSGI APP so that each request arrives signed by the kiosk, as a kiosk sends it.

    Each request gets its own timestamp (counting back from now, within the allowed skew), so
    that two identical generated bodies are two requests, not a replay of one.
    """
    start, counter = int(time.time()), itertools.count()

    def signed(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ.update(
            signed_headers(
                secret,
                serial,
                environ["PATH_INFO"],
                body,
                method=environ["REQUEST_METHOD"],
                timestamp=start - next(counter) % (MAX_SKEW_S // 2),
            )
        )
        return app(environ, start_response)

    return signed


@pytest.fixture
def wsgi_app(db):
    """Django's WSGI application, keeping the test's database connection open between requests.

    Like Django's test client: a real WSGI handler closes the connection when a request ends,
    which would close the test's transaction too.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(officer, zone, landmark, other_station, other_zone):
    """A station with an officer, a zone and a landmark, next to another station's zone."""
    return officer


@pytest.fixture
def officer_token(world, fresh_rate_limits):
    return api_token_create(actor="test", user=world, name="fuzz")[1]


@pytest.fixture
def signing_kiosk_app(wsgi_app, station, fresh_rate_limits):
    kiosk, secret = sos_services.kiosk_create(
        actor="test", station=station, name="ตู้ SOS", serial="K-FUZZ", lat=16.5453, lng=104.7248
    )
    return kiosk_signing(wsgi_app, kiosk.serial, secret)


@pytest.mark.django_db
@SCHEMA.exclude(path_regex=KIOSK_PATHS).parametrize()
@FUZZ
def test_an_officer_never_gets_a_server_error_or_an_undocumented_response(
    case, wsgi_app, officer_token
):
    case.call_and_validate(
        app=wsgi_app, headers={"Authorization": f"Token {officer_token}"}, checks=CHECKS
    )


@pytest.mark.django_db
@SCHEMA.include(path_regex=KIOSK_PATHS).parametrize()
@FUZZ
def test_a_signed_kiosk_never_gets_a_server_error_or_an_undocumented_response(
    case, signing_kiosk_app
):
    case.call_and_validate(app=signing_kiosk_app, checks=CHECKS)


# --- what the fuzzer found, pinned ----------------------------------------------------------


def test_a_missing_or_malformed_client_address_counts_as_one_client_instead_of_failing(
    rf, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    forwarded = rf.get("/", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9", REMOTE_ADDR="10.0.0.1")
    garbage = rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.2")
    nothing = rf.get("/")
    del nothing.META["REMOTE_ADDR"]
    assert clientaddr.ratelimit_address(forwarded) == "203.0.113.9"
    assert clientaddr.ratelimit_address(garbage) == "10.0.0.2"
    assert clientaddr.ratelimit_address(nothing) == clientaddr.UNKNOWN


@pytest.mark.django_db
def test_a_report_id_that_is_not_a_number_is_a_404_not_a_500(officer_client):
    assert officer_client.get("/api/v1/reports/null,null/").status_code == 404
    response = officer_client.post(
        "/api/v1/reports/abc/transition/",
        {"to_state": Report.State.choices[-1][0]},
        content_type="application/json",
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_api_address_that_matches_no_route_answers_404_in_json(officer_client):
    response = officer_client.get("/api/v1/reports/1.5/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert "html" in officer_client.get("/no-such-page/")["Content-Type"]


@pytest.mark.django_db
def test_an_out_of_range_limit_or_offset_is_a_400_naming_it_not_a_500(officer_client, zone):
    huge = 264655918409856581632  # past 64 bits: the database would refuse it
    for query, name in [
        (f"limit={huge}", "limit"),
        ("limit=5000", "limit"),
        ("limit=0", "limit"),
        ("offset=-1117841", "offset"),
        (f"offset={huge}", "offset"),
        ("limit=abc", "limit"),
    ]:
        response = officer_client.get(f"/api/v1/zones/?{query}")
        assert response.status_code == 400 and name in response.json(), query
    past_the_end = officer_client.get(f"/api/v1/zones/?limit=5&offset={2**63 - 1}")
    assert past_the_end.status_code == 200
    assert past_the_end.json()["results"] == []
    assert officer_client.get("/api/v1/zones/?limit=1000").json()["count"] == 1
