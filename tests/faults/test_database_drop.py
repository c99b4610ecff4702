"""PostgreSQL drops its connections under a request: 503 with Retry-After, then business as usual.

The app runs in its own process (daphne) with every database connection passing through a TCP
proxy of the test's own, which cuts them at a chosen moment (when the app sends a given query),
and can refuse new ones for a while. The machine's PostgreSQL is never stopped.
"""

from pathlib import Path

import pytest
from django.test import Client

from incidents.models import Report
from tests.conftest import PASSWORD
from tests.incidents.conftest import IN_ZONE, jpeg_bytes, upload

pytestmark = pytest.mark.usefixtures("zone", "categories")

REPORTS = "/api/v1/reports/"
THAI_503 = "ระบบขัดข้องชั่วคราว"


def report_data(**extra) -> dict:
    return {
        "kind": "report",
        "category": "theft",
        "description": "กระเป๋าถูกกระชากหน้าร้านทอง",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
    } | extra


def photo_files(data_dir: Path) -> list[Path]:
    root = data_dir / "private" / "report-photos"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_retryable(answer) -> None:
    assert answer.status == 503, answer.text[:500]
    assert int(answer.headers["Retry-After"]) > 0
    assert "Traceback" not in answer.text


def test_a_page_whose_query_is_cut_answers_a_short_503_page_and_the_next_request_works(
    app_via_proxy, db_proxy
):
    assert app_via_proxy.get("/report/").status == 200

    db_proxy.cut_on(b'"incidents_category"', then_refuse=True)
    answer = app_via_proxy.get("/report/")
    assert db_proxy.fired.is_set()
    assert_retryable(answer)
    assert answer.headers["Content-Type"].startswith("text/html")
    assert THAI_503 in answer.text and "191" in answer.text
    # Still down: a request that cannot even connect gets the same answer.
    assert_retryable(app_via_proxy.get("/report/"))

    db_proxy.resume()
    again = app_via_proxy.get("/report/")
    assert again.status == 200
    assert "incidents_category" not in again.text


def test_an_officers_page_answers_503_when_the_session_lookup_fails(
    app_via_proxy, db_proxy, officer
):
    """The session and user are read by middleware, before any view: still a 503, not a 500."""
    client = Client()
    client.login(username=officer.username, password=PASSWORD)
    cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
    assert app_via_proxy.get("/dashboard/", headers=cookie).status == 200

    db_proxy.refuse()
    db_proxy.cut()
    assert_retryable(app_via_proxy.get("/dashboard/", headers=cookie))

    db_proxy.resume()
    assert app_via_proxy.get("/dashboard/", headers=cookie).status == 200


def test_an_api_report_cut_before_it_is_written_answers_503_json_and_a_retry_files_it_once(
    app_via_proxy, db_proxy
):
    key = {"Idempotency-Key": "phone-7f3a-cut-before"}
    db_proxy.cut_on(b'INSERT INTO "incidents_report"', then_refuse=True)
    answer = app_via_proxy.post(REPORTS, data=report_data(), headers=key)
    assert db_proxy.fired.is_set()
    assert_retryable(answer)
    assert answer.headers["Content-Type"] == "application/json"
    assert THAI_503 in answer.json()["detail"]
    assert Report.objects.count() == 0

    db_proxy.resume()
    first = app_via_proxy.post(REPORTS, data=report_data(), headers=key)
    second = app_via_proxy.post(REPORTS, data=report_data(), headers=key)
    assert (first.status, second.status) == (201, 200)
    assert first.json()["code"] == second.json()["code"]
    assert Report.objects.count() == 1


def test_a_report_cut_after_its_commit_was_sent_is_filed_once_after_the_retry(
    app_via_proxy, db_proxy
):
    """The app cannot know whether the commit happened; the idempotency key settles it."""
    key = {"Idempotency-Key": "phone-7f3a-cut-commit"}
    db_proxy.cut_on(b"COMMIT", forward=True, then_refuse=True)
    answer = app_via_proxy.post(REPORTS, data=report_data(), headers=key)
    assert db_proxy.fired.is_set()
    assert_retryable(answer)
    assert Report.objects.count() in (0, 1)
    committed = Report.objects.count() == 1

    db_proxy.resume()
    retry = app_via_proxy.post(REPORTS, data=report_data(), headers=key)
    assert retry.status == (200 if committed else 201)
    assert Report.objects.count() == 1
    assert Report.objects.get().idempotency_key == key["Idempotency-Key"]


def test_a_report_with_a_photo_cut_mid_write_leaves_no_row_and_no_file(app_via_proxy, db_proxy):
    key = {"Idempotency-Key": "phone-7f3a-photo"}
    data = report_data(photos=[upload("bag.jpg", jpeg_bytes())])
    db_proxy.cut_on(b'INSERT INTO "incidents_reportphoto"', then_refuse=True)
    answer = app_via_proxy.post(REPORTS, data=data, files=True, headers=key)
    assert db_proxy.fired.is_set()
    assert_retryable(answer)
    assert Report.objects.count() == 0
    assert photo_files(app_via_proxy.data_dir) == []

    db_proxy.resume()
    data = report_data(photos=[upload("bag.jpg", jpeg_bytes())])
    assert app_via_proxy.post(REPORTS, data=data, files=True, headers=key).status == 201
    report = Report.objects.get()
    assert report.photos.count() == 1
    assert len(photo_files(app_via_proxy.data_dir)) == 1
