"""The check-in page a QR code opens, and the check-in API."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from patrol import services
from patrol.models import CheckIn
from patrol.tokens import make_token
from tests.conftest import PASSWORD
from tests.patrol.conftest import MARKET, checkin_path, offset

# These tests read the messages; they check the English text (Thai is the default).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def post(client, point, lat_lng=MARKET, token=None, **extra):
    lat, lng = lat_lng
    path = reverse("patrol:checkin", args=[token]) if token else checkin_path(point)
    data = {"point": point.short_id, "lat": lat, "lng": lng, "accuracy": 8} | extra
    return client.post(path, data)


def test_an_anonymous_scan_goes_to_login_and_straight_back(client, officer, point):
    path = checkin_path(point)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(path)}"
    response = client.post(
        response["Location"],
        {"username": officer.username, "password": PASSWORD, "next": path},
    )
    assert response.status_code == 302 and response["Location"] == path
    page = client.get(path)
    assert page.status_code == 200
    assert point.name in page.content.decode() and point.short_id in page.content.decode()


def test_the_page_asks_for_the_position_with_its_own_script_and_no_inline_code(
    officer_client, point
):
    html = officer_client.get(checkin_path(point)).content.decode()
    assert 'src="/static/patrol/checkin.js"' in html
    assert 'id="checkin-config"' in html
    assert "onclick" not in html and "<script>" not in html.replace(
        '<script id="checkin-config" type="application/json">', ""
    )


def test_posting_the_form_records_the_check_in_and_shows_it(officer_client, officer, point):
    response = post(officer_client, point, lat_lng=offset(*MARKET, 20), note="เงียบ")
    checkin = CheckIn.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patrol:checkin-done", args=[checkin.pk])
    assert checkin.officer == officer and checkin.note == "เงียบ"
    done = officer_client.get(response["Location"]).content.decode()
    assert "20 m" in done


def test_300_m_away_the_page_refuses_with_the_distance_and_records_nothing(officer_client, point):
    response = post(officer_client, point, lat_lng=offset(*MARKET, 300))
    assert response.status_code == 400
    assert response.context["refusal"].code == "too_far"
    assert "300 m" in response.content.decode()
    assert CheckIn.objects.count() == 0
    response = post(officer_client, point, lat_lng=offset(*MARKET, 300), away_reason="น้ำท่วม")
    assert response.status_code == 302
    assert CheckIn.objects.get().away_from_point is True


def test_a_missing_position_says_what_to_do(officer_client, point):
    response = officer_client.post(checkin_path(point), {"point": point.short_id})
    assert response.status_code == 400
    assert "allow location access" in str(response.context["form"].errors["lat"])
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("case", ["forged", "rotated", "other_station", "other_point"])
def test_bad_codes_are_refused_on_the_page_with_a_clear_message(
    case, officer_client, supervisor, point, night_point, other_point
):
    token, status = make_token(point), 400
    if case == "forged":
        token = token[:-3] + "abc"
    elif case == "rotated":
        services.point_rotate_token(actor=supervisor, point=point)
    elif case == "other_station":
        token, status = make_token(other_point), 403
    if case == "other_point":
        response = post(officer_client, point, token=make_token(night_point))
    else:
        response = officer_client.get(reverse("patrol:checkin", args=[token]))
        assert response.status_code == status
        response = post(officer_client, point, token=token)
    assert response.status_code == status
    assert response.context["refusal"].code == case
    assert 'data-testid="refusal"' in response.content.decode()
    assert CheckIn.objects.count() == 0


def test_a_citizen_login_cannot_open_the_check_in_page(client, citizen, point):
    client.force_login(citizen)
    assert client.get(checkin_path(point)).status_code == 403


def test_the_photo_is_served_only_to_the_points_station(
    officer_client, officer, point, other_officer, client, settings, tmp_path
):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.DATA_DIR = tmp_path
    out = BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, "JPEG")
    photo = SimpleUploadedFile("a.jpg", out.getvalue(), content_type="image/jpeg")
    response = post(officer_client, point, photo=photo)
    checkin = CheckIn.objects.get()
    url = reverse("patrol:checkin-photo", args=[checkin.pk])
    got = officer_client.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert b"".join(got.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    assert response.status_code == 302


def test_the_api_records_a_check_in_and_answers_400_with_the_field(officer_client, point):
    url = "/api/v1/patrol/checkins/"
    far = offset(*MARKET, 300)
    response = officer_client.post(
        url,
        {"token": make_token(point), "lat": far[0], "lng": far[1], "accuracy_m": 5},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "300 m" in response.json()["lat"][0]
    response = officer_client.post(
        url,
        {"token": "forged:abc", "lat": MARKET[0], "lng": MARKET[1], "accuracy_m": 5},
        content_type="application/json",
    )
    assert response.status_code == 400 and "token" in response.json()
    response = officer_client.post(
        url,
        {"token": make_token(point), "lat": MARKET[0], "lng": MARKET[1], "accuracy_m": 5},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["point"] == point.pk
    listed = officer_client.get(url).json()
    assert [row["id"] for row in listed["results"]] == [response.json()["id"]]
