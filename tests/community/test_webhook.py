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


def test_a_malformed_event_is_recorded_as_refused_and_the_others_are_handled(
    deliver, fake_line, eager_celery, station
):
    too_long = "U" + "f" * 200
    body = webhook_body(
        line_event("follow", "01EVENTFIRST", user_id="U0000000000000000000000000000011"),
        line_event("follow", "01EVENTMIDDLE", user_id=too_long),
        line_event("follow", "01EVENTTHIRD", user_id="U0000000000000000000000000000033"),
    )
    response = deliver(body)
    assert response.status_code == 200
    following = set(Follower.objects.values_list("line_user_id", flat=True))
    assert following == {"U0000000000000000000000000000011", "U0000000000000000000000000000033"}
    refused = WebhookEvent.objects.get(webhook_event_id="01EVENTMIDDLE")
    assert refused.refused_reason == "invalid: line_user_id"
    assert too_long not in refused.refused_reason and too_long not in str(refused.__dict__)
    assert WebhookEvent.objects.filter(refused_reason="").count() == 2
    assert deliver(body).status_code == 200  # a redelivery changes nothing
    assert WebhookEvent.objects.count() == 3


def test_a_late_redelivered_follow_does_not_undo_a_newer_unfollow(deliver, eager_celery, fake_line):
    t = 1764057600000
    follow = line_event("follow", "01ORDERFOLLOW", timestamp=t - 60_000)
    unfollow = line_event("unfollow", "01ORDERUNFOLLOW", timestamp=t)
    late = line_event("follow", "01ORDERLATE", timestamp=t - 30_000)
    late["deliveryContext"] = {"isRedelivery": True}
    for event in (follow, unfollow, late):
        assert deliver(webhook_body(event)).status_code == 200
    follower = Follower.objects.get(line_user_id=USER)
    assert not follower.following
    assert follower.last_event_at.timestamp() == t / 1000


def test_a_late_unfollow_does_not_undo_a_newer_follow(deliver, eager_celery, fake_line):
    t = 1764057600000
    deliver(webhook_body(line_event("follow", "01A", timestamp=t - 60_000)))
    deliver(webhook_body(line_event("follow", "01B", timestamp=t)))
    deliver(webhook_body(line_event("unfollow", "01C", timestamp=t - 30_000)))
    assert Follower.objects.get(line_user_id=USER).following


def group_message(event_id: str, text: str, mentionees=None) -> dict:
    message = {"type": "text", "id": f"m{event_id}", "text": text, "quoteToken": "q"}
    if mentionees is not None:
        message["mention"] = {"mentionees": mentionees}
    return line_event(
        "message",
        event_id,
        source={"type": "group", "groupId": "C0000000000000000000000000000001", "userId": USER},
        message=message,
    )


def test_the_bot_is_quiet_in_a_group_unless_it_is_mentioned(deliver, eager_celery, fake_line):
    assert deliver(webhook_body(group_message("01GROUPQUIET", "hello all"))).status_code == 200
    assert fake_line.sends("/reply") == []
    mention = [{"index": 0, "length": 4, "type": "user", "userId": "Ubot", "isSelf": True}]
    other = [{"index": 0, "length": 4, "type": "user", "userId": "Uxyz", "isSelf": False}]
    deliver(webhook_body(group_message("01GROUPOTHER", "@Sam menu", other)))
    assert fake_line.sends("/reply") == []
    deliver(webhook_body(group_message("01GROUPASKED", "@bot menu", mention)))
    assert len(fake_line.sends("/reply")) == 1
