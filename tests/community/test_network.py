"""Partners, network meetings and their decisions; open decisions on the dashboard."""

from datetime import date

import pytest

from community import network_services
from community.models import Decision, Meeting, Partner
from smartzone.models import AuditEntry


@pytest.fixture
def partner(station, landmark):
    return network_services.partner_save(
        actor="test",
        partner=Partner(
            station=station,
            name="สมาคมผู้ค้าตลาดอินโดจีน",
            kind=Partner.Kind.MARKET_ASSOCIATION,
            contact_person="คุณสมศรี",
            phone="042-000-000",
            landmark=landmark,
        ),
    )


@pytest.fixture
def meeting(station, partner, officer):
    return network_services.meeting_save(
        actor="test",
        meeting=Meeting(station=station, title="ประชุมเครือข่าย", date=date(2026, 11, 1)),
        partners=[partner],
        officers=[officer],
    )


@pytest.fixture
def decision(meeting):
    return network_services.decision_save(
        actor="test",
        decision=Decision(
            meeting=meeting, text="ติดไฟส่องสว่างซอย 3", owner="เทศบาล", due_date=date(2026, 12, 1)
        ),
    )


def test_a_partner_takes_its_landmarks_place_and_shows_on_the_map(
    partner, landmark, officer_client
):
    assert (partner.lat, partner.lng) == (landmark.lat, landmark.lng)
    page = officer_client.get("/community/partners/")
    assert page.status_code == 200
    assert page.context["map_data"]["points"][0]["name"] == partner.name


def test_a_partner_cannot_use_another_stations_landmark(station, other_landmark):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        network_services.partner_save(
            actor="test",
            partner=Partner(station=station, name="x", kind="bank", landmark=other_landmark),
        )
    assert not Partner.objects.exists()


def test_an_open_decision_shows_until_an_officer_marks_it_done(decision, meeting, officer_client):
    rows = officer_client.get("/api/v1/community/open-decisions/").json()["results"]
    assert [r["text"] for r in rows] == ["ติดไฟส่องสว่างซอย 3"]
    assert "ติดไฟส่องสว่างซอย 3" in officer_client.get("/community/meetings/").content.decode()

    response = officer_client.post(
        f"/community/meetings/{meeting.pk}/", {"decision_done": str(decision.pk)}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.done and decision.done_at
    assert AuditEntry.objects.filter(action="decision.done").count() == 1
    assert officer_client.get("/api/v1/community/open-decisions/").json()["results"] == []


def test_another_stations_officer_sees_no_meeting_and_cannot_close_a_decision(
    decision, meeting, other_officer_client
):
    assert other_officer_client.get(f"/community/meetings/{meeting.pk}/").status_code == 404
    assert other_officer_client.get("/api/v1/community/open-decisions/").json()["results"] == []
    assert other_officer_client.get("/api/v1/community/partners/").json()["results"] == []
    decision.refresh_from_db()
    assert not decision.done


def test_an_officer_adds_a_decision_and_the_form_says_what_is_missing(meeting, officer_client):
    url = f"/community/meetings/{meeting.pk}/"
    response = officer_client.post(url, {"add_decision": "1", "text": "", "owner": ""})
    assert response.status_code == 200
    assert set(response.context["decision_form"].errors) == {"text", "owner"}
    response = officer_client.post(
        url, {"add_decision": "1", "text": "ตั้งจุดตรวจ", "owner": "สภ.", "due_date": "2026-12-24"}
    )
    assert response.status_code == 302
    assert meeting.decisions.get().text == "ตั้งจุดตรวจ"


def test_attachments_are_served_only_to_officers_of_the_station(
    meeting, officer_client, other_officer, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    other_officer_client = Client()
    other_officer_client.force_login(other_officer)
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf")
    response = officer_client.post(
        f"/community/meetings/{meeting.pk}/", {"add_attachment": "1", "file": upload}
    )
    assert response.status_code == 302
    attachment = meeting.attachments.get()
    url = f"/community/attachments/{attachment.pk}/"
    assert b"".join(officer_client.get(url).streaming_content) == b"%PDF-1.4 minutes"
    assert other_officer_client.get(url).status_code == 404


def test_the_dashboard_loads_the_open_decisions_script(officer_client, station):
    page = officer_client.get("/dashboard/").content.decode()
    assert "community/dashboard.js" in page


def test_an_admin_narrows_partners_to_one_station(partner, other_station, admin_client):
    network_services.partner_save(
        actor="test",
        partner=Partner(station=other_station, name="ธนาคารอีกแห่ง", kind=Partner.Kind.BANK),
    )

    def names(query: str) -> list[str]:
        rows = admin_client.get(f"/api/v1/community/partners/{query}").json()["results"]
        return [row["name"] for row in rows]

    assert sorted(names("")) == sorted([partner.name, "ธนาคารอีกแห่ง"])
    assert names(f"?station={partner.station_id}") == [partner.name]
    assert names(f"?station={other_station.pk}") == ["ธนาคารอีกแห่ง"]
    bad = admin_client.get("/api/v1/community/partners/?station=abc")
    assert bad.status_code == 400 and "station" in bad.json()
