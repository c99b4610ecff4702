"""The LINE webhook: signature first, follower registry, menus, idempotent on event ids."""

import pytest

from community import services
from community.models import Follower, SupervisorLineLink, WebhookEvent
from smartzone.models import AuditEntry
from tests.community.conftest import line_event, sign, webhook_body

USER = "U0000000000000000000000000000001"


@pytest.fixture
def deliver(client, station, channel, django_capture_on_commit_callbacks):
    def post(body: bytes, signature: str | None = None, url=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                url or f"/line/webhook/{station.code}/",
                data=body,
                content_type="application/json",
                headers={"X-Line-Signature": sign(body) if signature is None else signature},
            )

    return post


def test_a_wrong_signature_is_400_and_nothing_is_stored(deliver, fake_line, eager_celery):
    body = webhook_body(line_event("follow", "01EVENTWRONGSIG"))
    audit = AuditEntry.objects.count()
    for signature in ["", "bm90IGEgc2lnbmF0dXJl", sign(body, "another-secret"), sign(body + b" ")]:
        assert deliver(body, signature).status_code == 400
    assert not WebhookEvent.objects.exists()
    assert not Follower.objects.exists()
    assert AuditEntry.objects.count() == audit
    assert fake_line.requests == []


def test_a_body_changed_after_signing_is_refused(deliver):
    body = webhook_body(line_event("follow", "01EVENTTAMPERED"))
    tampered = body.replace(USER.encode(), b"U0000000000000000000000000000666")
    assert deliver(tampered, sign(body)).status_code == 400
    assert not Follower.objects.exists()


def test_a_station_without_a_line_channel_refuses_and_an_unknown_one_is_404(client, other_station):
    body = webhook_body(line_event("follow", "01EVENTNOCHANNEL"))
    url = f"/line/webhook/{other_station.code}/"
    response = client.post(
        url, body, content_type="application/json", headers={"X-Line-Signature": sign(body)}
    )
    assert response.status_code == 400
    assert (
        client.post("/line/webhook/nowhere/", body, content_type="application/json").status_code
        == 404
    )
    assert not Follower.objects.exists()


def test_the_same_follow_event_twice_makes_one_follower_and_one_reply(
    deliver, fake_line, eager_celery, station, zone
):
    body = webhook_body(line_event("follow", "01EVENTFOLLOWTWICE"))
    assert deliver(body).status_code == 200
    assert deliver(body).status_code == 200  # LINE redelivers
    follower = Follower.objects.get()
    assert (follower.station, follower.line_user_id, follower.left_at) == (station, USER, None)
    assert WebhookEvent.objects.count() == 1
    (reply,) = fake_line.sends("/v2/bot/message/reply")
    assert reply.body["replyToken"] == "reply-01EVENTFOLLOWTWICE"
    menu = reply.body["messages"][1]
    assert menu["quickReply"]["items"][0]["action"]["data"] == f"zone={zone.pk}"


def test_the_station_can_be_given_by_id_too(deliver, station):
    body = webhook_body(line_event("follow", "01EVENTBYID"))
    assert deliver(body, url=f"/line/webhook/{station.pk}/").status_code == 200
    assert Follower.objects.filter(station=station).count() == 1


def test_unfollow_marks_the_follower_left_and_a_new_follow_brings_them_back(deliver):
    deliver(webhook_body(line_event("follow", "01EVENTF1")))
    deliver(webhook_body(line_event("unfollow", "01EVENTU1")))
    follower = Follower.objects.get()
    assert follower.left_at is not None
    assert not follower.following
    deliver(webhook_body(line_event("follow", "01EVENTF2")))
    follower.refresh_from_db()
    assert follower.following
    assert Follower.objects.count() == 1


def test_a_follower_picks_their_zone_from_the_menu_but_not_another_stations(
    deliver, zone, other_zone
):
    deliver(webhook_body(line_event("postback", "01EVENTP1", postback={"data": f"zone={zone.pk}"})))
    assert Follower.objects.get().zone == zone
    deliver(
        webhook_body(
            line_event("postback", "01EVENTP2", postback={"data": f"zone={other_zone.pk}"})
        )
    )
    assert Follower.objects.get().zone == zone


def text_event(event_id, text):
    return line_event(
        "message", event_id, message={"type": "text", "id": "1", "quoteToken": "q", "text": text}
    )


@pytest.mark.parametrize("text", ["แจ้งเหตุ มีคนทะเลาะกัน", "Report a fight"])
def test_a_report_keyword_answers_with_the_report_form_link(
    text, deliver, fake_line, eager_celery, settings
):
    settings.REPORT_FORM_URL = "/report/"
    deliver(webhook_body(text_event("01EVENTREPORT", text)))
    (reply,) = fake_line.sends("/reply")
    assert "http://testserver/report/" in reply.body["messages"][0]["text"]


def test_a_supervisor_links_their_line_account_with_the_one_time_code(
    deliver, supervisor, eager_celery, fake_line
):
    code = services.supervisor_link_start(actor=supervisor)
    deliver(
        webhook_body(
            text_event("01EVENTLINK1", "link 000000" if code != "000000" else "link 111111")
        )
    )
    assert not SupervisorLineLink.objects.get().linked
    deliver(webhook_body(text_event("01EVENTLINK2", f"link {code}")))
    link = SupervisorLineLink.objects.get()
    assert (link.line_user_id, link.code_hash) == (USER, "")
    deliver(
        webhook_body(
            text_event(
                "01EVENTLINK3",
                f"link {code}",
            )
            | {"source": {"type": "user", "userId": "U0000000000000000000000000000002"}}
        )
    )
    link.refresh_from_db()
    assert link.line_user_id == USER  # the code works once


def test_a_body_that_is_not_a_webhook_is_400(deliver):
    assert deliver(b"not json").status_code == 400
    assert deliver(b'{"no": "events"}').status_code == 400
