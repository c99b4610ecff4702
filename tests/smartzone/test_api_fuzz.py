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
import re
import time
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import load_all_checks
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.wfc.escalation import EscalatingAuthProvider

from incidents.models import Report
from smartzone import clientaddr
from smartzone.tokens import api_token_create
from sos import services as sos_services
from sos.signing import MAX_SKEW_S, signed_headers

MAX_EXAMPLES = 8
KIOSK_PATHS = r"^/api/v1/sos/(events|heartbeats)/$"
load_all_checks()
# Every check schemathesis has. object_level_authorization acts in the stateful runs only (it
# needs two identities that must not see each other's objects: an officer of this station and
# one of another station); the one-request runs hold one identity each, so there it passes.
CHECKS = list(REGISTERED_CHECKS.get_all())
# positive_data_acceptance, except where a request the schema allows may rightly be refused by
# a rule no schema can state (the 400 names the field and says why):
POSITIVE_NOT_STATABLE = {
    # the station is an id from the database (the caller's own station)
    "POST /api/v1/landmarks/",
    # the category is a code from the database (the station's categories), not the schema's
    "POST /api/v1/reports/",
    # which state a report may move to depends on the state it is in
    "POST /api/v1/reports/{id}/transition/",
    # the token must be a current patrol point's QR token
    "POST /api/v1/patrol/checkins/",
    # a bbox's west <= east, south <= north and |latitude| <= 90 hold between its four parts
    "GET /api/v1/reports/",
    "GET /api/v1/reports/geojson/",
    # the officers sent must be officers of the SOS's station
    "POST /api/v1/sos/open/{id}/dispatch/",
    # a `kiosk` given must be the serial of the kiosk that signed the request
    "POST /api/v1/sos/events/",
    "POST /api/v1/sos/heartbeats/",
}
POSITIVE_EXEMPT_CHECKS = [c for c in CHECKS if c.__name__ != "positive_data_acceptance"]


# What the module ran: operations, requests (cases), checks applied (printed at its end, -s).
TALLY: Counter = Counter()
OPERATIONS: set = set()


def checks_for(case) -> list:
    """All checks, less positive_data_acceptance where POSITIVE_NOT_STATABLE says why."""
    checks = POSITIVE_EXEMPT_CHECKS if case.operation.label in POSITIVE_NOT_STATABLE else CHECKS
    OPERATIONS.add(case.operation.label)
    TALLY["cases"] += 1
    TALLY["checks"] += len(checks)
    return checks


@pytest.fixture(scope="module", autouse=True)
def tally():
    yield
    print(f"\nfuzz: {len(OPERATIONS)} operations, {TALLY['cases']} cases, {TALLY['checks']} checks")


STATEFUL = settings(
    max_examples=2,
    stateful_step_count=5,
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


SCHEMA_DICT = served_schema()
SCHEMA = schemathesis.openapi.from_dict(SCHEMA_DICT)
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
    """A station with an officer, a zone, a landmark and a report in it, next to another
    station's zone (the report gives the chains list -> read -> transition an object)."""
    from incidents.models import Category
    from incidents.services import report_submit

    report_submit(
        kind="report",
        category=Category.objects.order_by("pk").first(),
        description="ไฟถนนดับหน้าตลาดอินโดจีน",
        lat=16.5453,
        lng=104.7248,
    )
    return officer


@pytest.fixture
def officer_token(world, fresh_rate_limits):
    return api_token_create(actor="test", user=world, name="fuzz")[1]


@pytest.fixture
def signing_kiosk_app(wsgi_app, station, fresh_rate_limits):
    kiosk, secret = sos_services.kiosk_create(
        actor="test", station=station, name="ตู้ SOS", serial="K-FUZZ", lat=16.5453, lng=104.7248
    )
    # One open SOS before the chains start: list -> acknowledge -> dispatch has an object.
    sos_services.sos_receive(kiosk=kiosk, client_event_id="fuzz-1", message="ช่วยด้วย")
    return kiosk_signing(wsgi_app, kiosk.serial, secret)


@pytest.mark.django_db
@SCHEMA.exclude(path_regex=KIOSK_PATHS).parametrize()
@FUZZ
def test_an_officer_never_gets_a_server_error_or_an_undocumented_response(
    case, wsgi_app, officer_token
):
    without_session_cookie(case)
    case.call_and_validate(
        app=wsgi_app, headers={"Authorization": f"Token {officer_token}"}, checks=checks_for(case)
    )


@pytest.mark.django_db
@SCHEMA.include(path_regex=KIOSK_PATHS).parametrize()
@FUZZ
def test_a_signed_kiosk_never_gets_a_server_error_or_an_undocumented_response(
    case, signing_kiosk_app
):
    # The wrapper signs it; naming the header here tells ignored_auth the credentials are ours.
    case.call_and_validate(
        app=signing_kiosk_app, headers={"X-Signature": TO_SIGN}, checks=checks_for(case)
    )


@pytest.mark.django_db
@SCHEMA.parametrize()
@FUZZ
def test_an_anonymous_caller_is_refused_and_never_gets_a_server_error(case, wsgi_app):
    response = case.call_and_validate(app=wsgi_app, checks=checks_for(case))
    assert response.status_code in (
        400,
        401,
        403,
        404,
        405,
        415,
    ) or not case.operation.definition.raw.get("security"), response.status_code


class Headers:
    """A schemathesis auth provider that sends fixed headers (one caller's credentials)."""

    def __init__(self, headers: dict):
        self.headers = headers

    def get(self, case, context):
        return self.headers

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), **data}


