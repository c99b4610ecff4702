"""Escalated SOS pushed to supervisors' linked LINE accounts; incidents as public notices."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community import privacy, services
from community.models import Broadcast, SupervisorLineLink
from incidents import services as incidents_services
from incidents.models import Category
from smartzone import registry
from smartzone.models import AuditEntry, OfficerProfile
from sos.models import SosEvent
from tests.conftest import make_officer


@pytest.fixture
def linked_supervisors(station, supervisor, officer, other_supervisor):
    """Charlie (supervisor) and Erin (supervisor) linked and on duty; Alice (officer) and Dave
    (another station's supervisor) linked and on duty too, but they must not get this station's
    alerts; Grace (supervisor) linked but off duty, Heidi's duty ran out: no alerts either."""
    erin = make_officer("erin", station, OfficerProfile.Role.SUPERVISOR)
    make_officer("frank", station, OfficerProfile.Role.SUPERVISOR)  # not linked
    grace = make_officer("grace", station, OfficerProfile.Role.SUPERVISOR)
    heidi = make_officer("heidi", station, OfficerProfile.Role.SUPERVISOR)
    later, earlier = timezone.now() + timedelta(hours=8), timezone.now() - timedelta(minutes=1)
    users = [supervisor, erin, officer, other_supervisor, grace, heidi]
    until = [later, later, later, later, None, earlier]
    for n, (user, end) in enumerate(zip(users, until, strict=True), start=1):
        SupervisorLineLink.objects.create(
            officer=user, line_user_id=f"Usup{n:029d}", on_duty_until=end
        )
    return ["Usup" + f"{1:029d}", "Usup" + f"{2:029d}"]


def test_an_escalated_sos_is_pushed_once_to_the_stations_linked_supervisors(
    fake_line, eager_celery, channel, station, linked_supervisors
):
    sos = SosEvent.objects.create(station=station, source="public", lat=16.5447, lng=104.7258)
    handler = next(h for h in registry.ESCALATION_HANDLERS if h.__module__ == "community.tasks")
    handler(sos.pk)
    handler(sos.pk)  # the escalation ran twice: LINE sees the same retry keys
    pushes = fake_line.sends("/v2/bot/message/push")
    assert sorted({p.body["to"] for p in pushes}) == linked_supervisors
    assert len(fake_line.accepted) == 2
    assert all(f"SOS #{sos.pk}" in p.body["messages"][0]["text"] for p in pushes)


def test_a_busy_line_is_retried_without_alerting_anyone_twice(
    fake_line, eager_celery, channel, station, linked_supervisors
):
    sos = SosEvent.objects.create(station=station, source="public", lat=16.5447, lng=104.7258)
    fake_line.then(200).then(503)
    from community import tasks

    tasks.sos_alert_supervisors.delay(sos.pk)
    assert len(fake_line.accepted) == 2
    assert sorted(p.body["to"] for p in fake_line.accepted) == linked_supervisors


def test_a_supervisor_says_they_are_on_duty_and_then_off_duty(
    supervisor_client, supervisor, fake_line, eager_celery, channel, station
):
    SupervisorLineLink.objects.create(officer=supervisor, line_user_id="U" + "c" * 32)
    page = supervisor_client.get("/community/line-link/").content.decode()
    assert 'data-testid="off-duty"' in page
    assert supervisor_client.post("/community/line-link/", {"hours": "8"}).status_code == 302
    link = SupervisorLineLink.objects.get()
    assert link.on_duty and link.on_duty_until > timezone.now() + timedelta(hours=7)
    assert AuditEntry.objects.filter(action="line_link.on_duty", actor=supervisor).exists()
    sos = SosEvent.objects.create(station=station, source="public", lat=16.5447, lng=104.7258)
    assert services.sos_alert_supervisors(sos_id=sos.pk) == 1

    assert supervisor_client.post("/community/line-link/", {"hours": "0"}).status_code == 302
    link.refresh_from_db()
    assert not link.on_duty
    later = SosEvent.objects.create(station=station, source="public", lat=16.5447, lng=104.7258)
    assert services.sos_alert_supervisors(sos_id=later.pk) == 0
    assert len(fake_line.sends("/v2/bot/message/push")) == 1


def test_a_duty_of_more_than_a_day_is_refused(supervisor_client):
    assert supervisor_client.post("/community/line-link/", {"hours": "240"}).status_code == 400
    assert not SupervisorLineLink.objects.filter(on_duty_until__isnull=False).exists()


def test_an_unknown_sos_alerts_nobody(fake_line, channel, linked_supervisors):
    assert services.sos_alert_supervisors(sos_id=999999) == 0
    assert fake_line.requests == []


def test_personal_data_is_removed_from_an_incident_turned_notice():
    text = (
        "นายสมชาย ใจดี โทร 081-234-5678 บัตร 1-2345-67890-12-3 บ้านเลขที่ 12/3 "
        "ถูกวิ่งราวกระเป๋าหน้าร้านทอง ตลาดอินโดจีน เวลา 20.00 น. อีเมล somchai@example.com"
    )
    notice = privacy.scrub(text)
    for personal in ["สมชาย", "ใจดี", "081-234-5678", "1-2345-67890-12-3", "12/3", "somchai@"]:
        assert personal not in notice
    assert "ถูกวิ่งราวกระเป๋าหน้าร้านทอง ตลาดอินโดจีน เวลา 20.00 น." in notice


def test_the_name_and_phone_a_record_gives_go_even_without_a_title_or_in_another_shape():
    text = "สมหญิง รักดี เห็นคนร้าย โทรกลับ 08 1234 5678 ได้ตลอด"
    notice = privacy.scrub(text, names=["สมหญิง รักดี"], phones=["081-234-5678"])
    for personal in ["สมหญิง", "รักดี", "08 1234 5678"]:
        assert personal not in notice
    assert "เห็นคนร้าย" in notice


def test_scrub_keeps_times_dates_and_amounts():
    text = "เหตุเกิดวันที่ 24/11/2026 เวลา 21.30 น. ทองหนัก 2 บาท มูลค่า 80,000 บาท"
    assert privacy.scrub(text) == text


def submit_report(description: str = "กระเป๋าถูกขโมย"):
    theft = Category.objects.get_or_create(code="theft", defaults={"name": "ลักทรัพย์"})[0]
    return incidents_services.report_submit(
        kind="report", category=theft, description=description, lat=16.5447, lng=104.7256
    )[0]


def test_a_supervisor_opens_a_notice_draft_from_a_resolved_report_prefilled(
    supervisor_client, supervisor, zone
):
    report = submit_report("โทร 0812345678 แจ้งเหตุลักทรัพย์หน้าร้านทอง")
    for state in ("triaged", "dispatched", "on_scene", "resolved"):
        extra = {"officer_id": supervisor.pk} if state == "dispatched" else {}
        incidents_services.report_transition(
            actor=supervisor, report_id=report.pk, to_state=state, note="", **extra
        )
    response = supervisor_client.get(f"/community/notices/from-incident/{report.pk}/", follow=True)
    form = response.context["form"]
    assert "0812345678" not in form.initial["text"]
    assert "แจ้งเหตุลักทรัพย์หน้าร้านทอง" in form.initial["text"]
    assert form.initial["public"] is True
    assert not Broadcast.objects.exists()  # nothing is written until the supervisor saves


def test_a_report_not_yet_resolved_gives_no_notice(supervisor_client, zone):
    report = submit_report()
    response = supervisor_client.get(f"/community/broadcasts/new/?incident={report.pk}")
    assert response.status_code == 404


def test_an_incident_that_cannot_be_found_is_404(supervisor_client):
    assert supervisor_client.get("/community/broadcasts/new/?incident=424242").status_code == 404
