"""checkin_record: the signed code, the station, the position, the photo; audit and event."""

from io import BytesIO

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from patrol import services
from patrol.models import CheckIn
from patrol.tokens import SALT, CheckInRefused, make_token
from smartzone.models import AuditEntry, Event
from tests.patrol.conftest import MARKET, offset

# These tests read the messages; they check the English text (Thai is the default).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def record(actor, point, lat_lng=MARKET, accuracy=8.0, token=None, **extra):
    lat, lng = lat_lng
    return services.checkin_record(
        actor=actor,
        token=token or make_token(point),
        lat=lat,
        lng=lng,
        accuracy_m=accuracy,
        **extra,
    )


def refusal(actor, point, **kwargs) -> CheckInRefused:
    with pytest.raises(CheckInRefused) as info:
        record(actor, point, **kwargs)
    return info.value


def test_it_records_a_check_in_at_the_point_with_audit_and_a_live_event(
    officer, point, django_capture_on_commit_callbacks
):
    here = offset(*MARKET, 12)
    with django_capture_on_commit_callbacks(execute=True):
        checkin = record(officer, point, lat_lng=here, note="ปกติ")
    assert checkin.officer == officer and checkin.point == point
    assert 11.5 < checkin.distance_m < 12.5
    assert checkin.away_from_point is False
    audit = AuditEntry.objects.get(action="patrol.checkin")
    assert audit.object_id == str(checkin.pk) and audit.changes["point"] == point.pk
    event = Event.objects.get(kind="patrol.checkin")
    assert event.station_id == point.station_id
    assert (event.payload["lat"], event.payload["lng"]) == pytest.approx(here)
    assert event.payload["point_name"] == point.name
    assert event.published_at is None or event.published_at  # pushed or left for the relay


def test_a_forged_token_is_refused_and_nothing_is_recorded(officer, point):
    good = make_token(point)
    value, signature = good.rsplit(":", 1)
    tampered = f"{point.pk + 1}{value[len(str(point.pk)) :]}:{signature}"
    other_salt = signing.Signer(salt="sos.kiosk").sign(value)
    for token in [tampered, other_salt, "not-a-token", good[:-2] + "xx"]:
        exc = refusal(officer, point, token=token)
        assert exc.code == "forged" and "not valid" in exc.message
    assert signing.Signer(salt=SALT).unsign(good) == value
    assert CheckIn.objects.count() == 0
    assert not Event.objects.filter(kind="patrol.checkin").exists()


def test_the_token_of_another_point_is_refused(officer, point, night_point):
    exc = refusal(officer, night_point, lat_lng=MARKET, expected_point=point.short_id)
    assert exc.code == "other_point"
    assert night_point.name in exc.message and point.short_id in exc.message
    assert CheckIn.objects.count() == 0


def test_a_rotated_token_is_refused_with_a_clear_message(officer, supervisor, point):
    old = make_token(point)
    services.point_rotate_token(actor=supervisor, point=point)
    exc = refusal(officer, point, token=old)
    assert exc.code == "rotated"
    assert "replaced by a new one" in exc.message and point.name in exc.message
    point.refresh_from_db()
    assert record(officer, point).point == point  # the new code works
    assert CheckIn.objects.count() == 1


def test_the_token_of_another_stations_point_is_refused(officer, other_point):
    exc = refusal(officer, other_point, lat_lng=(other_point.lat, other_point.lng))
    assert exc.code == "other_station" and exc.status == 403
    assert "another station" in exc.message
    assert CheckIn.objects.count() == 0


def test_a_position_300_m_away_is_refused_with_the_distance_shown(officer, point):
    exc = refusal(officer, point, lat_lng=offset(*MARKET, 300), accuracy=10)
    assert exc.code == "too_far"
    assert "300 m" in exc.message and "50 m" in exc.message
    assert CheckIn.objects.count() == 0


def test_a_position_300_m_away_with_a_reason_is_kept_flagged_away(officer, point):
    checkin = record(officer, point, lat_lng=offset(*MARKET, 300), away_reason="ถนนปิด ตรวจจากหัวซอย")
    assert checkin.away_from_point is True
    assert checkin.away_reason == "ถนนปิด ตรวจจากหัวซอย"
    assert round(checkin.distance_m) == 300


def test_the_reported_accuracy_is_allowed_for_up_to_50_m(officer, point):
    # 90 m out with ±45 m: 90 - 45 = 45 m, inside the 50 m radius.
    assert record(officer, point, lat_lng=offset(*MARKET, 90), accuracy=45).away_from_point is False
    # 120 m out with ±500 m: the allowance stops at 50 m, so 70 m > 50 m.
    exc = refusal(officer, point, lat_lng=offset(*MARKET, 120), accuracy=500)
    assert exc.code == "too_far"


def test_a_reason_inside_the_radius_does_not_flag_the_check_in(officer, point):
    checkin = record(officer, point, away_reason="just in case")
    assert checkin.away_from_point is False and checkin.away_reason == ""


def test_a_position_off_the_globe_is_refused_with_the_field(officer, point):
    with pytest.raises(ValidationError) as info:
        record(officer, point, lat_lng=(95.0, 104.7))
    assert "lat" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        record(officer, point, accuracy=float("nan"))
    assert "accuracy_m" in info.value.message_dict


def test_someone_without_a_police_role_cannot_check_in(citizen, point):
    with pytest.raises(PermissionDenied):
        record(citizen, point)


def _jpeg(size=(64, 48)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def test_a_photo_is_decoded_and_stored_as_jpeg(officer, point, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    upload = SimpleUploadedFile("p.png", _png(), content_type="image/png")
    checkin = record(officer, point, photo=upload)
    with checkin.photo.open("rb") as fh, Image.open(fh) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
    assert checkin.photo.path.startswith(str(tmp_path / "private"))
    assert not checkin.photo.path.startswith(str(settings.MEDIA_ROOT))  # never a public URL


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_recorded(officer, point):
    fake = SimpleUploadedFile("p.jpg", b"\xff\xd8 not really a jpeg", content_type="image/jpeg")
    with pytest.raises(ValidationError) as info:
        record(officer, point, photo=fake)
    assert "photo" in info.value.message_dict
    assert CheckIn.objects.count() == 0
    assert not AuditEntry.objects.filter(action="patrol.checkin").exists()


def test_a_rolled_back_check_in_sends_nothing(officer, point, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        record(officer, point)
        raise RuntimeError("boom")
    assert callbacks == []
    assert not Event.objects.filter(kind="patrol.checkin").exists()
