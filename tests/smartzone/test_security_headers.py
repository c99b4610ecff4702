"""Security headers on every kind of HTML page: the CSP, no framing, no sniffing, a referrer policy.

(Production-only settings, HSTS and secure cookies, are checked in test_settings.py, which runs
`manage.py check --deploy` and reads the settings of a production process.)
"""

import pytest
from django.urls import reverse

from smartzone.csp import tile_origin


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_secure_headers(response):
    assert "text/html" in response["Content-Type"]
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert {"'self'", "ws://testserver", "wss://testserver"} <= set(policy["connect-src"])
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "path", ["/", "/report/", "/report/track/", "/sos/help/", "/notices/", "/accounts/login/"]
)
def test_public_pages_send_the_security_headers(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_secure_headers(response)


@pytest.mark.parametrize(
    "name", ["dashboard", "timeline", "incidents:list", "sos:list", "cctv:cameras", "patrol:points"]
)
def test_officer_pages_send_the_security_headers(supervisor_client, zone, name):
    response = supervisor_client.get(reverse(name))
    assert response.status_code == 200
    assert_secure_headers(response)


def test_admin_api_docs_and_error_pages_send_the_security_headers(client, admin_user, zone):
    client.force_login(admin_user)
    for path in ["/admin/", "/admin/smartzone/safetyzone/add/", "/api/v1/docs/", "/api/v1/"]:
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, path
        assert_secure_headers(response)
    missing = client.get("/zones/999999/")
    assert missing.status_code == 404
    assert_secure_headers(missing)


def test_the_api_docs_load_their_script_from_a_url_not_inline(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/api/v1/docs/").content.decode()
    assert "<style" not in page
    assert '<script src="/api/v1/docs/?script="' in page
    assert page.count("<script") == page.count("<script src=")
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_map_tiles_are_allowed_from_the_tile_server_only(client, db, settings):
    policy = directives(client.get("/"))
    expected = tile_origin(settings.MAP_TILES_URL)
    # blob: for the live view's MJPEG frames, made in the page (cctv/live.js)
    assert policy["img-src"] == ["'self'", "data:", "blob:", *([expected] if expected else [])]


@pytest.mark.parametrize(
    "url, origin",
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("", None),
        ("/tiles/{z}/{x}/{y}.png", None),
    ],
)
def test_tile_origin(url, origin):
    assert tile_origin(url) == origin
