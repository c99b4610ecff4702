"""/api/v1/reports/: create with an idempotency key, public status, officers' list, detail,
transition and GeoJSON, scoped by station; described in the OpenAPI schema."""

import pytest

from incidents import services
from incidents.models import Report
from tests.incidents.conftest import IN_ZONE, OUTSIDE, jpeg_bytes, upload

URL = "/api/v1/reports/"


def create_data(**extra):
    return {
        "kind": "report",
        "category": "theft",
        "description": "โทรศัพท์ถูกขโมยที่ท่าเรือ",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
    } | extra


def test_the_same_idempotency_key_posted_five_times_makes_one_report(client, zone, categories):
    answers = [
        client.post(
            URL,
            create_data(photos=[upload("a.jpg", jpeg_bytes())]),
            headers={"Idempotency-Key": "app-1234"},
        )
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [201, 200, 200, 200, 200]
    assert {a.json()["code"] for a in answers} == {Report.objects.get().display_code}
    assert [a.json()["created"] for a in answers] == [True, False, False, False, False]
    assert Report.objects.get().photos.count() == 1


def test_create_needs_no_login_and_accepts_json(client, zone, categories):
    response = client.post(URL, create_data(anonymous=True), content_type="application/json")
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.anonymous and report.reporter_ip is None
    assert response.json()["status_url"] == f"/report/track/{report.tracking_code}/"


def test_create_works_for_a_logged_in_session_without_csrf(zone, categories, officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post(URL, create_data()).status_code == 201


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"category": "nope"}, "category"),
        ({"lat": 123}, "lat"),
        ({"description": ""}, "description"),
        ({"kind": "gossip"}, "kind"),
        ({"reporter_phone": "call me"}, "reporter_phone"),
    ],
)
def test_bad_input_answers_400_with_the_field(client, zone, categories, bad, field):
    response = client.post(URL, create_data(**bad))
    assert response.status_code == 400
    assert field in response.json()
    assert Report.objects.count() == 0


def test_a_category_switched_off_in_admin_is_refused_from_the_next_report(
    client, zone, categories, admin_user
):
    assert client.post(URL, create_data(), content_type="application/json").status_code == 201
    theft = categories["theft"]
    theft.active = False
    services.category_save(actor=admin_user, category=theft)
    for category in ("theft", ["theft"], {"code": "fire"}, 7):
        response = client.post(URL, create_data(category=category), content_type="application/json")
        assert response.status_code == 400
        assert "category" in response.json()
    assert Report.objects.count() == 1


def test_status_by_code_shows_public_updates_only(client, report, officer):
    services.report_update_add(actor=officer, report_id=report.pk, text="รับเรื่องแล้ว", public=True)
    services.report_update_add(actor=officer, report_id=report.pk, text="ลับ", public=False)
    body = client.get(f"{URL}status/{report.display_code}/").json()
    assert body["code"] == report.display_code and body["state"] == "new"
    assert [u["text"] for u in body["updates"]] == ["รับเรื่องแล้ว"]
    assert "lat" not in body and "reporter_name" not in body


def test_officers_list_read_and_move_their_stations_reports(officer_client, report, officer):
    listed = officer_client.get(URL).json()["results"]
    assert [r["id"] for r in listed] == [report.pk]
    detail = officer_client.get(f"{URL}{report.pk}/").json()
    assert detail["code"] == report.display_code and detail["photos"] == []
    moved = officer_client.post(
        f"{URL}{report.pk}/transition/", {"to_state": "triaged", "note": "ok"}
    )
    assert moved.status_code == 200 and moved.json()["state"] == "triaged"
    illegal = officer_client.post(f"{URL}{report.pk}/transition/", {"to_state": "resolved"})
    assert illegal.status_code == 400
    assert "non_field_errors" in illegal.json() or "to_state" in illegal.json()
    update = officer_client.post(f"{URL}{report.pk}/updates/", {"text": "x", "public": True})
    assert update.status_code == 201


