"""After a report is sent: a confirmation page with its code, one report however often it is
sent again, and no incident time in the future (form, page script, API and service)."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from incidents import services
from incidents.models import Report
from tests.incidents.conftest import IN_ZONE

pytestmark = pytest.mark.django_db


def form_data(category, **extra):
    return {
        "kind": "report",
        "category": category.pk,
        "description": "มีคนล้วงกระเป๋าหน้าร้านทอง",
        "lat": IN_ZONE[0],
        "lng": IN_ZONE[1],
        "idempotency_key": uuid.uuid4().hex,
    } | extra


def local(moment) -> str:
    """MOMENT as a datetime-local input sends it, in the station's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_form_lands_on_a_confirmation_page_with_the_code(client, zone, theft):
    response = client.post("/report/", form_data(theft), follow=True)
    report = Report.objects.get()
    assert response.redirect_chain == [(f"/report/sent/{report.tracking_code}/", 302)]
    page = response.content.decode()
    assert f'<span id="sz-code" class="sz-code">{report.display_code}</span>' in page
    assert f'href="/report/track/{report.tracking_code}/"' in page
    assert 'href="tel:191"' in page


def test_sending_the_same_form_again_files_no_second_report(client, zone, theft):
    data = form_data(theft)
    first = client.post("/report/", data)
    again = client.post("/report/", data)  # a second tap, or back and send again
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Report.objects.count() == 1


def test_the_page_script_gets_the_confirmation_address(client, zone, theft):
    data = form_data(theft)
    answers = [client.post("/report/", data, HTTP_ACCEPT="application/json") for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 200]
    report = Report.objects.get()
    assert {a.json()["sent_url"] for a in answers} == {f"/report/sent/{report.tracking_code}/"}


def test_a_wrong_code_has_no_confirmation_page(client, zone):
    assert Client().get("/report/sent/ZZZZZZZZ/").status_code == 404


def test_an_incident_time_in_the_future_is_refused_naming_the_field(client, zone, theft):
    later = timezone.now() + timedelta(hours=2)
    response = client.post(
        "/report/", form_data(theft, occurred_at=local(later)), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["occurred_at"]
    assert "อนาคต" in errors["occurred_at"][0]["message"]
    page = client.post("/report/", form_data(theft, occurred_at=local(later)))
    assert page.status_code == 400 and "อนาคต" in page.content.decode()
    assert not Report.objects.exists()


def test_a_time_a_minute_ahead_is_a_phones_clock_and_accepted(client, zone, theft):
    ahead = timezone.now() + timedelta(minutes=1)
    response = client.post("/report/", form_data(theft, occurred_at=local(ahead)))
    assert response.status_code == 302 and Report.objects.count() == 1


def test_the_api_refuses_a_future_incident_time_naming_the_field(client, zone, categories):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/reports/",
        {
            "kind": "report",
            "category": "theft",
            "description": "โทรศัพท์ถูกขโมย",
            "lat": IN_ZONE[0],
            "lng": IN_ZONE[1],
            "occurred_at": later,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "occurred_at" in response.json()
    assert not Report.objects.exists()


def test_the_service_refuses_a_future_incident_time(zone, theft):
    with pytest.raises(services.ValidationError) as refused:
        services.report_submit(
            kind="report",
            category=theft,
            description="x",
            lat=IN_ZONE[0],
            lng=IN_ZONE[1],
            occurred_at=timezone.now() + timedelta(minutes=10),
        )
    assert "occurred_at" in refused.value.message_dict
