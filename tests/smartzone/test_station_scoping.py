"""An officer of station B sees nothing of station A: pages and API answer 404 or 403."""

import pytest
from django.urls import reverse


@pytest.fixture
def station_a_objects(station, zone, landmark):
    return {"station": station, "zone": zone, "landmark": landmark}


def test_station_b_officer_gets_404_for_every_station_a_object(
    station_a_objects, other_officer_client
):
    a = station_a_objects
    urls = [
        reverse("zone-detail", args=[a["zone"].pk]),
        f"/api/v1/stations/{a['station'].pk}/",
        f"/api/v1/zones/{a['zone'].pk}/",
        f"/api/v1/landmarks/{a['landmark'].pk}/",
        f"/dashboard/?station={a['station'].pk}",
    ]
    for url in urls:
        assert other_officer_client.get(url).status_code == 404, url


def test_station_b_officer_lists_none_of_station_a(
    station_a_objects, other_zone, other_landmark, other_officer_client
):
    for url in ["/api/v1/zones/", "/api/v1/landmarks/", "/api/v1/stations/"]:
        rows = other_officer_client.get(url).json()["results"]
        assert rows, url
        station_ids = {row.get("station", row.get("id")) for row in rows}
        assert station_ids == {other_zone.station_id}, url
    for url in ["/api/v1/zones/geojson/", "/api/v1/landmarks/geojson/"]:
        names = [f["properties"]["name"] for f in other_officer_client.get(url).json()["features"]]
        assert names and station_a_objects["zone"].name not in names
    events = other_officer_client.get("/api/v1/events/?after=0").json()
    assert events and {e["station"] for e in events} == {other_zone.station_id}
    events = other_officer_client.get(
        f"/api/v1/events/?after=0&station={station_a_objects['station'].pk}"
    ).json()
    assert events == []


def test_station_b_officer_cannot_add_a_landmark_to_station_a(
    station_a_objects, other_supervisor_client
):
    response = other_supervisor_client.post(
        "/api/v1/landmarks/",
        {
            "station": station_a_objects["station"].pk,
            "name": "x",
            "kind": "bank",
            "lat": 16.5,
            "lng": 104.7,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "station" in response.json()


def test_officer_sees_own_station(station_a_objects, officer_client):
    zone = station_a_objects["zone"]
    assert officer_client.get(f"/zones/{zone.pk}/").status_code == 200
    assert officer_client.get(f"/api/v1/zones/{zone.pk}/").json()["name"] == zone.name
    page = officer_client.get("/dashboard/")
    assert page.status_code == 200
    assert zone.name in page.content.decode()


@pytest.mark.parametrize(
    "url", ["/dashboard/", "/zones/1/", "/api/v1/zones/", "/api/v1/events/", "/api/v1/stations/"]
)
def test_outsiders_are_refused(client, citizen, station_a_objects, url):
    anonymous = client.get(url).status_code
    assert anonymous in {302, 401, 403}
    if anonymous == 302:
        assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(citizen)
    assert client.get(url).status_code == 403


def test_only_supervisors_add_landmarks(station_a_objects, officer_client):
    response = officer_client.post(
        "/api/v1/landmarks/",
        {
            "station": station_a_objects["station"].pk,
            "name": "x",
            "kind": "bank",
            "lat": 16.5,
            "lng": 104.7,
        },
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_supervisor_adds_a_landmark_through_the_service(station_a_objects, supervisor_client):
    from smartzone.models import AuditEntry, Event

    response = supervisor_client.post(
        "/api/v1/landmarks/",
        {
            "station": station_a_objects["station"].pk,
            "name": "ธนาคารใหม่",
            "kind": "bank",
            "lat": 16.5447,
            "lng": 104.7258,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["zone"] == station_a_objects["zone"].pk  # placed in its zone
    assert Event.objects.filter(kind="landmark.created", payload__name="ธนาคารใหม่").exists()
    assert AuditEntry.objects.filter(action="landmark.created", actor_label="charlie").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "bank", "lat": 95, "lng": 104.7}, "lat"),
        ({"name": "x", "kind": "castle", "lat": 16.5, "lng": 104.7}, "kind"),
        ({"kind": "bank", "lat": 16.5, "lng": 104.7}, "name"),
        ({"name": "x", "kind": "bank", "lat": "north", "lng": 104.7}, "lat"),
    ],
)
def test_bad_landmark_input_is_a_400_naming_the_field(
    station_a_objects, supervisor_client, body, field
):
    body["station"] = station_a_objects["station"].pk
    response = supervisor_client.post("/api/v1/landmarks/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()


def test_bad_event_query_is_a_400(officer_client):
    assert officer_client.get("/api/v1/events/?after=abc").status_code == 400
    assert officer_client.get("/api/v1/events/?limit=100000").status_code == 400
