"""The station's timeline in a real browser: newest first, filtered, a new event arriving live,
each item linking to its object, officers' moving positions left out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from patrol import services as patrol_services
from smartzone import services
from smartzone.models import Event, Landmark
from sos import services as sos_services
from tests.conftest import PASSWORD
from tests.patrol.conftest import MARKET, make_point

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, server, username):
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url(f"{server.url}/dashboard/")


def listed_ids(page) -> list[int]:
    return [
        int(i)
        for i in page.locator("#timeline li[data-event-id]").evaluate_all(
            "items => items.map(li => li.dataset.eventId)"
        )
    ]


def raise_sos(station, message):
    return sos_services.sos_public_raise(
        station=station, lat=MARKET[0], lng=MARKET[1], message=message
    )


def test_the_timeline_is_newest_first_filters_and_shows_a_new_event_live(
    browser, asgi_server, station, zone, landmark, officer, supervisor
):
    from playwright.sync_api import expect

    first = raise_sos(station, "ช่วยด้วย หน้าตลาด")
    services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=station,
            name="ร้านทองแสงเพชร",
            kind=Landmark.Kind.GOLD_SHOP,
            lat=16.5441,
            lng=104.7262,
        ),
    )
    now = timezone.now()
    patrol_services.shift_plan(
        actor=supervisor,
        station=station,
        name="ผลัดนี้",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
        officers=[officer],
        plan={make_point(station, "ตู้แดง ตลาด", *MARKET): 60},
    )
    patrol_services.position_report(actor=officer, lat=MARKET[0], lng=MARKET[1], accuracy_m=5)
    shown = Event.objects.filter(station=station).exclude(kind="patrol.position")
    expected = list(shown.order_by("-pk").values_list("pk", flat=True))

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, asgi_server, officer.username)

    page.goto(f"{asgi_server.url}/timeline/")
    expect(page.locator("#timeline li[data-event-id]")).to_have_count(len(expected))
    assert listed_ids(page) == expected  # newest first, no officer positions
    expect(page.locator("#timeline li[data-kind='patrol.position']")).to_have_count(0)

    # Filter on SOS: only the SOS, linking to its page.
    page.select_option("#id_kind", ["sos"])
    page.click("form.timeline-filters button[type=submit]")
    page.wait_for_url("**/timeline/?*kind=sos*")
    items = page.locator("#timeline li[data-event-id]")
    expect(items).to_have_count(1)
    expect(items.first.locator("a")).to_have_attribute("href", f"/sos/{first.pk}/")

    # A new SOS arrives on top without a reload; a landmark (filtered out) and a position do not.
    services.landmark_save(
        actor="test",
        landmark=Landmark(
            station=station, name="ธนาคาร", kind=Landmark.Kind.OTHER, lat=16.5449, lng=104.7251
        ),
    )
    patrol_services.position_report(actor=officer, lat=MARKET[0], lng=MARKET[1], accuracy_m=4)
    second = raise_sos(station, "มีคนล้ม")
    fresh = page.locator("#timeline li.fresh")
    expect(fresh).to_have_count(1, timeout=10_000)
    expect(items.first).to_have_attribute("data-kind", "sos.raised")
    expect(items.first.locator("a")).to_have_attribute("href", f"/sos/{second.pk}/")
    expect(items.first).to_contain_text("มีคนล้ม")
    assert listed_ids(page) == sorted(listed_ids(page), reverse=True)
    expect(items).to_have_count(2)
    assert errors == []
    context.close()
