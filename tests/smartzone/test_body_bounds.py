"""Dates and numbers in API and form bodies are bounded like query parameters (smartzone.params):
a value out of range, NaN or infinite is a 400 (or a form error) naming the field."""

import pytest

from cctv.forms import JobForm, RenewForm
from community.forms import ScheduleForm
from patrol.forms import PositionForm
from smartzone import params


@pytest.fixture
def report_body():
    return {"category": "other", "description": "ไฟถนนดับ", "lat": 16.5453, "lng": 104.7248}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [
        ("occurred_at", "1999-12-31T23:00:00+07:00"),
        ("occurred_at", "0001-01-01T00:00:00+07:00"),
        ("lat", 91),
        ("lng", -180.5),
    ],
)
def test_a_report_body_out_of_range_is_a_400_naming_the_field(
    client, report_body, fresh_rate_limits, field, value
):
    from incidents.models import Category

    report_body["category"] = Category.objects.order_by("pk").first().code
    response = client.post(
        "/api/v1/reports/", {**report_body, field: value}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [("lat", "nan"), ("lng", "inf"), ("accuracy_m", "1e9")])
def test_a_checkin_body_with_a_number_out_of_range_is_a_400_naming_it(officer_client, field, value):
    body = {"token": "x", "lat": "16.5", "lng": "104.7", "accuracy_m": "5", field: value}
    response = officer_client.post("/api/v1/patrol/checkins/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_the_schema_bounds_come_from_params():
    assert params.latitude().max_value == params.LATITUDE[1]
    assert params.accuracy_m().max_value == params.ACCURACY_MAX_M


@pytest.mark.django_db
def test_forms_refuse_dates_and_positions_out_of_range_naming_the_field():
    schedule = ScheduleForm({"send_at": "2101-01-01T10:00"})
    assert not schedule.is_valid() and "send_at" in schedule.errors
    renew = RenewForm({"valid_until": "1999-12-31"})
    assert not renew.is_valid() and "valid_until" in renew.errors
    job = JobForm({"kind": "upload", "purpose": "x", "window_start": "1900-01-01T00:00"})
    assert not job.is_valid() and "window_start" in job.errors
    position = PositionForm({"lat": "95", "lng": "104.7", "accuracy": "5"})
    assert not position.is_valid() and "lat" in position.errors
    position = PositionForm({"lat": "16.5", "lng": "104.7", "accuracy": "1e12"})
    assert not position.is_valid() and "accuracy" in position.errors
    assert PositionForm({"lat": "16.5", "lng": "104.7", "accuracy": "5"}).is_valid()
