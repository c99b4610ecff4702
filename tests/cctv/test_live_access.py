"""Who may watch a camera live: station scope, officers only, "no live view" cameras refused,
the viewings listed for supervisors only; no page, message or log line holds the password."""

import asyncio
import json
import logging
import subprocess

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from cctv import services
from cctv.live import services as live
from cctv.live.consumers import REFUSED, LiveConsumer
from tests.cctv.conftest import STREAM_SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def socket_answer(user, camera_id):
    """Open the live socket as USER; return (first message, close code)."""

    async def run():
        communicator = WebsocketCommunicator(
            LiveConsumer.as_asgi(), f"/ws/cctv/cameras/{camera_id}/live/"
        )
        communicator.scope["user"] = user
        communicator.scope["url_route"] = {"kwargs": {"pk": camera_id}}
        connected, _ = await communicator.connect()
        assert connected
        message = json.loads(await communicator.receive_from(timeout=5))
        closed = await communicator.receive_output(timeout=5)
        await communicator.wait()
        return message, closed.get("code")

    return async_to_sync(run)()


def block(camera, reason="หันเข้าบ้านพักอาศัย"):
    camera.live_view_blocked, camera.live_view_blocked_reason = True, reason
    return services.camera_save(actor="test", camera=camera)


def test_an_anonymous_visitor_is_refused_page_and_socket(client, camera):
    response = client.get(reverse("cctv:camera_live", args=[camera.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    message, code = socket_answer(AnonymousUser(), camera.pk)
    assert message["state"] == "refused" and code == REFUSED


def test_another_stations_officer_is_refused_page_and_socket(
    other_officer_client, other_officer, camera
):
    response = other_officer_client.get(reverse("cctv:camera_live", args=[camera.pk]))
    assert response.status_code == 404
    message, code = socket_answer(other_officer, camera.pk)
    assert message["state"] == "refused" and code == REFUSED
    assert STREAM_SECRET not in json.dumps(message)


def test_a_camera_marked_no_live_view_is_refused_with_its_reason(
    officer_client, officer, camera, caplog
):
    block(camera)
    caplog.set_level(logging.DEBUG)
    response = officer_client.get(reverse("cctv:camera_live", args=[camera.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "หันเข้าบ้านพักอาศัย" in page and "data-ws" not in page
    message, code = socket_answer(officer, camera.pk)
    assert message["state"] == "refused" and "หันเข้าบ้านพักอาศัย" in message["reason"]
    assert code == REFUSED
    assert STREAM_SECRET not in page + json.dumps(message) + caplog.text


def test_a_supervisor_marks_a_camera_no_live_view_and_must_say_why(supervisor_client, camera):
    url = reverse("cctv:camera_edit", args=[camera.pk])
    form = {
        "site": camera.site_id,
        "code": camera.code,
        "name": camera.name,
        "lat": camera.lat,
        "lng": camera.lng,
        "direction_deg": camera.direction_deg,
        "fov_deg": camera.fov_deg,
        "range_m": camera.range_m,
        "stream_url": camera.stream_url,
        "username": camera.username,
        "live_view_blocked": "on",
    }
    response = supervisor_client.post(url, form)
    assert response.status_code == 400
    assert STREAM_SECRET not in response.content.decode()
    response = supervisor_client.post(url, form | {"live_view_blocked_reason": "ห้องน้ำ"})
    assert response.status_code == 302
    camera.refresh_from_db()
    assert camera.live_view_blocked and camera.live_view_blocked_reason == "ห้องน้ำ"
    assert camera.password == STREAM_SECRET  # the blank password field kept it


def test_the_viewings_are_listed_for_supervisors_only(supervisor_client, officer, camera):
    viewing = live.live_view_start(actor=officer, camera=camera, client="127.0.0.1")
    live.live_view_end(actor=officer, camera=camera, viewing=viewing)
    live.live_view_start(actor=officer, camera=camera)
    url = reverse("cctv:camera_viewings", args=[camera.pk])
    as_officer = Client()
    as_officer.force_login(officer)
    assert as_officer.get(url).status_code == 403
    response = supervisor_client.get(url)
    assert response.status_code == 200
    rows = live.camera_viewings(camera)
    assert len(rows) == 2 and rows[0]["to"] is None and rows[1]["to"] >= rows[1]["from"]
    assert response.content.decode().count(officer.username) == 2


def test_the_relays_ffmpeg_opens_network_protocols_only(tmp_path):
    from cctv.live.relay import ffmpeg_command, ffmpeg_path
    from tests.conftest import need

    need(ffmpeg_path() is not None, "no ffmpeg on this machine (apt install ffmpeg)")
    secret = tmp_path / "secret.ts"
    secret.write_bytes(b"\x47" + bytes(187))
    for source in (f"file:{secret}", str(secret), f"concat:{secret}|{secret}"):
        command, stdin = ffmpeg_command(source, "mpegts")
        run = subprocess.run(command, input=stdin, capture_output=True)
        assert run.returncode != 0 and b"not on whitelist" in run.stderr and not run.stdout
        assert source not in " ".join(command)  # the camera's address is not an argument


def test_marking_a_camera_no_live_view_closes_its_current_viewers_at_once(officer, camera):
    """Set while someone watches, "no live view" closes the socket now (not at a reconnect),
    with the supervisor's reason, and the viewing's end is audited as ended by that."""
    from channels.db import database_sync_to_async

    from cctv.live.relay import Relay
    from smartzone.models import AuditEntry

    async def run():
        communicator = WebsocketCommunicator(
            LiveConsumer.as_asgi(), f"/ws/cctv/cameras/{camera.pk}/live/"
        )
        communicator.scope["user"] = officer
        communicator.scope["url_route"] = {"kwargs": {"pk": camera.pk}}
        connected, _ = await communicator.connect()
        assert connected
        for _ in range(100):  # the socket is watching once it joined the camera's relay
            if Relay.relays:
                break
            await asyncio.sleep(0.05)
        await database_sync_to_async(block)(camera, "หันเข้าห้องน้ำ")
        while True:  # state messages of the relay may come first
            message = json.loads(await communicator.receive_from(timeout=5))
            if message["state"] == "refused":
                break
        closed = await communicator.receive_output(timeout=5)
        await communicator.wait()
        for relay in list(Relay.relays.values()):
            await relay.close()
        return message, closed.get("code")

    message, code = async_to_sync(run)()
    assert "หันเข้าห้องน้ำ" in message["reason"] and code == REFUSED
    end = AuditEntry.objects.get(action=live.ENDED, object_id=str(camera.pk))
    assert end.changes["ended_by"] == "live_view_blocked" and end.actor_id == officer.pk
