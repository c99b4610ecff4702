"""Five failed logins lock the account, and separately the client address, for 30 minutes."""

import re
from datetime import timedelta

from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.utils import timezone

from smartzone.models import AuditEntry
from smartzone.tokens import api_token_create
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"
LOCKED_TH = "เข้าสู่ระบบถูกล็อก"
WRONG = "wrong-password-123"  # noqa: S105


def attempt(client, username, password=WRONG, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_five_times(client, username, ip="10.0.0.1"):
    for _ in range(5):
        attempt(client, username, ip=ip)


def signed_in(client) -> bool:
    return client.get("/dashboard/").status_code == 200


def test_four_failures_do_not_lock(client, officer):
    for _ in range(4):
        assert attempt(client, "alice").status_code == 200  # the form again, with its error
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)


def test_five_failures_lock_the_account_from_any_address(client, officer):
    fail_five_times(client, "alice", ip="10.0.0.1")
    response = attempt(client, "alice", PASSWORD, ip="10.9.9.9")  # right password, new address
    assert response.status_code == 429
    assert LOCKED_TH in response.content.decode()
    assert not signed_in(client)


def test_five_failures_lock_the_address_for_every_account(client, officer, other_officer):
    for name in ["x1", "x2", "x3", "x4", "x5"]:  # five different usernames, one address
        attempt(client, name, ip="10.0.0.7")
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.7").status_code == 429
    assert not signed_in(client)
    # The accounts themselves are not locked: from another address alice gets in.
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.8").status_code == 302
    assert signed_in(client)


def test_the_lock_lasts_thirty_minutes(client, officer, settings):
    assert timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    fail_five_times(client, "alice")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=29))
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.2").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.2").status_code == 302
    assert signed_in(client)


def test_a_lockout_is_written_to_the_audit_trail(client, officer):
    assert not AuditEntry.objects.filter(action="auth.locked_out").exists()
    fail_five_times(client, "alice", ip="10.0.0.3")
    entry = AuditEntry.objects.filter(action="auth.locked_out").first()
    assert entry is not None
    assert entry.changes["username"] == "alice"
    assert entry.changes["ip_address"] == "10.0.0.3"


def _page(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_the_lockout_page_does_not_tell_whether_the_account_exists(client, officer):
    fail_five_times(client, "alice", ip="10.0.1.1")
    fail_five_times(client, "nobody-here", ip="10.0.1.2")
    existing = attempt(client, "alice", PASSWORD, ip="10.0.1.3")
    missing = attempt(client, "nobody-here", PASSWORD, ip="10.0.1.4")
    assert existing.status_code == missing.status_code == 429
    assert _page(existing) == _page(missing)
    assert "alice" not in _page(existing)


def test_the_lockout_page_speaks_english_when_asked(client, officer, english):
    fail_five_times(client, "alice")
    response = attempt(client, "alice", PASSWORD)
    assert "Too many failed logins" in response.content.decode()


def test_token_and_session_api_and_requestless_authenticate_still_work(client, officer, zone):
    _token, key = api_token_create(actor="test", user=officer, name="app")
    response = client.get("/api/v1/zones/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert authenticate(username="alice", password=PASSWORD) == officer
    assert authenticate(username="alice", password="wrong") is None
    assert client.login(username="alice", password=PASSWORD)
    assert client.get("/api/v1/zones/").status_code == 200
