"""A new follower's display name is asked from LINE after the follow is stored, and retried."""

import pytest

from community import services
from community.models import Follower
from smartzone.models import AuditEntry
from tests.community.conftest import line_event, sign, webhook_body

USER = "U0000000000000000000000000000001"


@pytest.fixture
def follow(client, station, channel, django_capture_on_commit_callbacks):
    def post(event_id: str, user_id: str = USER):
        body = webhook_body(line_event("follow", event_id, user_id=user_id))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                f"/line/webhook/{station.code}/",
                data=body,
                content_type="application/json",
                headers={"X-Line-Signature": sign(body)},
            )
        assert response.status_code == 200
        return Follower.objects.get(line_user_id=user_id)

    return post


def test_a_follow_fills_the_display_name_from_lines_profile(follow, fake_line, eager_celery):
    fake_line.profiles[USER] = "สมศรี ค้าทอง"
    follower = follow("01EVENTPROFILE1")
    follower.refresh_from_db()
    assert follower.display_name == "สมศรี ค้าทอง"
    (asked,) = fake_line.sends(f"/v2/bot/profile/{USER}")
    assert asked.method == "GET"
    assert asked.headers["authorization"].startswith("Bearer ")
    entry = AuditEntry.objects.get(action="follower.profile_filled")
    assert "สมศรี" not in str(entry.changes)


def test_a_busy_profile_endpoint_is_retried_until_the_name_comes(follow, fake_line, eager_celery):
    fake_line.profiles[USER] = "ร้านทองแม่ทองคำ"
    fake_line.then(429, path="/v2/bot/profile/", headers={"Retry-After": "3"})
    fake_line.then(503, path="/v2/bot/profile/")
    follower = follow("01EVENTPROFILE2")
    follower.refresh_from_db()
    assert follower.display_name == "ร้านทองแม่ทองคำ"
    assert [r.status for r in fake_line.sends(f"/v2/bot/profile/{USER}")] == [429, 503, 200]


def test_the_follow_is_kept_when_the_profile_never_comes(follow, fake_line, eager_celery):
    fake_line.then(500, times=10, path="/v2/bot/profile/")
    follower = follow("01EVENTPROFILE3")
    follower.refresh_from_db()
    assert (follower.following, follower.display_name) == (True, "")
    from community import tasks

    assert len(fake_line.sends(f"/v2/bot/profile/{USER}")) == tasks.PROFILE_RETRIES + 1
    (reply,) = fake_line.sends("/v2/bot/message/reply")  # the welcome still went out
    assert reply.status == 200


def test_the_follow_is_kept_when_line_cannot_be_reached(follow, eager_celery, settings, channel):
    from tests.conftest import free_port

    settings.LINE_API_HOST = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    follower = follow("01EVENTPROFILE4")
    assert (follower.following, follower.display_name) == (True, "")


def test_a_user_line_does_not_know_is_not_asked_again(fake_line, station, channel):
    follower = services.follower_follow(station=station, line_user_id=USER)
    attempt = services.follower_profile_fill(follower_id=follower.pk)
    assert (attempt.finished, attempt.retry_in_s) == (True, None)
    assert [r.status for r in fake_line.sends(f"/v2/bot/profile/{USER}")] == [404]


def test_the_backoff_of_a_profile_retry_follows_retry_after_then_doubles(
    fake_line, station, channel
):
    follower = services.follower_follow(station=station, line_user_id=USER)
    fake_line.then(429, path="/v2/bot/profile/", headers={"Retry-After": "7"})
    fake_line.then(503, times=2, path="/v2/bot/profile/")
    retries = [
        services.follower_profile_fill(follower_id=follower.pk, attempt=n).retry_in_s
        for n in (1, 2, 3)
    ]
    assert retries == [7, services.BACKOFF_BASE_S * 2, services.BACKOFF_BASE_S * 4]
