"""Timeline items link to their object: SOS, kiosk, check-in, broadcast, meeting decision."""

import pytest
from django.utils import timezone

from community import network_services
from community import services as community_services
from community.models import Decision, Meeting
from incidents import services as incident_services
from incidents.models import Category
from patrol import services as patrol_services
from patrol.tokens import make_token
from smartzone.models import Event
from sos import services as sos_services
from tests.patrol.conftest import MARKET, make_point

pytestmark = pytest.mark.django_db


def test_every_kind_of_item_links_to_a_page_its_reader_can_open(
    client, station, zone, officer, supervisor
):
    sos = sos_services.sos_public_raise(station=station, lat=MARKET[0], lng=MARKET[1])
    kiosk, _secret = sos_services.kiosk_create(
        actor="test", station=station, name="ตู้ SOS", serial="K-1", lat=MARKET[0], lng=MARKET[1]
    )
    point = make_point(station, "ตู้แดง ตลาด", *MARKET)
    checkin = patrol_services.checkin_record(
        actor=officer, token=make_token(point), lat=MARKET[0], lng=MARKET[1], accuracy_m=5
    )
    broadcast = community_services.broadcast_create(
        actor=supervisor, station=station, text="ระวังมิจฉาชีพ", audience="zone", zone=zone
    )
    meeting = network_services.meeting_save(
        actor="test", meeting=Meeting(station=station, title="ประชุม", date=timezone.localdate())
    )
    network_services.decision_save(
        actor="test", decision=Decision(meeting=meeting, text="ติดไฟเพิ่ม", owner="เทศบาล")
    )
    category, _ = Category.objects.get_or_create(code="theft", defaults={"name": "ลักทรัพย์"})
    report, _ = incident_services.report_submit(
        kind="report", category=category, description="ถูกขโมย", lat=MARKET[0], lng=MARKET[1]
    )
    expected = {
        "sos.raised": f"/sos/{sos.pk}/",
        "kiosk.created": "/sos/kiosks/",
        "patrol.checkin": f"/patrol/checkins/{checkin.pk}/",
        "broadcast.created": f"/community/broadcasts/{broadcast.pk}/",
        "decision.created": f"/community/meetings/{meeting.pk}/",
        "report.submitted": f"/reports/{report.pk}/",
    }
    events = {e.kind: e for e in Event.objects.filter(kind__in=expected)}
    assert {kind: e.payload.get("url") for kind, e in events.items()} == expected

    client.force_login(supervisor)
    page = client.get("/timeline/").content.decode()
    for kind, url in expected.items():
        item = page.split(f'data-event-id="{events[kind].pk}"')[1].split("</li>")[0]
        assert f'<a href="{url}">' in item, kind
        assert client.get(url).status_code == 200, url
