"""Every numeric, date and id parameter of every page and endpoint, sent out of range: 400 (or
404 for a path id that names nothing), never a 500. Pages come from the URL resolver, query
parameters of the API from its OpenAPI schema, those of pages from the forms they read."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

BAD_NUMBERS = ["abc", "1.5", "9223372036854775808", "1" + "0" * 40, "１２", "-"]
BAD_DATES = ["2026-13-45", "9999-12-31", "0001-01-01", "99999-01-01", "abc", "-1"]
PATH_IDS = ["9223372036854775807", "9223372036854775808", "1" + "0" * 30]
# The query parameters pages read (their filter forms and request.GET): every page gets each.
PAGE_NUMBERS = ["station", "page", "zone", "before", "after", "incident", "cell", "limit"]
PAGE_DATES = ["since", "until", "day", "date"]
SKIP = re.compile(r"^(admin/|api/v1/schema|api/v1/docs|static/|media/|__)")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def routes() -> list[str]:
    """Every route of the site as a path template (Django `<conv:name>` form only)."""
    found = []
    for route in _walk(get_resolver().url_patterns):
        if SKIP.match(route.lstrip("^")):
            continue
        found.append(route)
    return sorted(set(found))


def fill(route: str, value: str) -> str | None:
    """ROUTE with every id in it set to VALUE (None if another part cannot be guessed)."""
    if route.startswith("^"):  # a DRF router's regex: ids are (?P<pk>[^/.]+)
        if "(?P<format>" in route:
            return None
        route = re.sub(r"\(\?P<\w+>\[\^/\.\]\+\)", "<int:pk>", route.strip("^$"))
        if "(" in route or "\\" in route:
            return None
    if re.search(r"<(?!int:)\w+:", route):
        return None
    return "/" + re.sub(r"<int:\w+>", value, route)


def api_parameters() -> list[tuple[str, str, str]]:
    """(path, parameter, kind) of every numeric or date query parameter the schema lists."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        if "{" in path or "get" not in item:
            continue
        for param in item["get"].get("parameters", []):
            if param["in"] != "query":
                continue
            kind = param.get("schema", {}).get("type")
            fmt = param.get("schema", {}).get("format", "")
            if kind == "integer":
                found.append((path, param["name"], param["schema"]))
            elif fmt in ("date", "date-time"):
                found.append((path, param["name"], None))
    return found


def get(client, url, params, failures: list):
    """GET URL; note a 500 (or an exception) in FAILURES."""
    try:
        response = client.get(url, params or {})
    except Exception as exc:  # noqa: BLE001 (collect every failure, then report them all)
        failures.append(f"{url} {params}: {type(exc).__name__}")
        return None
    if response.status_code >= 500:
        failures.append(f"{url} {params}: {response.status_code}")
    return response


@pytest.fixture
def every_client(admin_client):
    return admin_client


def test_every_path_id_out_of_range_is_404_never_500(every_client):
    checked, failures = 0, []
    for route in routes():
        if "<int:" not in route:
            continue
        for value in PATH_IDS:
            url = fill(route, value)
            if url is None:
                continue
            response = get(every_client, url, {}, failures)
            allowed = (400, 403, 404, 405) + ((302,) if value == str(2**63 - 1) else ())
            if response is not None and response.status_code not in allowed:
                failures.append(f"{url}: {response.status_code}")
            checked += 1
    assert checked > 20
    assert not failures, "\n".join(failures)


def test_every_api_number_and_date_parameter_out_of_range_is_400_naming_it(every_client):
    params, failures = api_parameters(), []
    assert any(name == "station" for _, name, _ in params)
    for path, name, schema in params:
        if schema is not None and not {"minimum", "maximum"} <= set(schema):
            failures.append(f"{path}?{name}: the schema gives no minimum and maximum")
            continue
        if schema is not None:
            low, high = schema["minimum"] - 1, schema["maximum"] + 1
            values = [str(low), str(high), *BAD_NUMBERS]
        else:
            values = BAD_DATES
        for value in values:
            response = get(every_client, path, {name: value}, failures)
            if response is None or response.status_code >= 500:
                continue
            if response.status_code == 400:
                if name not in response.json():
                    failures.append(f"{path}?{name}={value}: 400 without naming it")
            else:
                failures.append(f"{path}?{name}={value}: {response.status_code}, not 400")
    assert not failures, "\n".join(failures)


def test_every_page_answers_bad_numbers_and_dates_without_a_500(every_client):
    pages = [fill(r, "1") for r in routes() if not r.startswith("api/")]
    pages = [p for p in pages if p]
    assert len(pages) > 20
    failures = []
    for url in pages:
        for name in PAGE_NUMBERS:
            for value in ("9223372036854775808", "-1", "abc"):
                get(every_client, url, {name: value}, failures)
        for name in PAGE_DATES:
            for value in ("9999-12-31", "0001-01-01", "2026-13-45"):
                get(every_client, url, {name: value}, failures)
        get(every_client, url, dict.fromkeys(PAGE_NUMBERS, "9223372036854775808"), failures)
    assert not failures, "\n".join(failures)


def test_a_number_with_a_control_character_is_refused_not_read_as_the_number():
    from smartzone import params

    with pytest.raises(params.ParameterError):
        params.number("9\x1f", name="offset", minimum=0, maximum=10)
    assert params.parse_id("9\x1f") is None
    assert params.number(" 9 ", name="offset", minimum=0, maximum=10) == 9
