"""Officers' pages: the list with filters and CSV, the detail with photos and timeline, the
workflow forms, duplicates and merging; outsiders and other stations are refused."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from incidents import services
from incidents.models import Report
from tests.incidents.conftest import IN_ZONE, OUTSIDE


@pytest.fixture
def reports(make_report, categories):
    return {
        "theft": make_report(description="ขโมยกระเป๋า"),
        "fire": make_report(category=categories["fire"], description="=HYPERLINK(evil)"),
        "outside": make_report(lat=OUTSIDE[0], lng=OUTSIDE[1], description="นอกเขต"),
    }


def codes_in(response) -> set[str]:
    return {r.display_code for r in response.context["reports"]}


def test_the_list_filters_by_state_category_zone_date_and_box(
    officer_client, reports, officer, categories
):
    services.report_transition(actor=officer, report_id=reports["fire"].pk, to_state="triaged")
    all_codes = {r.display_code for r in reports.values()}
    assert codes_in(officer_client.get("/reports/")) == all_codes
    assert codes_in(officer_client.get("/reports/", {"state": "triaged"})) == {
        reports["fire"].display_code
    }
    fire = categories["fire"].pk
    assert codes_in(officer_client.get("/reports/", {"category": fire})) == {
        reports["fire"].display_code
    }
    assert codes_in(officer_client.get("/reports/", {"in_zone": "no"})) == {
        reports["outside"].display_code
    }
    box = f"{IN_ZONE[1] - 0.01},{IN_ZONE[0] - 0.01},{IN_ZONE[1] + 0.01},{IN_ZONE[0] + 0.01}"
    assert reports["outside"].display_code not in codes_in(
        officer_client.get("/reports/", {"bbox": box})
    )
    today = timezone.localdate()
    assert codes_in(officer_client.get("/reports/", {"since": today, "until": today})) == all_codes
    tomorrow = today + timedelta(days=1)
    assert codes_in(officer_client.get("/reports/", {"since": tomorrow})) == set()


def test_a_bad_filter_says_what_to_fix(officer_client, reports):
    officer_client.cookies.load({"django_language": "en"})
    response = officer_client.get("/reports/", {"bbox": "1,2,3"})
    assert response.status_code == 200
    assert "west,south,east,north" in response.content.decode()
    assert codes_in(response) == set()
    export = officer_client.get("/reports/export.csv", {"bbox": "x"})
    assert export.status_code == 400


def test_the_csv_export_holds_the_filtered_list_without_contacts_or_formulas(
    officer_client, reports
):
    response = officer_client.get("/reports/export.csv", {"in_zone": "yes"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    codes = {row[0] for row in rows[1:]}
    assert codes == {reports["theft"].display_code, reports["fire"].display_code}
    assert any(row[-1] == "'=HYPERLINK(evil)" for row in rows[1:])
    # Times are local, in the form spreadsheet programs read as dates (no offset, no fractions).
    theft = next(row for row in rows[1:] if row[0] == reports["theft"].display_code)
    local = timezone.localtime(reports["theft"].created_at)
    assert theft[4] == local.strftime("%Y-%m-%d %H:%M:%S")


def test_the_detail_shows_photos_timeline_and_next_steps(
    officer_client, make_report, photo, officer
):
    report = make_report(photos=[photo], reporter_name="นาย ก.", reporter_phone="0812345678")
    services.report_update_add(actor=officer, report_id=report.pk, text="บันทึกภายใน", public=False)
    services.report_transition(actor=officer, report_id=report.pk, to_state="triaged", note="ok")
    response = officer_client.get(f"/reports/{report.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    photo_url = f"/reports/{report.pk}/photos/{report.photos.get().pk}/"
    assert photo_url in html
    assert "บันทึกภายใน" in html and "0812345678" in html
    assert 'data-to="dispatched"' in html and 'data-to="rejected"' in html
    assert 'data-to="resolved"' not in html


def test_a_photo_is_served_only_to_its_stations_officers_and_safely(
    client, officer_client, make_report, photo, other_officer
):
    report = make_report(photos=[photo])
    url = f"/reports/{report.pk}/photos/{report.photos.get().pk}/"
    response = officer_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert f'filename="report-{report.tracking_code}-' in disposition
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    officer_client.logout()
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    # The file itself is not under any public URL.
    name = report.photos.get().file.name
    assert client.get(f"/media/{name}").status_code == 404


def test_the_workflow_forms_move_the_report_and_refuse_illegal_steps(
    officer_client, report, officer
):
    officer_client.cookies.load({"django_language": "en"})
    url = f"/reports/{report.pk}/transition/"
    officer_client.post(url, {"to_state": "triaged", "note": "checked"})
    officer_client.post(url, {"to_state": "dispatched", "officer": officer.pk})
    report.refresh_from_db()
    assert report.state == "dispatched" and report.assigned_officer == officer
    response = officer_client.post(url, {"to_state": "resolved"}, follow=True)
    assert "cannot become" in response.content.decode()
    report.refresh_from_db()
    assert report.state == "dispatched"


def test_public_updates_and_notes_from_the_page(officer_client, report, client):
    url = f"/reports/{report.pk}/updates/"
    officer_client.post(url, {"text": "ถึงที่เกิดเหตุแล้ว", "public": "on"})
    officer_client.post(url, {"text": "หมายเหตุลับ"})
    assert report.updates.filter(public=True).count() == 1
    assert report.updates.filter(public=False).count() == 1


def test_duplicate_candidates_are_same_category_within_150_m_and_2_hours(
    officer_client, make_report, categories
):
    report = make_report()
    near = make_report(lat=IN_ZONE[0] + 0.0009, lng=IN_ZONE[1])  # about 100 m north
    make_report(lat=IN_ZONE[0] + 0.0018, lng=IN_ZONE[1])  # about 200 m: not a candidate
    make_report(category=categories["fire"])  # another category
    old = make_report()
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=3))
    response = officer_client.get(f"/reports/{report.pk}/")
    candidates = response.context["candidates"]
    assert [c.pk for c, _distance in candidates] == [near.pk]
    assert 90 < candidates[0][1] < 110

    merged = officer_client.post(f"/reports/{report.pk}/merge/", {"into": near.pk})
    assert merged["Location"] == f"/reports/{near.pk}/"
    report.refresh_from_db()
    assert report.state == "rejected" and report.duplicate_of_id == near.pk


def test_another_stations_officer_gets_404_everywhere(other_officer_client, make_report, photo):
    report = make_report(photos=[photo])
    photo_pk = report.photos.get().pk
    for url in [
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/photos/{photo_pk}/",
        f"/api/v1/reports/{report.pk}/",
    ]:
        assert other_officer_client.get(url).status_code == 404, url
    for url, data in [
        (f"/reports/{report.pk}/transition/", {"to_state": "triaged"}),
        (f"/reports/{report.pk}/updates/", {"text": "x", "public": "on"}),
        (f"/reports/{report.pk}/merge/", {"into": report.pk}),
        (f"/api/v1/reports/{report.pk}/transition/", {"to_state": "triaged"}),
        (f"/api/v1/reports/{report.pk}/updates/", {"text": "x"}),
    ]:
        assert other_officer_client.post(url, data).status_code == 404, url
    report.refresh_from_db()
    assert report.state == "new" and not report.updates.exists()
    assert report.display_code not in other_officer_client.get("/reports/").content.decode()
    assert other_officer_client.get("/api/v1/reports/").json()["results"] == []
    assert other_officer_client.get("/api/v1/reports/geojson/").json()["features"] == []
    csv_text = other_officer_client.get("/reports/export.csv").content.decode("utf-8-sig")
    assert report.display_code not in csv_text


@pytest.mark.parametrize(
    "url", ["/reports/", "/reports/export.csv", "/reports/1/", "/api/v1/reports/"]
)
def test_outsiders_are_refused(client, citizen, report, url):
    url = url.replace("/1/", f"/{report.pk}/")
    anonymous = client.get(url)
    assert anonymous.status_code in {302, 401, 403}
    client.force_login(citizen)
    assert client.get(url).status_code == 403
