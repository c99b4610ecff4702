import pytest

from community.models import (
    Broadcast,
    Follower,
    LineChannel,
    Meeting,
    Partner,
    SupervisorLineLink,
)
from smartzone.models import AuditEntry

MODELS = [LineChannel, Partner, Meeting, Broadcast, Follower, SupervisorLineLink]


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_admin_lists_and_opens_the_add_form_of_every_community_model(admin_client_, model):
    base = f"/admin/community/{model._meta.model_name}/"
    assert admin_client_.get(base).status_code == 200
    assert admin_client_.get(base + "add/").status_code in {200, 403}


def test_a_meeting_added_in_admin_with_a_decision_goes_through_the_services(
    admin_client_, station, officer
):
    partner = Partner.objects.create(station=station, name="เทศบาล", kind="local_government")
    response = admin_client_.post(
        "/admin/community/meeting/add/",
        {
            "station": station.pk,
            "title": "ประชุมเครือข่าย",
            "date": "2026-11-20",
            "place": "สภ.",
            "partners": [partner.pk],
            "officers": [officer.pk],
            "minutes": "",
            "decisions-TOTAL_FORMS": "1",
            "decisions-INITIAL_FORMS": "0",
            "decisions-MIN_NUM_FORMS": "0",
            "decisions-MAX_NUM_FORMS": "1000",
            "decisions-0-text": "ติดไฟซอย 3",
            "decisions-0-owner": "เทศบาล",
            "decisions-0-due_date": "2026-12-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get()
    assert list(meeting.partners.all()) == [partner]
    assert meeting.decisions.get().text == "ติดไฟซอย 3"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"meeting.created", "decision.created"} <= actions
