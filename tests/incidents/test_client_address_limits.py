"""Report submission counts the client address, whatever a client writes into X-Forwarded-For:
no header, a malformed one and a spoofed one give no server error and no way past the limit."""

import uuid

import pytest

from incidents.models import Report
from tests.incidents.conftest import IN_ZONE

pytestmark = pytest.mark.django_db
RATE = 3


def headers_for(attempt: int) -> dict:
    """A different X-Forwarded-For on every attempt: missing, malformed, spoofed."""
    spoofed = f"198.51.100.{attempt + 1}"
    value = [None, "a, b", spoofed, f"{spoofed}, 203.0.113.{attempt}"][attempt % 4]
    return {} if value is None else {"HTTP_X_FORWARDED_FOR": value}


def form_post(client, category, **headers):
    data = {
        "kind": "report",
        "category": category.pk,
        "description": "รถจักรยานยนต์ถูกขโมย",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
        "idempotency_key": uuid.uuid4().hex,
    }
    return client.post("/report/", data, HTTP_ACCEPT="application/json", **headers)


def api_post(client, category, **headers):
    data = {
        "kind": "report",
        "category": category.code,
        "description": "โทรศัพท์ถูกขโมยที่ท่าเรือ",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
    }
    return client.post("/api/v1/reports/", data, **headers)


@pytest.mark.parametrize("proxies", [0, 1])
@pytest.mark.parametrize("post", [form_post, api_post], ids=["form", "api"])
def test_varying_forwarded_headers_never_fail_and_never_get_past_the_limit(
    client, settings, zone, theft, post, proxies
):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.INCIDENTS_SUBMIT_RATE = f"{RATE}/m"
    if proxies:  # one client behind the proxy, whose own header parts change every time
        codes = [
            post(client, theft, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7").status_code
            for i in range(RATE + 2)
        ]
        assert codes == [201] * RATE + [429, 429]
        # A missing or malformed header is counted under the connection's address instead.
        assert post(client, theft).status_code == 201
        assert post(client, theft, HTTP_X_FORWARDED_FOR="a, b").status_code == 201
        assert Report.objects.count() == RATE + 2
        return
    codes = [post(client, theft, **headers_for(i)).status_code for i in range(RATE + 3)]
    assert codes == [201] * RATE + [429] * 3
    assert Report.objects.count() == RATE


def test_a_named_report_keeps_the_address_the_proxy_appended_not_the_spoofed_one(
    client, settings, zone, theft
):
    settings.TRUSTED_PROXY_COUNT = 1
    form_post(client, theft, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert Report.objects.get().reporter_ip == "203.0.113.7"


def test_without_a_trusted_proxy_a_named_report_keeps_the_connections_address(
    client, settings, zone, theft
):
    settings.TRUSTED_PROXY_COUNT = 0
    form_post(client, theft, HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="198.51.100.10")
    assert Report.objects.get().reporter_ip == "198.51.100.10"
