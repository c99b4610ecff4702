"""The admins' data-subject request page: find, export and erase by phone or LINE id."""

import json

import pytest
from django.utils import timezone, translation

from community import services as community_services
from community.models import Follower, Partner
from incidents import services as incident_services
from incidents.models import Report
from smartzone import privacy
from smartzone.audit import audit_verify
from smartzone.models import AuditEntry
from smartzone.registry import Subject
from sos import services as sos_services
from sos.models import SosEvent
from tests.incidents.conftest import IN_ZONE, categories  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

URL = "/privacy/data-subject/"
PHONE = "081-234-5678"
LINE_ID = "U0000000000000000000000000000042"


def submit(cats, **reporter):
    return incident_services.report_submit(
        kind="report",
        category=cats["theft"],
        description="กระเป๋าถูกขโมย",
        lat=IN_ZONE[0],
        lng=IN_ZONE[1],
        **reporter,
    )[0]


@pytest.fixture
def held(zone, station, categories, officer):  # noqa: F811
    report = submit(categories, reporter_name="สมชาย ใจดี", reporter_phone=PHONE, ip="203.0.113.9")
    other_report = submit(categories, reporter_name="คนอื่น", reporter_phone="0899999999")
    sos = sos_services.sos_public_raise(
        station=station, lat=16.5453, lng=104.7248, callback_phone="+66 81 234 5678"
    )
    follower = community_services.follower_follow(station=station, line_user_id=LINE_ID)
    partner = Partner.objects.create(station=station, name="ร้านทอง", kind="gold_shop", phone=PHONE)
    profile = officer.officer
    profile.phone = "0812345678"
    profile.save(update_fields=["phone"])
    return {
        "report": report,
        "other_report": other_report,
        "sos": sos,
        "follower": follower,
        "partner": partner,
        "officer": profile,
    }


def found(subject: Subject) -> dict[str, list[int]]:
    kinds: dict[str, list[int]] = {}
    for records in privacy.subject_find(subject).values():
        for record in records:
            kinds.setdefault(record.kind, []).append(record.id)
    return kinds


def test_a_phone_number_finds_it_however_it_was_typed(held):
    assert found(Subject(phone=privacy.normalise_phone("0812345678"))) == {
        "report": [held["report"].pk],
        "sos": [held["sos"].pk],
        "partner": [held["partner"].pk],
        "officer": [held["officer"].pk],
    }


def test_a_line_user_id_finds_the_follower(held):
    assert found(Subject(line_user_id=LINE_ID)) == {"follower": [held["follower"].pk]}


def test_the_page_lists_what_is_held(admin_client, held):
    response = admin_client.post(URL, {"phone": "+66 81 234 5678", "action": "search"})
    assert response.status_code == 200
    page = response.content.decode()
    assert held["report"].display_code in page and "สมชาย ใจดี" in page
    assert "0899999999" not in page  # someone else's report
    assert "4 records found" in page


