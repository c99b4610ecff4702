"""Supervisors keep the partner network on its own pages: partners and network meetings."""

from datetime import date

import pytest

from community import network_services
from community.models import Meeting, Partner
from smartzone.models import AuditEntry, Event


@pytest.fixture
def partner(station):
    return network_services.partner_save(
        actor="test",
        partner=Partner(station=station, name="ร้านทองแม่ทองคำ", kind=Partner.Kind.GOLD_SHOP),
    )


def test_a_supervisor_adds_a_partner_placed_on_the_map(supervisor_client, supervisor, station):
    page = supervisor_client.get("/community/partners/new/").content.decode()
    assert 'id="partner-pick-map"' in page and "community/partner_form.js" in page
    response = supervisor_client.post(
        "/community/partners/new/",
        {
            "name": "สมาคมผู้ค้าตลาดอินโดจีน",
            "kind": "market_association",
            "contact_person": "คุณสมศรี",
            "phone": "042-611-111",
            "lat": "16.54471",
            "lng": "104.72583",
        },
    )
    assert response.status_code == 302
    partner = Partner.objects.get()
    assert (partner.station, partner.contact_person, partner.lat, partner.lng) == (
        station,
        "คุณสมศรี",
        16.54471,
        104.72583,
    )
    entry = AuditEntry.objects.get(action="partner.created")
    assert entry.actor_id == supervisor.pk
    assert Event.objects.filter(kind="partner.created", station=station).exists()


def test_a_partner_takes_its_landmarks_place_when_none_is_picked(supervisor_client, landmark):
    response = supervisor_client.post(
        "/community/partners/new/",
        {"name": "ธนาคารกรุงไทย", "kind": "bank", "landmark": landmark.pk},
    )
    assert response.status_code == 302
    assert (Partner.objects.get().lat, Partner.objects.get().lng) == (landmark.lat, landmark.lng)


def test_the_partner_form_names_what_is_wrong(supervisor_client, partner, other_landmark):
    response = supervisor_client.post(
        "/community/partners/new/",
        {"name": partner.name, "kind": "shop?", "lat": "16.5", "landmark": other_landmark.pk},
    )
    assert response.status_code == 400
    assert {"kind", "landmark"} <= set(response.context["form"].errors)
    response = supervisor_client.post(
        "/community/partners/new/", {"name": partner.name, "kind": "bank", "lat": "16.5"}
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "lng" in form.errors or "name" in form.errors or form.non_field_errors()
    assert Partner.objects.count() == 1


def test_a_supervisor_changes_a_partner(supervisor_client, partner):
    response = supervisor_client.post(
        f"/community/partners/{partner.pk}/edit/",
        {"name": partner.name, "kind": "gold_shop", "phone": "042-000-111"},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.phone == "042-000-111"
    assert AuditEntry.objects.filter(action="partner.updated").count() == 1


def test_another_stations_supervisor_cannot_change_a_partner_or_a_meeting(
    other_supervisor_client, partner, station
):
    url = f"/community/partners/{partner.pk}/edit/"
    assert other_supervisor_client.get(url).status_code == 404
    response = other_supervisor_client.post(url, {"name": "x", "kind": "bank"})
    assert response.status_code == 404
    partner.refresh_from_db()
    assert partner.name == "ร้านทองแม่ทองคำ"
    meeting = network_services.meeting_save(
        actor="test", meeting=Meeting(station=station, title="ประชุม", date=date(2026, 11, 1))
    )
    url = f"/community/meetings/{meeting.pk}/edit/"
    response = other_supervisor_client.post(url, {"title": "x", "date": "2026-11-02"})
    assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.title == "ประชุม"


def test_an_officer_cannot_add_partners_or_meetings(officer, officer_client, station):
    from django.core.exceptions import PermissionDenied

    assert officer_client.get("/community/partners/new/").status_code == 403
    assert officer_client.post("/community/meetings/new/", {"title": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        network_services.partner_save(
            actor=officer, partner=Partner(station=station, name="x", kind="bank")
        )
    assert not Partner.objects.exists() and not Meeting.objects.exists()


def test_a_supervisor_records_a_meeting_with_partners_and_officers_attending(
    supervisor_client, supervisor, officer, partner, other_officer
):
    page = supervisor_client.get("/community/meetings/new/")
    officers = page.context["form"].fields["officers"].queryset
    assert officer in officers and other_officer not in officers
    response = supervisor_client.post(
        "/community/meetings/new/",
        {
            "title": "ประชุมเครือข่ายร้านทอง",
            "date": "2026-11-20",
            "place": "ห้องประชุม สภ.เมืองมุกดาหาร",
            "partners": [partner.pk],
            "officers": [officer.pk, supervisor.pk],
            "minutes": "ทบทวนมาตรการกล้องวงจรปิด",
        },
    )
    meeting = Meeting.objects.get()
    assert response.url == f"/community/meetings/{meeting.pk}/"
    assert list(meeting.partners.all()) == [partner]
    assert set(meeting.officers.all()) == {officer, supervisor}
    assert meeting.minutes == "ทบทวนมาตรการกล้องวงจรปิด"
    assert AuditEntry.objects.filter(action="meeting.created", actor=supervisor).exists()

    response = supervisor_client.post(
        f"/community/meetings/{meeting.pk}/edit/",
        {"title": meeting.title, "date": "2026-11-21", "officers": [officer.pk]},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.date, list(meeting.partners.all())) == (date(2026, 11, 21), [])


def test_another_stations_officer_cannot_be_put_on_a_meeting(
    supervisor_client, other_officer, station
):
    response = supervisor_client.post(
        "/community/meetings/new/",
        {"title": "x", "date": "2026-11-20", "officers": [other_officer.pk]},
    )
    assert response.status_code == 400
    assert "officers" in response.context["form"].errors
    assert not Meeting.objects.exists()
