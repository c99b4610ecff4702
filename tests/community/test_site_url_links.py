"""Links sent over LINE are built on SITE_URL, not on the host a request came to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import SupervisorLineLink
from sos.models import SosEvent
from tests.community.conftest import line_event, sign, webhook_body

SITE = "https://safetyzone.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def test_the_report_link_of_a_line_reply_is_on_site_url(
    client, station, channel, fake_line, eager_celery, django_capture_on_commit_callbacks
):
    event = line_event(
        "message",
        "01EVENTSITEURL",
        message={"type": "text", "id": "1", "quoteToken": "q", "text": "แจ้งเหตุ"},
    )
    body = webhook_body(event)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/line/webhook/{station.code}/",
            data=body,
            content_type="application/json",
            headers={"X-Line-Signature": sign(body)},
            HTTP_HOST="127.0.0.1:8000",
        )
    assert response.status_code == 200
    (reply,) = fake_line.sends("/reply")
    text = reply.body["messages"][0]["text"]
    assert f"{SITE}/report/" in text and "127.0.0.1" not in text


def test_an_sos_alert_links_to_the_sos_on_site_url(fake_line, channel, station, supervisor):
    SupervisorLineLink.objects.create(
        officer=supervisor,
        line_user_id="U" + "d" * 32,
        on_duty_until=timezone.now() + timedelta(hours=8),
    )
    sos = SosEvent.objects.create(station=station, source="public", lat=16.5447, lng=104.7258)
    assert services.sos_alert_supervisors(sos_id=sos.pk) == 1
    (push,) = fake_line.sends("/v2/bot/message/push")
    assert push.body["messages"][0]["text"].endswith(f"\n{SITE}/sos/{sos.pk}/")
