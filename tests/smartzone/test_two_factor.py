"""Supervisors and admins sign in with a TOTP code; officers are not asked."""

from base64 import b32decode
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from smartzone.models import AuditEntry
from smartzone.tokens import api_token_create
from tests.conftest import PASSWORD, totp_code, totp_device, verified_session

TWO_FACTOR = "/accounts/two-factor/"
SETUP = "/accounts/two-factor/setup/"


def password_login(client, username):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password step failed"


def test_an_officer_is_not_asked_for_a_code(client, officer):
    password_login(client, "alice")
    assert client.get("/dashboard/").status_code == 200


def test_a_supervisor_without_a_device_enrols_with_a_qr_code_and_a_first_code(client, supervisor):
    password_login(client, "charlie")
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<path" in html
    secret = page.context["secret"]
    assert secret in html
    key = b32decode(secret)

    wrong = f"{(int(totp_code(key)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"token": wrong, "next": "/dashboard/"})
    assert response.status_code == 200
    assert response.context["form"].errors["token"]
    assert not TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()

    device = TOTPDevice.objects.get(user=supervisor)
    device.throttle_reset()  # the wrong code above started django-otp's back-off
    response = client.post(SETUP, {"token": totp_code(key), "next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert TOTPDevice.objects.get(user=supervisor).confirmed
    assert client.get("/dashboard/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.otp_enrolled", object_id=str(supervisor.pk))


def test_a_supervisor_with_a_device_enters_the_code(client, supervisor):
    device = totp_device(supervisor)
    password_login(client, "charlie")
    assert client.get("/dashboard/")["Location"].startswith(TWO_FACTOR)
    # Nobody enrols a second device with the password alone.
    assert client.get(SETUP)["Location"].startswith(TWO_FACTOR)
    response = client.post(TWO_FACTOR, {"token": "12345x"})
    assert response.status_code == 200 and response.context["form"].errors["token"]
    response = client.post(TWO_FACTOR, {"token": totp_code(device.bin_key), "next": "/zones/"})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_code_gives_a_thai_form_error(client, supervisor):
    device = totp_device(supervisor)
    password_login(client, "charlie")
    wrong = f"{(int(totp_code(device.bin_key)) + 1) % 1_000_000:06d}"
    response = client.post(TWO_FACTOR, {"token": wrong})
    assert response.status_code == 200
    assert "รหัสไม่ถูกต้องหรือหมดอายุ" in response.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_code_guessing_is_throttled(client, supervisor):
    device = totp_device(supervisor)
    password_login(client, "charlie")
    device.throttling_failure_count = 6  # six wrong codes just now: 32 s back-off
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    response = client.post(TWO_FACTOR, {"token": totp_code(device.bin_key)})
    assert response.status_code == 200
    assert "กรอกรหัสผิดหลายครั้งเกินไป" in str(response.context["form"].errors["token"])
    assert client.get("/dashboard/").status_code == 302
    device.throttling_failure_timestamp = timezone.now() - timedelta(minutes=5)
    device.save()
    assert client.post(TWO_FACTOR, {"token": totp_code(device.bin_key)}).status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_code_counts_towards_the_throttle(client, supervisor):
    device = totp_device(supervisor)
    password_login(client, "charlie")
    wrong = f"{(int(totp_code(device.bin_key)) + 1) % 1_000_000:06d}"
    client.post(TWO_FACTOR, {"token": wrong})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


@pytest.mark.parametrize("staff_only", [False, True])
def test_admin_pages_refuse_a_session_without_the_second_factor(
    client, admin_user, django_user_model, staff_only
):
    user = admin_user
    if staff_only:
        user = django_user_model.objects.create_user("staffer", password=PASSWORD, is_staff=True)
    client.raw_force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)
    assert client.get("/admin/auth/user/").status_code == 302
    client.force_login(user)  # the fixture's way: signed in with the second factor
    assert client.get("/admin/").status_code == 200


def test_the_api_refuses_an_unverified_supervisor_session_but_takes_tokens(
    client, supervisor, zone
):
    client.raw_force_login(supervisor)
    response = client.get("/api/v1/zones/")
    assert response.status_code == 403 and "detail" in response.json()
    client.logout()
    _token, key = api_token_create(actor="test", user=supervisor, name="app")
    response = client.get("/api/v1/zones/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_next_must_stay_on_this_site(client, supervisor):
    device = totp_device(supervisor)
    password_login(client, "charlie")
    response = client.post(
        TWO_FACTOR, {"token": totp_code(device.bin_key), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_otp_reset_removes_the_devices_and_the_person_enrols_again(client, supervisor):
    totp_device(supervisor)
    call_command("otp_reset", "charlie")
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert AuditEntry.objects.filter(action="auth.otp_reset", object_id=str(supervisor.pk))
    password_login(client, "charlie")
    assert client.get(TWO_FACTOR)["Location"].startswith(SETUP)
    with pytest.raises(CommandError):
        call_command("otp_reset", "nobody")


def test_the_supervisor_fixture_client_is_fully_signed_in(supervisor_client, admin_client):
    assert supervisor_client.get("/dashboard/").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_the_dashboard_socket_needs_the_second_factor_too(supervisor, station):
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.sessions.backends.db import SessionStore

    from smartzone.consumers import DashboardConsumer

    async def connect(session):
        socket = WebsocketCommunicator(DashboardConsumer.as_asgi(), "/ws/dashboard/")
        socket.scope |= {"user": supervisor, "session": session}
        connected, code = await socket.connect()
        await socket.disconnect()
        return connected, code

    password_only = await sync_to_async(SessionStore)()
    assert await connect(password_only) == (False, 4403)

    assert (await connect(await sync_to_async(verified_session)(supervisor)))[0] is True
