"""Supervisors mark which LINE followers are a partner's contact: "partners only" reaches them."""

import pytest

from community import network_services, selectors, services
from community.models import Broadcast, Partner
from smartzone.models import AuditEntry, Event


@pytest.fixture
def partner(station):
    return network_services.partner_save(
        actor="test",
        partner=Partner(station=station, name="ร้านทองแม่ทองคำ", kind=Partner.Kind.GOLD_SHOP),
    )


@pytest.fixture
def followers(station):
    return [
        services.follower_follow(
            station=station, line_user_id=f"U{n:032d}", display_name=f"Follower FX-{n}"
        )
        for n in range(1, 4)
    ]


def test_a_supervisor_marks_a_follower_as_a_partners_contact_and_partners_only_reaches_them(
    supervisor_client, supervisor, station, partner, followers
):
    page = supervisor_client.get("/community/followers/")
    assert page.status_code == 200
    assert "Follower FX-2" in page.content.decode()
    response = supervisor_client.post(
        "/community/followers/", {"follower": followers[1].pk, "partner": partner.pk}
    )
    assert response.status_code == 302
    followers[1].refresh_from_db()
    assert followers[1].partner == partner
    entry = AuditEntry.objects.get(action="follower.partner_set")
    assert (entry.actor_id, entry.changes["partner"]) == (supervisor.pk, [None, partner.pk])
    assert Event.objects.filter(kind="follower.partner_set").count() == 1

    draft = services.broadcast_create(
        actor=supervisor, station=station, text="ประชุมร้านทอง", audience="partners"
    )
    assert selectors.broadcast_recipients(draft) == [followers[1].line_user_id]
    assert draft.audience == Broadcast.Audience.PARTNERS


def test_a_supervisor_unmarks_a_follower(supervisor_client, partner, followers):
    services.follower_partner_set(actor="test", follower_id=followers[0].pk, partner_id=partner.pk)
    response = supervisor_client.post(
        "/community/followers/", {"follower": followers[0].pk, "partner": ""}
    )
    assert response.status_code == 302
    followers[0].refresh_from_db()
    assert followers[0].partner is None


def test_the_form_names_what_is_wrong(supervisor_client, followers, english):
    response = supervisor_client.post("/community/followers/", {"partner": "424242"})
    assert response.status_code == 400
    errors = " ".join(str(m) for m in response.context["messages"])
    assert "LINE follower" in errors and "partner" in errors


def test_another_stations_supervisor_cannot_mark_this_stations_follower(
    other_supervisor, partner, followers, client
):
    client.force_login(other_supervisor)
    response = client.post(
        "/community/followers/", {"follower": followers[0].pk, "partner": partner.pk}
    )
    assert response.status_code == 400  # not one of their station's followers
    assert "Follower FX-" not in client.get("/community/followers/").content.decode()
    followers[0].refresh_from_db()
    assert followers[0].partner is None


def test_an_officer_cannot_mark_followers(officer, officer_client, partner, followers):
    from django.core.exceptions import PermissionDenied

    assert officer_client.get("/community/followers/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.follower_partner_set(
            actor=officer, follower_id=followers[0].pk, partner_id=partner.pk
        )
    followers[0].refresh_from_db()
    assert followers[0].partner is None


def test_a_partner_of_another_station_is_refused(other_station, supervisor, followers):
    from django.core.exceptions import ValidationError

    theirs = network_services.partner_save(
        actor="test", partner=Partner(station=other_station, name="ธนาคาร", kind="bank")
    )
    with pytest.raises(ValidationError):
        services.follower_partner_set(
            actor=supervisor, follower_id=followers[0].pk, partner_id=theirs.pk
        )
