"""In a real browser against the real ASGI server: a supervisor composes, previews and sends a
broadcast; an officer who is not a supervisor cannot.

The server process enqueues the delivery tasks on the Celery broker; this test then runs them
in its own process (task functions called directly, eagerly), where the SDK talks to the
local stand-in for LINE, and reloads the page to see the delivery log.
"""

import pytest

from community import tasks
from community.models import Broadcast, DeliveryBatch
from tests.community.test_broadcast_delivery import add_followers
from tests.conftest import PASSWORD, pass_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, server, username, next_url="/community/broadcasts/"):
    # Straight to the page under test: the dashboard's socket is not part of this test.
    page.goto(f"{server.url}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    pass_two_factor(page, username)
    page.wait_for_url(f"{server.url}{next_url}")


def test_a_supervisor_composes_previews_and_sends_a_broadcast(
    browser, asgi_server, fake_line, channel, station, zone, supervisor
):
    from playwright.sync_api import expect

    ids = add_followers(station, 620, zone=zone)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, asgi_server, supervisor.username)
    page.click("[data-testid=compose]")
    expect(page.locator(".field-zone")).to_be_hidden()  # only for one zone
    page.fill("#id_text", "แจ้งเตือน: ระวังมิจฉาชีพแอบอ้างเป็นเจ้าหน้าที่ในตลาดอินโดจีน")
    page.select_option("#id_audience", "zone")
    expect(page.locator(".field-zone")).to_be_visible()
    page.select_option("#id_zone", str(zone.pk))
    page.check("#id_public")
    page.click("[data-testid=preview]")

    expect(page.locator("[data-testid=line-preview]")).to_contain_text("ระวังมิจฉาชีพ")
    expect(page.locator("[data-testid=audience-size]")).to_contain_text("620")
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "draft")
    assert fake_line.requests == []  # a preview sends nothing

    page.click("[data-testid=send-now]")
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "sending")
    broadcast = Broadcast.objects.get()
    batches = list(broadcast.batches.order_by("number"))
    assert [b.recipient_count for b in batches] == [500, 120]

    for batch in batches:  # what the Celery worker would do
        tasks.delivery_batch_send.apply(args=[batch.pk])

    page.reload()
    expect(page.locator("[data-testid=state]")).to_have_attribute("data-state", "sent")
    expect(page.locator("[data-testid=delivery-log] tr[data-state=delivered]")).to_have_count(2)
    assert [len(r.body["to"]) for r in fake_line.sends("/multicast")] == [500, 120]
    assert [u for r in fake_line.sends("/multicast") for u in r.body["to"]] == ids
    assert DeliveryBatch.objects.filter(state="delivered").count() == 2

    page.goto(f"{asgi_server.url}/notices/")
    expect(page.locator("[data-testid=notice]")).to_contain_text("ระวังมิจฉาชีพ")
    assert errors == []
    context.close()


def test_an_officer_who_is_not_a_supervisor_cannot_compose(browser, asgi_server, officer):
    context = browser.new_context()
    page = context.new_page()
    log_in(page, asgi_server, officer.username)
    assert page.locator("[data-testid=compose]").count() == 0
    response = page.goto(f"{asgi_server.url}/community/broadcasts/new/")
    assert response.status == 403
    assert not Broadcast.objects.exists()
    context.close()


def test_open_decisions_show_on_the_dashboard(browser, asgi_server, station, officer):
    from datetime import date

    from playwright.sync_api import expect

    from community import network_services
    from community.models import Decision, Meeting

    meeting = network_services.meeting_save(
        actor="test", meeting=Meeting(station=station, title="ประชุม", date=date(2026, 11, 1))
    )
    for text, done in [("ซ่อมกล้องลานจอดรถ", False), ("ทำแล้ว", True)]:
        network_services.decision_save(
            actor="test", decision=Decision(meeting=meeting, text=text, owner="เทศบาล", done=done)
        )
    context = browser.new_context()
    page = context.new_page()
    log_in(page, asgi_server, officer.username, next_url="/dashboard/")
    items = page.locator("#sz-open-decisions li")
    expect(items).to_have_count(1)
    expect(items).to_contain_text("ซ่อมกล้องลานจอดรถ")
    context.close()
