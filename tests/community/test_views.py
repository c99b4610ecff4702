"""Pages of the community app: who may do what, and what they show."""

import pytest

from community import services
from community.models import Broadcast

NEW = "/community/broadcasts/new/"


def compose(client, **fields):
    data = {"text": "ระวังกระเป๋าในตลาดไนท์บาซาร์", "audience": "everyone"} | fields
    return client.post(NEW, data)


def test_a_supervisor_writes_a_draft_and_lands_on_its_preview(supervisor_client, station):
    response = compose(supervisor_client, public="on")
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/community/broadcasts/{broadcast.pk}/"
    assert (broadcast.state, broadcast.public, broadcast.station) == ("draft", True, station)
    page = supervisor_client.get(response["Location"]).content.decode()
    assert "ระวังกระเป๋าในตลาดไนท์บาซาร์" in page
    assert 'data-testid="send-now"' in page


def test_the_form_says_what_to_fix(supervisor_client, zone):
    response = compose(supervisor_client, text="", audience="zone", image_url="http://x.org/a.jpg")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"text", "zone", "image_url"}
    assert not Broadcast.objects.exists()


def test_an_officer_who_is_not_a_supervisor_cannot_compose_or_send(
    officer_client, supervisor, station
):
    assert officer_client.get(NEW).status_code == 403
    assert compose(officer_client).status_code == 403
    draft = services.broadcast_create(
        actor=supervisor, station=station, text="x", audience="everyone"
    )
    assert officer_client.post(f"/community/broadcasts/{draft.pk}/send/").status_code == 403
    assert officer_client.get(f"/community/broadcasts/{draft.pk}/").status_code == 200
    draft.refresh_from_db()
    assert draft.state == "draft"
    assert not Broadcast.objects.exclude(pk=draft.pk).exists()


def test_another_stations_supervisor_gets_404(other_supervisor_client, supervisor, station):
    draft = services.broadcast_create(
        actor=supervisor, station=station, text="x", audience="everyone"
    )
    client = other_supervisor_client
    assert client.get(f"/community/broadcasts/{draft.pk}/").status_code == 404
    assert client.post(f"/community/broadcasts/{draft.pk}/send/").status_code == 404
    assert client.get(f"/community/broadcasts/{draft.pk}/edit/").status_code == 404
    assert client.get("/api/v1/community/broadcasts/").json()["count"] == 0


@pytest.mark.parametrize(
    "url",
    ["/community/broadcasts/", NEW, "/community/partners/", "/community/meetings/"],
)
def test_the_anonymous_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_citizen_account_is_refused(client, citizen):
    client.force_login(citizen)
    assert client.get("/community/broadcasts/").status_code == 403
    assert client.get("/api/v1/community/broadcasts/").status_code == 403


def test_the_schedule_form_says_what_to_fix(supervisor_client, supervisor, station):
    draft = services.broadcast_create(
        actor=supervisor, station=station, text="x", audience="everyone"
    )
    response = supervisor_client.post(
        f"/community/broadcasts/{draft.pk}/schedule/", {"send_at": "not a time"}, follow=True
    )
    assert response.status_code == 200
    assert any("ส่งเวลา" in str(m) for m in response.context["messages"])  # "send at", in Thai
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_the_public_notices_page_shows_only_sent_public_broadcasts(client, supervisor, station):
    shown = services.broadcast_create(
        actor=supervisor, station=station, text="ประกาศสาธารณะ", audience="everyone", public=True
    )
    Broadcast.objects.filter(pk=shown.pk).update(state="sent", sent_at=shown.created_at)
    services.broadcast_create(
        actor=supervisor, station=station, text="ร่างยังไม่ส่ง", audience="everyone", public=True
    )
    hidden = services.broadcast_create(
        actor=supervisor, station=station, text="ภายในเท่านั้น", audience="everyone"
    )
    Broadcast.objects.filter(pk=hidden.pk).update(state="sent", sent_at=hidden.created_at)
    page = client.get("/notices/").content.decode()
    assert "ประกาศสาธารณะ" in page
    assert "ร่างยังไม่ส่ง" not in page and "ภายในเท่านั้น" not in page
    assert 'name="viewport"' in page
    assert "/notices/" in client.get("/").content.decode()  # linked from the public home


def test_a_supervisor_gets_a_line_link_code(supervisor_client):
    page = supervisor_client.post("/community/line-link/").content.decode()
    assert 'data-testid="link-code"' in page


def test_an_officer_gets_a_line_link_code_for_assignments_but_no_duty_form(officer_client):
    """Officers link LINE for their assignments (dispatch); only supervisors say on duty."""
    page = officer_client.post("/community/line-link/").content.decode()
    assert 'data-testid="link-code"' in page and 'name="hours"' not in page
    assert officer_client.post("/community/line-link/", {"hours": 8}).status_code == 403
