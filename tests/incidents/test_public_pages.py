"""The citizen's pages: the form in Thai, sending, one report per form, tracking codes, limits,
the web app manifest and service worker."""

import re
import uuid
from urllib.parse import quote

import pytest
from django.test import override_settings

from incidents import services
from incidents.models import Report
from tests.incidents.conftest import IN_ZONE, OUTSIDE


def form_data(category, **extra):
    return {
        "kind": "report",
        "category": category.pk,
        "description": "รถจักรยานยนต์ถูกขโมย",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
        "idempotency_key": uuid.uuid4().hex,
    } | extra


def test_the_form_opens_in_thai_without_login_with_a_map_and_no_inline_script(
    client, zone, categories
):
    response = client.get("/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th"' in html
    assert 'id="sz-report-map"' in html and "leaflet.js" in html
    assert 'name="idempotency_key"' in html
    for category in categories.values():
        assert category.name in html
    # Scripts come from files only (the CSP forbids inline code); data is JSON.
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " onclick=" not in html and " onload=" not in html


def test_the_form_speaks_english_when_chosen(client, zone, categories):
    client.cookies.load({"django_language": "en"})
    html = client.get("/report/").content.decode()
    assert "Report an incident or give a tip-off" in html


def test_sending_the_form_shows_the_tracking_code_page(client, zone, theft):
    response = client.post("/report/", form_data(theft))
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/report/sent/{report.tracking_code}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert report.display_code in page.content.decode()


def test_the_page_script_gets_json(client, zone, theft):
    response = client.post("/report/", form_data(theft), HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == Report.objects.get().display_code
    bad = client.post("/report/", form_data(theft, lat="", lng=""), HTTP_ACCEPT="application/json")
    assert bad.status_code == 400
    assert "lat" in bad.json()["errors"]


def test_a_form_without_a_place_says_what_to_fix(client, zone, theft):
    client.cookies.load({"django_language": "en"})
    response = client.post("/report/", form_data(theft, lat="", lng="", description=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Pick the place on the map" in html
    assert "This field is required" in html
    assert Report.objects.count() == 0


def test_the_same_form_posted_five_times_makes_one_report(client, zone, theft):
    data = form_data(theft)
    locations = {client.post("/report/", data)["Location"] for _ in range(5)}
    assert Report.objects.count() == 1
    assert len(locations) == 1


def test_an_anonymous_form_keeps_no_contact_or_ip(client, zone, categories):
    client.post(
        "/report/",
        form_data(
            categories["drugs"],
            kind="tip_off",
            anonymous="on",
            reporter_name="นาย ก.",
            reporter_phone="0812345678",
        ),
        REMOTE_ADDR="198.51.100.9",
    )
    report = Report.objects.get()
    assert report.anonymous and report.kind == "tip_off"
    assert (report.reporter_name, report.reporter_phone, report.reporter_ip) == ("", "", None)


def test_a_named_form_keeps_the_contact(client, zone, theft):
    client.post(
        "/report/",
        form_data(theft, reporter_name="นาง ข.", reporter_phone="081 234 5678"),
        REMOTE_ADDR="198.51.100.10",
    )
    report = Report.objects.get()
    assert (report.reporter_name, report.reporter_ip) == ("นาง ข.", "198.51.100.10")


def test_too_many_submissions_from_one_client_get_a_clear_message(client, zone, theft):
    client.cookies.load({"django_language": "en"})
    statuses = [client.post("/report/", form_data(theft)).status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    response = client.post("/report/", form_data(theft), HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert "Too many reports from this device" in response.json()["error"]
    assert Report.objects.count() == 10


def test_the_status_page_shows_public_updates_but_never_internal_notes(client, report, officer):
    services.report_update_add(
        actor=officer, report_id=report.pk, text="เจ้าหน้าที่กำลังเดินทางไป", public=True
    )
    services.report_update_add(
        actor=officer, report_id=report.pk, text="ลับ: ผู้ต้องสงสัยคือ ก.", public=False
    )
    services.report_transition(actor=officer, report_id=report.pk, to_state="triaged")
    html = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    assert "เจ้าหน้าที่กำลังเดินทางไป" in html
    assert "ลับ" not in html
    assert 'data-state="triaged"' in html
    # The code may be typed in lower case and with its dash.
    lookup = client.get("/report/track/", {"code": report.display_code.lower()})
    assert lookup.status_code == 200 and "เจ้าหน้าที่กำลังเดินทางไป" in lookup.content.decode()


WRONG_CODES = ["AAAA-AAAA", "ZZZZZZZZ", "x", "0000-0000", "' OR 1=1 --", "A" * 20]


def without_echo(html: str) -> str:
    """The page minus the language switch's return address (the URL just asked for) and its
    CSRF token (masked afresh for every page)."""
    html = re.sub(r'<input name="next" type="hidden" value="[^"]*">', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_wrong_codes_get_the_same_answer_and_the_same_work(
    client, report, django_assert_num_queries
):
    pages, api_answers = set(), set()
    for code in WRONG_CODES:
        with django_assert_num_queries(1):  # one indexed lookup, whatever was typed
            response = client.get("/report/track/", {"code": code})
        assert response.status_code == 404
        pages.add(without_echo(response.content.decode()))
        api = client.get(f"/api/v1/reports/status/{quote(code, safe='')}/")
        if api.status_code == 404 and api.headers["Content-Type"] == "application/json":
            api_answers.add(api.content)
    assert len(pages) == 1
    assert len(api_answers) == 1
    # A right code costs the same single lookup (plus its public updates).
    with django_assert_num_queries(2):
        assert client.get("/report/track/", {"code": report.tracking_code}).status_code == 200


def test_twenty_wrong_guesses_from_one_client_hit_the_limit(client, report):
    client.cookies.load({"django_language": "en"})
    for i in range(20):
        response = client.get(f"/report/track/WRONG{i:03d}/")
        assert response.status_code == 404
        assert "No report has this tracking code" in response.content.decode()
    limited = client.get(f"/report/track/{report.tracking_code}/")
    assert limited.status_code == 429
    assert "Too many tries from this device" in limited.content.decode()
    api = client.get("/api/v1/reports/status/ABCD2345/")
    assert api.status_code == 429
    # Another client is not affected.
    other = client.get(f"/report/track/{report.tracking_code}/", REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 200


def test_the_home_page_links_to_the_form(client, db):
    html = client.get("/").content.decode()
    assert 'href="/report/"' in html


def test_the_manifest_and_worker_are_served_for_the_report_scope(client, db):
    manifest = client.get("/report/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["start_url"] == "/report/" and data["scope"] == "/report/"
    assert data["display"] == "standalone"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in data["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200
        body = b"".join(png.streaming_content) if png.streaming else png.content
        assert body.startswith(b"\x89PNG")
    worker = client.get("/report/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("application/javascript")
    body = worker.content.decode()
    assert "__PRECACHE__" not in body and '"/report/"' in body
    assert "importScripts(" in body
    cache_name = re.search(r'var CACHE = "(sz-report-[0-9a-f]{12})"', body)[1]
    with override_settings(STATIC_URL="/static-v2/"):  # a new version of the precached files
        again = client.get("/report/sw.js").content.decode()
    assert cache_name not in again and re.search(r'var CACHE = "sz-report-[0-9a-f]{12}"', again)


@pytest.mark.parametrize("where, expected", [(IN_ZONE, False), (OUTSIDE, True)])
def test_the_form_tells_the_map_which_zones_exist(client, zone, theft, where, expected):
    config = client.get("/report/").context["map_config"]
    # The zones go to the map's script, for the inside/outside indicator.
    assert [z["name"] for z in config["zones"]] == [zone.name]
    client.post("/report/", form_data(theft, lat=where[0], lng=where[1]))
    assert Report.objects.get().outside_zone is expected


def test_the_forms_key_with_other_content_is_refused_without_the_first_code(client, zone, theft):
    data = form_data(theft)
    first = client.post("/report/", data, HTTP_ACCEPT="application/json")
    assert first.status_code == 201
    original = Report.objects.get()
    again = client.post(
        "/report/", data | {"description": "ข้อความอื่น"}, HTTP_ACCEPT="application/json"
    )
    assert again.status_code == 400
    assert again.json()["errors"]["__all__"][0]["code"] == "idempotency_conflict"
    assert original.tracking_code not in again.content.decode()
    assert original.display_code not in again.content.decode()
    # The plain form answers with the error and a fresh key, so sending again files a report.
    page = client.post("/report/", data | {"description": "ข้อความอื่น"})
    assert page.status_code == 400
    html = page.content.decode()
    assert original.display_code not in html and data["idempotency_key"] not in html
    assert Report.objects.count() == 1
