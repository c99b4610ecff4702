"""A supervisor turns a resolved incident into a public safety notice: one button on the
incident, the text prefilled without personal data, reviewed in the preview before sending."""

import pytest

from community.models import Broadcast
from incidents import services as incidents_services
from incidents.models import Category

NAME, PHONE = "สมหญิง รักดี", "081-234-5678"


def resolve(report, supervisor):
    for state in ("triaged", "dispatched", "on_scene", "resolved"):
        extra = {"officer_id": supervisor.pk} if state == "dispatched" else {}
        note = "จับกุมผู้ต้องสงสัยได้แล้ว" if state == "resolved" else ""
        incidents_services.report_transition(
            actor=supervisor, report_id=report.pk, to_state=state, note=note, **extra
        )
    report.refresh_from_db()
    return report


@pytest.fixture
def report(zone):
    theft = Category.objects.get_or_create(code="theft", defaults={"name": "ลักทรัพย์"})[0]
    return incidents_services.report_submit(
        kind="report",
        category=theft,
        description="สมหญิง เห็นคนร้ายวิ่งราวกระเป๋าหน้าร้านทอง บ้านเลขที่ 45/6 โทรกลับ 0812345678",
        lat=16.5447,
        lng=104.7256,
        reporter_name=NAME,
        reporter_phone=PHONE,
    )[0]


def test_a_supervisor_turns_a_resolved_incident_into_a_notice_reviewed_before_sending(
    supervisor_client, supervisor, report, zone, fake_line
):
    page = supervisor_client.get(f"/reports/{report.pk}/")
    assert page.status_code == 200
    assert 'data-testid="notice-from-incident"' not in page.content.decode()  # not resolved yet
    resolve(report, supervisor)
    page = supervisor_client.get(f"/reports/{report.pk}/").content.decode()
    button = f'href="/community/notices/from-incident/{report.pk}/"'
    assert button in page

    compose = supervisor_client.get(f"/community/notices/from-incident/{report.pk}/", follow=True)
    assert compose.templates[0].name == "community/broadcast_compose.html"
    text = compose.context["form"].initial["text"]
    for personal in ["สมหญิง", "รักดี", "0812345678", PHONE, "45/6", "16.5447", "104.7256"]:
        assert personal not in text
    assert "วิ่งราวกระเป๋าหน้าร้านทอง" in text
    assert zone.name in text
    assert not Broadcast.objects.exists()  # nothing is written until the supervisor saves

    response = supervisor_client.post(
        "/community/broadcasts/new/", {"text": text, "audience": "everyone", "public": "on"}
    )
    draft = Broadcast.objects.get()
    assert response.url == f"/community/broadcasts/{draft.pk}/"
    assert (draft.state, draft.public) == ("draft", True)
    preview = supervisor_client.get(response.url).content.decode()
    assert "วิ่งราวกระเป๋าหน้าร้านทอง" in preview and NAME not in preview
    assert fake_line.requests == []  # sent only when the supervisor presses send


def test_an_officer_sees_no_notice_button_on_a_resolved_incident(
    officer_client, supervisor, report
):
    resolve(report, supervisor)
    page = officer_client.get(f"/reports/{report.pk}/")
    assert page.status_code == 200
    assert 'data-testid="notice-from-incident"' not in page.content.decode()
    assert officer_client.get(f"/community/notices/from-incident/{report.pk}/").status_code == 403


def test_another_stations_supervisor_gets_no_draft_of_this_stations_incident(
    other_supervisor_client, supervisor, report
):
    resolve(report, supervisor)
    response = other_supervisor_client.get(
        f"/community/notices/from-incident/{report.pk}/", follow=True
    )
    assert response.status_code == 404
