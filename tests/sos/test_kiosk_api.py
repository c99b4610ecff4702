"""The signed kiosk API: SOS posts, retries, and every way a request is refused."""

import json
import time

import pytest

from smartzone.models import AuditEntry, Event
from sos.models import SosEvent
from sos.signing import signed_headers
from tests.sos.conftest import EVENTS_PATH, HEARTBEATS_PATH, signed_post

pytestmark = pytest.mark.django_db


def test_a_signed_sos_is_stored_with_an_outbox_event_naming_the_kiosk(client, kiosk):
    response = signed_post(client, kiosk, {"event_id": "e-1", "message": "ช่วยด้วย"})
    assert response.status_code == 201, response.content
    sos = SosEvent.objects.get()
    assert (sos.kiosk, sos.client_event_id, sos.lat, sos.lng) == (
        kiosk,
        "e-1",
        kiosk.lat,
        kiosk.lng,
    )
    event = Event.objects.get(kind="sos.raised")
    assert event.payload["name"] == kiosk.name
    assert (event.payload["lat"], event.payload["lng"]) == (kiosk.lat, kiosk.lng)
    assert AuditEntry.objects.filter(action="sos.raised", actor_label="device:K-001").exists()


def test_the_same_event_id_ten_times_makes_one_sos(client, kiosk):
    # Each retry is signed anew (a byte-identical request would be a replay).
    now = int(time.time())
    codes = [
        signed_post(client, kiosk, {"event_id": "same"}, timestamp=now - i).status_code
        for i in range(10)
    ]
    assert codes == [201] + [200] * 9
    assert SosEvent.objects.count() == 1
    assert Event.objects.filter(kind="sos.raised").count() == 1


def test_a_heartbeat_brings_the_kiosk_online(client, kiosk):
    response = signed_post(client, kiosk, {}, path=HEARTBEATS_PATH)
    assert response.status_code == 200
    kiosk.refresh_from_db()
    assert kiosk.status == "online" and kiosk.last_seen is not None


def assert_refused(response, status, reason=None):
    """Assert the status, the machine-readable reason or field, and that nothing was stored."""
    assert response.status_code == status, response.content
    body = response.json()
    if status == 401:
        assert body["reason"] == reason and body["detail"]
    elif reason:
        assert reason in body
    assert SosEvent.objects.count() == 0


def test_a_wrong_signature_is_refused_and_audited(client, kiosk):
    assert_refused(
        signed_post(client, kiosk, {"event_id": "x"}, secret="0" * 64), 401, "bad_credentials"
    )
    entry = AuditEntry.objects.get(action="kiosk.auth_failed")
    assert entry.actor_label == "device:K-001" and entry.changes["reason"] == "bad_signature"


def test_missing_headers_are_refused(client, kiosk):
    response = client.post(EVENTS_PATH, b'{"event_id": "x"}', content_type="application/json")
    assert_refused(response, 401, "missing_headers")


def test_an_old_timestamp_is_refused(client, kiosk):
    old = int(time.time()) - 3600
    assert_refused(
        signed_post(client, kiosk, {"event_id": "x"}, timestamp=old), 401, "stale_timestamp"
    )


def test_a_replayed_request_is_refused(client, kiosk):
    body = json.dumps({"event_id": "r"}).encode()
    headers = signed_headers(kiosk.secret, kiosk.serial, EVENTS_PATH, body)
    first = client.post(EVENTS_PATH, body, content_type="application/json", **headers)
    assert first.status_code == 201
    again = client.post(EVENTS_PATH, body, content_type="application/json", **headers)
    assert again.status_code == 401 and again.json()["reason"] == "replay"
    assert SosEvent.objects.count() == 1


def test_an_unknown_kiosk_is_refused(client, kiosk):
    kiosk.serial = "NOPE"
    assert_refused(signed_post(client, kiosk, {"event_id": "x"}), 401, "bad_credentials")
    assert AuditEntry.objects.get(action="kiosk.auth_failed").changes["reason"] == "unknown_kiosk"


def test_an_unknown_kiosk_and_a_wrong_signature_get_the_same_answer(client, kiosk):
    wrong = signed_post(client, kiosk, {"event_id": "x"}, secret="0" * 64)
    kiosk.serial = "NOPE"
    unknown = signed_post(client, kiosk, {"event_id": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong["WWW-Authenticate"] == unknown["WWW-Authenticate"]


def test_another_stations_kiosk_id_in_the_body_is_refused(client, kiosk, other_kiosk):
    response = signed_post(client, kiosk, {"event_id": "x", "kiosk": other_kiosk.serial})
    assert_refused(response, 403, "kiosk")


def test_malformed_json_is_a_400(client, kiosk):
    assert_refused(signed_post(client, kiosk, None, raw=b'{"event_id": '), 400, "detail")


def test_an_oversized_body_is_a_413(client, kiosk):
    raw = json.dumps({"event_id": "x", "message": "a" * (3 * 1024 * 1024)}).encode()
    assert_refused(signed_post(client, kiosk, None, raw=raw), 413, "detail")


def test_a_snapshot_that_is_not_an_image_is_a_400(client, kiosk):
    response = signed_post(client, kiosk, {"event_id": "x", "snapshot": "bm90IGFuIGltYWdl"})
    assert_refused(response, 400, "snapshot")


def test_a_rotated_secret_replaces_the_old_one(client, kiosk):
    from sos import services

    old = kiosk.secret
    kiosk, new = services.kiosk_rotate_secret(actor="test", kiosk_id=kiosk.pk)
    assert new != old
    assert signed_post(client, kiosk, {"event_id": "a"}, secret=old).status_code == 401
    assert signed_post(client, kiosk, {"event_id": "a"}, secret=new).status_code == 201


@pytest.mark.parametrize("timestamp", ["9" * 400, "1" * 13, "-5", "1e9", "١٢٣", " 17"])
def test_a_timestamp_that_is_not_a_short_digit_string_is_refused_and_audited(
    client, kiosk, timestamp
):
    response = signed_post(client, kiosk, {"event_id": "x"}, timestamp=timestamp)
    assert_refused(response, 401, "bad_timestamp")
    entry = AuditEntry.objects.get(action="kiosk.auth_failed")
    assert (entry.actor_label, entry.changes["reason"]) == ("device:K-001", "bad_timestamp")


def test_a_flood_of_refused_requests_is_audited_up_to_the_limit_and_a_real_sos_still_lands(
    client, kiosk, settings, fresh_rate_limits
):
    settings.KIOSK_REFUSALS_AUDITED = "5/m"
    codes = [
        signed_post(client, kiosk, {"event_id": f"x{i}"}, secret="0" * 64).status_code
        for i in range(12)
    ]
    assert codes == [401] * 12  # every one refused, saying why
    assert AuditEntry.objects.filter(action="kiosk.auth_failed").count() == 5
    # The kiosk itself, from the same address, is not held back by the flood.
    response = signed_post(client, kiosk, {"event_id": "real", "message": "ช่วยด้วย"})
    assert response.status_code == 201, response.content
    assert SosEvent.objects.filter(client_event_id="real").exists()
