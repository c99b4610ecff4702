"""The officer's phone socket carries only that officer's own assignment events (not the
station's positions, nor another officer's offers), and keeps the page's presence for LINE."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from dispatch import presence, services
from dispatch.consumers import OfficerConsumer
from tests.dispatch.conftest import share

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(user) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(OfficerConsumer.as_asgi(), "/ws/officer/")
    socket.scope["user"] = user
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=5)) == {"type": "ready"}
    return socket


async def test_each_phone_gets_its_own_offers_only(positions, sos, officer, dave, supervisor):
    await sync_to_async(presence.page_closed)(officer.pk)
    assert not await sync_to_async(presence.page_open)(officer.pk)
    mine, theirs = await connect(officer), await connect(dave)
    assert await sync_to_async(presence.page_open)(officer.pk)
    await sync_to_async(share)(dave, 250)  # a position: the desk's socket gets it, phones not
    offer = await sync_to_async(services.assignment_offer)(
        actor=supervisor, kind="sos", item_id=sos.pk, officer_id=officer.pk
    )
    message = await mine.receive_json_from(timeout=5)
    assert message["event"]["kind"] == "dispatch.offered"
    assert message["event"]["payload"]["assignment"] == offer.pk
    assert await mine.receive_nothing(timeout=0.3)  # not dave's position, nor sos.* events
    assert await theirs.receive_nothing(timeout=0.3)

    await mine.send_json_to({"type": "ping"})
    await mine.disconnect()
    assert not await sync_to_async(presence.page_open)(officer.pk)
    assert await sync_to_async(presence.page_open)(dave.pk)
    await theirs.disconnect()


async def test_someone_without_a_police_role_is_refused(citizen):
    socket = WebsocketCommunicator(OfficerConsumer.as_asgi(), "/ws/officer/")
    socket.scope["user"] = citizen
    assert (await socket.connect()) == (False, 4403)


async def test_closing_one_of_two_pages_leaves_the_officer_present(officer):
    # Two tabs (or the phone and a tablet): LINE waits while one of them still rings.
    await sync_to_async(presence.page_closed)(officer.pk)
    first, second = await connect(officer), await connect(officer)
    await first.disconnect()
    assert await sync_to_async(presence.page_open)(officer.pk)
    await second.send_json_to({"type": "ping"})
    await second.disconnect()
    assert not await sync_to_async(presence.page_open)(officer.pk)