class ByPath:
    """A schemathesis auth provider that sends the kiosk's headers on kiosk paths and the
    officer's elsewhere (the kiosk raises an SOS, the officer answers it)."""

    def __init__(self, kiosk: dict, officer: dict):
        self.kiosk, self.officer = Headers(kiosk), Headers(officer)

    def _for(self, context):
        return self.kiosk if re.match(KIOSK_PATHS, context.operation.path) else self.officer

    def get(self, case, context):
        return self._for(context).get(case, context)

    def set(self, case, data, context):
        self._for(context).set(case, data, context)


def run_chains(app, callers: dict | ByPath, *, pinned=None, peers=(), include=None, exclude=None):
    """Run the stateful phase (following the schema's links) as CALLERS, bounded by STATEFUL.

    CALLERS: name -> headers; PINNED: the one who makes every call (the others are loaded as
    PEERS for object_level_authorization's probes: they must not see PINNED's objects).
    """
    schema = schemathesis.openapi.from_dict(SCHEMA_DICT)
    schema.app = app
    if isinstance(callers, ByPath):
        schema.auth.providers.append(callers)
    else:
        providers = [Headers(h) for h in callers.values()]
        pinned = pinned or next(iter(callers))
        schema.auth.providers.append(
            EscalatingAuthProvider(providers, list(callers), peers=peers, pinned=pinned)
        )
    if include:
        schema = schema.include(path_regex=include)
    if exclude:
        schema = schema.exclude(path_regex=exclude)

    class Chains(schema.as_state_machine()):
        def before_call(self, case):
            without_session_cookie(case)

        def get_call_kwargs(self, case):
            return {"app": app}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            calls.append((case.operation.label, response.status_code))
            case.validate_response(
                response,
                checks=checks_for(case),
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs,
            )

    calls: list[tuple[str, int]] = []
    run_state_machine_as_test(Chains, settings=STATEFUL)
    print(f"{len(calls)} calls:", sorted(Counter(calls).items()))
    return calls


def token(user) -> dict:
    return {"Authorization": f"Token {api_token_create(actor='test', user=user, name='fuzz')[1]}"}


@pytest.mark.django_db
def test_an_officers_chains_of_calls_never_reach_another_stations_objects(
    wsgi_app, world, other_officer, fresh_rate_limits
):
    callers = {"officer": token(world), "other station's officer": token(other_officer)}
    run_chains(wsgi_app, callers, pinned="officer", peers=tuple(callers), exclude=KIOSK_PATHS)


@pytest.mark.django_db
def test_a_supervisors_chains_of_calls_never_get_a_server_error(
    wsgi_app, world, supervisor, fresh_rate_limits
):
    run_chains(wsgi_app, {"supervisor": token(supervisor)}, exclude=KIOSK_PATHS)


@pytest.mark.django_db
def test_a_kiosks_sos_then_an_officers_answer_never_get_a_server_error(
    signing_kiosk_app, world, fresh_rate_limits
):
    callers = ByPath(kiosk={"X-Signature": TO_SIGN}, officer=token(world))
    run_chains(signing_kiosk_app, callers, include=r"^/api/v1/sos/")


@pytest.mark.django_db
def test_a_citizens_report_then_its_status_never_get_a_server_error(
    wsgi_app, world, fresh_rate_limits
):
    run_chains(wsgi_app, {"citizen": {}}, include=r"^/api/v1/reports/")


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


@pytest.mark.django_db
def test_an_empty_query_parameter_is_a_400_naming_it_not_no_filter(officer_client, zone):
    for query, name in [
        ("until=", "until"),
        ("since=&state=new", "since"),
        ("category=", "category"),
        ("limit=", "limit"),
        ("offset=", "offset"),
    ]:
        response = officer_client.get(f"/api/v1/reports/?{query}")
        assert response.status_code == 400 and name in response.json(), query
    assert officer_client.get("/api/v1/zones/?station=").status_code == 400
    assert officer_client.get("/api/v1/events/?after=").status_code == 400
    assert officer_client.get("/api/v1/reports/").status_code == 200


def test_the_schema_links_a_list_and_a_create_to_what_reads_and_changes_their_object():
    operations = {
        op["operationId"]: op for ops in SCHEMA_DICT["paths"].values() for op in ops.values()
    }
    links = operations["reports_list"]["responses"]["200"]["links"]
    assert links["reports_transition_create"]["parameters"] == {
        "id": "$response.body#/results/0/id"
    }
    created = operations["landmarks_create"]["responses"]["201"]["links"]
    assert created["landmarks_retrieve"]["parameters"] == {"id": "$response.body#/id"}
    # an update's answer is the update: the chain keeps the report's id from the path
    updated = operations["reports_updates_create"]["responses"]["201"]["links"]
    assert updated["reports_retrieve"]["parameters"] == {"id": "$request.path.id"}


def test_the_schema_says_a_text_field_refuses_blank_and_nul():
    text = SCHEMA_DICT["components"]["schemas"]["UpdateCreate"]["properties"]["text"]
    assert text["minLength"] == 1
    assert re.search(text["pattern"], "ไฟดับ") and not re.search(text["pattern"], "   ")
    assert not re.search(text["pattern"], "a\x00b")


@pytest.mark.django_db
def test_an_officer_id_past_64_bits_in_a_body_is_a_400_naming_it_not_a_500(officer_client, station):
    from sos.models import SosEvent

    sos = SosEvent.objects.create(station=station, source=SosEvent.Source.PUBLIC)
    response = officer_client.post(
        f"/api/v1/sos/open/{sos.pk}/dispatch/",
        {"officers": [2**64]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "officers" in response.json()
