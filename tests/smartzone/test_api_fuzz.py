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
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks
from schemathesis.generation.stateful import run_state_machine_as_test

from incidents.models import Report
from smartzone import clientaddr
from smartzone.tokens import api_token_create
from sos import services as sos_services
from sos.signing import MAX_SKEW_S, signed_headers

MAX_EXAMPLES = 12
KIOSK_PATHS = r"^/api/v1/sos/(events|heartbeats)/$"
load_all_checks()
# Every check schemathesis has, but those that are wrong for us:
NOT_FOR_US = {
    # Our two callers see the same objects by design (one station); nothing to compare.
    "object_level_authorization",
    # Schema-valid input can break a rule the schema cannot say (a state the report cannot move
    # to, a checkpoint token that matches none, a kiosk signature): a 400 naming it is right.
    "positive_data_acceptance",
    # Known finding (issue 19): lenient query input passes, by design of smartzone.params and
    # django-filter: " 5\x1f" reads as 5 (str.strip), an empty filter (?until=) means no filter.
    "negative_data_rejection",
}
CHECKS = [check for check in REGISTERED_CHECKS.get_all() if check.__name__ not in NOT_FOR_US]
STATEFUL = settings(
    max_examples=3,
    stateful_step_count=4,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
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
# The checks that send requests of their own (ignored_auth's probes) send them to Django too.
SCHEMA.app = get_wsgi_application()


TO_SIGN = "signed on the way in"


def kiosk_signing(app, serial: str, secret: str):
    """Wrap the WSGI APP so that each request arrives signed by the kiosk, as a kiosk sends it.

    Only requests that carry TO_SIGN in X-Signature are signed (others are ignored_auth's probes
    with no or a made-up signature). Each request gets its own timestamp (counting back from
    now, within the allowed skew), so that two identical generated bodies are two requests, not
    a replay of one.
    """
    start, counter = int(time.time()), itertools.count()

    def signed(environ, start_response):
        if environ.get("HTTP_X_SIGNATURE") != TO_SIGN:
            return app(environ, start_response)
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


def without_session_cookie(case) -> None:
    """Drop the session cookie schemathesis generates: the token authenticates the officer."""
    if case.cookies:
        case.cookies.pop("sessionid", None)


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
    without_session_cookie(case)
    case.call_and_validate(
        app=wsgi_app, headers={"Authorization": f"Token {officer_token}"}, checks=CHECKS
    )


@pytest.mark.django_db
@SCHEMA.include(path_regex=KIOSK_PATHS).parametrize()
@FUZZ
def test_a_signed_kiosk_never_gets_a_server_error_or_an_undocumented_response(
    case, signing_kiosk_app
):
    # The wrapper signs it; naming the header here tells ignored_auth the credentials are ours.
    case.call_and_validate(app=signing_kiosk_app, headers={"X-Signature": TO_SIGN}, checks=CHECKS)


@pytest.mark.django_db
@SCHEMA.parametrize()
@FUZZ
def test_an_anonymous_caller_is_refused_and_never_gets_a_server_error(case, wsgi_app):
    response = case.call_and_validate(app=wsgi_app, checks=CHECKS)
    assert response.status_code in (
        400,
        401,
        403,
        404,
        405,
        415,
    ) or not case.operation.definition.raw.get("security"), response.status_code


@pytest.mark.django_db
def test_an_officers_chains_of_calls_never_get_a_server_error_or_an_undocumented_response(
    wsgi_app, officer_token
):
    class OfficerWorkflow(SCHEMA.exclude(path_regex=KIOSK_PATHS).as_state_machine()):
        def before_call(self, case):
            without_session_cookie(case)

        def get_call_kwargs(self, case):
            return {"app": wsgi_app, "headers": {"Authorization": f"Token {officer_token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response, checks=CHECKS, headers=kwargs.get("headers"), transport_kwargs=kwargs
            )

    run_state_machine_as_test(OfficerWorkflow, settings=STATEFUL)


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
def test_a_method_a_public_report_route_does_not_have_is_a_405_not_a_403(client):
    response = client.generic("QUERY", "/api/v1/reports/status/ABC123/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert client.delete("/api/v1/reports/status/ABC123/").status_code == 405
    assert client.get("/api/v1/reports/").status_code in (401, 403)


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