def test_export_downloads_everything_as_json_and_audits_only_the_fact(admin_client, held):
    response = admin_client.post(URL, {"phone": PHONE, "action": "export"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="data-subject-')
    data = json.loads(response.content)
    reports = data["sources"]["incidents"]
    assert reports[0]["data"]["reporter_name"] == "สมชาย ใจดี"
    assert data["sources"]["community"][0]["data"]["phone"] == PHONE
    entry = AuditEntry.objects.get(action="data_subject.exported")
    assert entry.actor_label == "root" and entry.changes["by"] == "phone"
    assert entry.changes["records"]["report"] == [held["report"].pk]
    assert "5678" not in json.dumps(entry.changes) and "สมชาย" not in json.dumps(entry.changes)


def test_erase_needs_the_confirmation_box(admin_client, held):
    response = admin_client.post(URL, {"phone": PHONE, "action": "erase"})
    assert response.status_code == 200
    assert "Tick the box to confirm the erasure." in response.content.decode()
    held["report"].refresh_from_db()
    assert held["report"].reporter_phone == PHONE


def test_erase_blanks_the_data_keeps_the_records_and_audits_the_fact(admin_client, held):
    response = admin_client.post(URL, {"phone": PHONE, "action": "erase", "confirm": "on"})
    assert response.status_code == 200
    assert "Erased: 4 records." in response.content.decode()
    report = Report.objects.get(pk=held["report"].pk)
    assert (report.reporter_name, report.reporter_phone, report.reporter_ip) == ("", "", None)
    assert report.description == "กระเป๋าถูกขโมย"
    assert SosEvent.objects.get(pk=held["sos"].pk).callback_phone == ""
    held["officer"].refresh_from_db()
    assert held["officer"].phone == ""
    assert Report.objects.get(pk=held["other_report"].pk).reporter_phone == "0899999999"
    entry = AuditEntry.objects.get(action="data_subject.erased")
    partner = Partner.objects.get(pk=held["partner"].pk)
    assert (partner.name, partner.phone) == ("ร้านทอง", "")
    assert entry.changes["erased"] == {
        "officer": [held["officer"].pk],
        "partner": [held["partner"].pk],
        "report": [held["report"].pk],
        "sos": [held["sos"].pk],
    }
    assert entry.changes["not_erasable_here"] == []
    assert "5678" not in json.dumps(entry.changes)
    assert audit_verify()[1] is None
    # Found again: nothing is left.
    assert found(Subject(phone="0812345678")) == {}


def test_a_line_id_erasure_erases_the_follower(admin_client, held):
    admin_client.post(URL, {"line_user_id": LINE_ID, "action": "erase", "confirm": "on"})
    assert not Follower.objects.filter(line_user_id=LINE_ID).exists()
    assert Follower.objects.get(pk=held["follower"].pk).erased
    entry = AuditEntry.objects.get(action="data_subject.erased")
    assert entry.changes["erased"] == {"follower": [held["follower"].pk]}
    assert entry.changes["not_erasable_here"] == []


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"phone": "12"}, "phone", "Enter a Thai phone number"),
        ({"line_user_id": "not-a-line-id"}, "line_user_id", "A LINE user id is U"),
        ({}, None, "Give a phone number or a LINE user id"),
        ({"phone": PHONE, "line_user_id": LINE_ID}, None, "Give a phone number or a LINE user id"),
    ],
)
def test_bad_input_is_a_form_error_naming_the_field(admin_client, data, field, message):
    response = admin_client.post(URL, data | {"action": "erase", "confirm": "on"})
    assert response.status_code == 200
    form = response.context["form"]
    assert message in str(form.errors[field] if field else form.non_field_errors())
    assert not AuditEntry.objects.filter(action__startswith="data_subject.").exists()


def test_an_officer_or_supervisor_is_refused(officer_client, supervisor_client):
    assert officer_client.get(URL).status_code == 403
    assert supervisor_client.post(URL, {"phone": PHONE, "action": "export"}).status_code == 403


def test_the_services_refuse_anyone_but_an_admin(supervisor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        privacy.subject_erase(actor=supervisor, subject=Subject(phone="0812345678"))


def test_the_page_shows_labelled_fields_and_local_thai_times(client, admin_user, held, settings):
    """The preview is for a person: field labels, not names; Buddhist-era local times."""
    from smartzone import dates

    settings.LANGUAGE_CODE = "th"
    client.force_login(admin_user)
    page = client.post(URL, {"phone": PHONE, "action": "search"}).content.decode()
    assert "ชื่อผู้แจ้ง" in page and "reporter_name" not in page
    assert "received_at" not in page and "created_at" not in page
    with translation.override("th"):
        shown = dates.format_datetime(held["report"].created_at)
    assert shown.split()[2] == str(timezone.localtime(held["report"].created_at).year + 543)
    assert shown in page
    assert held["report"].created_at.isoformat() not in page