def test_geojson_filters_by_bbox(officer_client, make_report):
    inside = make_report()
    outside = make_report(lat=OUTSIDE[0], lng=OUTSIDE[1])
    box = f"{IN_ZONE[1] - 0.01},{IN_ZONE[0] - 0.01},{IN_ZONE[1] + 0.01},{IN_ZONE[0] + 0.01}"
    fc = officer_client.get(f"{URL}geojson/", {"bbox": box}).json()
    assert fc["type"] == "FeatureCollection"
    assert [f["id"] for f in fc["features"]] == [inside.pk]
    assert fc["features"][0]["geometry"]["coordinates"] == [IN_ZONE[1], IN_ZONE[0]]
    everything = officer_client.get(f"{URL}geojson/").json()
    assert {f["id"] for f in everything["features"]} == {inside.pk, outside.pk}
    bad = officer_client.get(f"{URL}geojson/", {"bbox": "10,10,5,5"})
    assert bad.status_code == 400 and "bbox" in bad.json()


def test_the_schema_describes_the_reports_api(admin_client):
    schema = admin_client.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/reports/"] and "get" in paths["/api/v1/reports/"]
    assert "/api/v1/reports/status/{code}/" in paths
    assert "/api/v1/reports/{id}/transition/" in paths
    assert "/api/v1/reports/geojson/" in paths
    create = paths["/api/v1/reports/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "multipart/form-data" in create["requestBody"]["content"]


@pytest.mark.parametrize(
    "changed",
    [
        {"description": "อีกเรื่องหนึ่ง"},
        {"lat": IN_ZONE[0] + 0.001},
        {"category": "fire"},
        {"reporter_phone": "0800000000"},
    ],
)
def test_a_known_idempotency_key_with_other_content_is_refused_and_leaks_no_code(
    client, zone, categories, changed
):
    key = {"Idempotency-Key": "app-known-key"}
    first = client.post(URL, create_data(reporter_phone="0811111111"), headers=key)
    assert first.status_code == 201
    original = Report.objects.get()
    other = client.post(URL, create_data(reporter_phone="0811111111") | changed, headers=key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict" and other.json()["detail"]
    body = other.content.decode()
    assert original.display_code not in body and original.tracking_code not in body
    assert Report.objects.count() == 1


def test_a_known_idempotency_key_with_another_photo_is_refused(client, zone, categories):
    key = {"Idempotency-Key": "app-photo-key"}
    photo = upload("a.jpg", jpeg_bytes())
    assert client.post(URL, create_data(photos=[photo]), headers=key).status_code == 201
    other = upload("a.jpg", jpeg_bytes(colour=(0, 90, 0)))
    assert client.post(URL, create_data(photos=[other]), headers=key).status_code == 409
    assert Report.objects.count() == 1


def test_the_shared_serializer_fields_keep_nothing_of_one_request_for_another(theft):
    """The create serializer's fields are built once and copied per request: validating many
    submissions at once in threads, each gets exactly its own values and errors."""
    import threading

    from incidents.serializers import ReportCreateSerializer

    def submission(i):
        if i % 3 == 0:  # refused: a bad phone, a latitude out of range, too many photos
            return {
                "category": "theft",
                "description": "x",
                "lat": 91,
                "lng": 0,
                "reporter_phone": "call me",
                "photos": [upload(f"{i}.jpg", b"x")] * 6,
            }
        return {
            "category": "theft",
            "description": f"report {i}",
            "lat": 16.5,
            "lng": 104.7,
            "reporter_name": f"name {i}",
        }

    results = {}

    def validate(i):
        for _ in range(20):
            serializer = ReportCreateSerializer(data=submission(i))
            results[i] = (serializer.is_valid(), serializer.errors, serializer.validated_data)

    threads = [threading.Thread(target=validate, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, (valid, errors, data) in results.items():
        if i % 3 == 0:
            assert not valid and set(errors) == {"lat", "reporter_phone", "photos"}
        else:
            assert valid and data["description"] == f"report {i}"
            assert data["reporter_name"] == f"name {i}" and data["category"] == theft
            assert data["photos"] == [] and data["kind"] == "report"
