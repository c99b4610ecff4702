"""Broadcast delivery through the real SDK against a local stand-in for LINE's API."""

import uuid

import pytest

from community import services
from community.models import Broadcast, DeliveryBatch, Follower
from tests.community.conftest import ACCESS_TOKEN

MULTICAST = "/v2/bot/message/multicast"


def add_followers(station, n, *, zone=None, partner=None, prefix="U"):
    Follower.objects.bulk_create(
        Follower(station=station, line_user_id=f"{prefix}{i:032x}", zone=zone, partner=partner)
        for i in range(n)
    )
    return list(
        Follower.objects.filter(station=station, line_user_id__startswith=prefix)
        .order_by("pk")
        .values_list("line_user_id", flat=True)
    )


def send_now(supervisor, broadcast, capture):
    with capture(execute=True):
        services.broadcast_send_now(actor=supervisor, broadcast_id=broadcast.pk)
    broadcast.refresh_from_db()
    return broadcast


def zone_broadcast(supervisor, station, zone, text="ระวังมิจฉาชีพในตลาดอินโดจีน"):
    return services.broadcast_create(
        actor=supervisor, station=station, text=text, audience="zone", zone=zone
    )


@pytest.fixture
def ready(fake_line, eager_celery, channel):
    return fake_line


def test_a_zone_of_1234_followers_goes_out_as_three_multicasts_of_at_most_500(
    ready, supervisor, station, zone, supervisor_client, django_capture_on_commit_callbacks
):
    ids = add_followers(station, 1234, zone=zone)
    add_followers(station, 7, prefix="Uother")  # no zone: not in the audience
    broadcast = send_now(
        supervisor, zone_broadcast(supervisor, station, zone), django_capture_on_commit_callbacks
    )

    sends = ready.sends(MULTICAST)
    assert [len(r.body["to"]) for r in sends] == [500, 500, 234]
    assert [uid for r in sends for uid in r.body["to"]] == ids
    for request in sends:
        assert request.method == "POST"
        assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
        assert request.body["messages"] == [{"type": "text", "text": "ระวังมิจฉาชีพในตลาดอินโดจีน"}]
    batches = list(broadcast.batches.order_by("number"))
    assert [r.retry_key for r in sends] == [str(b.retry_key) for b in batches]
    assert len({r.retry_key for r in sends}) == 3
    assert [(b.state, b.attempts) for b in batches] == [("delivered", 1)] * 3
    assert all(b.line_request_id for b in batches)
    assert broadcast.state == Broadcast.State.SENT

    page = supervisor_client.get(f"/community/broadcasts/{broadcast.pk}/").content.decode()
    assert page.count('<tr data-state="delivered">') == 3


def test_image_and_link_go_into_the_messages(
    ready, supervisor, station, zone, django_capture_on_commit_callbacks
):
    add_followers(station, 2, zone=zone)
    broadcast = services.broadcast_create(
        actor=supervisor,
        station=station,
        text="ประกาศ",
        image_url="https://example.org/poster.jpg",
        link_url="https://example.org/news",
        audience="zone",
        zone=zone,
    )
    send_now(supervisor, broadcast, django_capture_on_commit_callbacks)
    (request,) = ready.sends(MULTICAST)
    assert request.body["messages"] == [
        {"type": "text", "text": "ประกาศ\n\nhttps://example.org/news"},
        {
            "type": "image",
            "originalContentUrl": "https://example.org/poster.jpg",
            "previewImageUrl": "https://example.org/poster.jpg",
        },
    ]


def test_everyone_uses_the_broadcast_endpoint_and_one_recipient_a_push(
    ready, supervisor, station, django_capture_on_commit_callbacks
):
    everyone = services.broadcast_create(
        actor=supervisor, station=station, text="ถึงทุกคน", audience="everyone"
    )
    send_now(supervisor, everyone, django_capture_on_commit_callbacks)
    from community.models import Partner

    partner = Partner.objects.create(station=station, name="สมาคมร้านทอง", kind="gold_shop")
    (only,) = add_followers(station, 1, partner=partner, prefix="Upartner")
    partners = services.broadcast_create(
        actor=supervisor, station=station, text="ถึงพันธมิตร", audience="partners"
    )
    send_now(supervisor, partners, django_capture_on_commit_callbacks)

    assert [r.path for r in ready.requests] == ["/v2/bot/message/broadcast", "/v2/bot/message/push"]
    assert "to" not in ready.requests[0].body
    assert ready.requests[1].body["to"] == only
    assert everyone.state == partners.state == Broadcast.State.SENT


def test_429_then_200_is_retried_with_the_same_retry_key_and_delivered_once(
    ready, supervisor, station, zone, supervisor_client, django_capture_on_commit_callbacks
):
    add_followers(station, 3, zone=zone)
    ready.then(429, body={"message": "Too many requests"}, headers={"Retry-After": "2"})
    broadcast = send_now(
        supervisor, zone_broadcast(supervisor, station, zone), django_capture_on_commit_callbacks
    )

    sends = ready.sends(MULTICAST)
    assert [r.status for r in sends] == [429, 200]
    assert sends[0].retry_key == sends[1].retry_key
    uuid.UUID(sends[0].retry_key)
    assert len(ready.accepted) == 1
    (batch,) = broadcast.batches.all()
    assert (batch.state, batch.attempts, batch.last_error) == ("delivered", 2, "")
    assert broadcast.state == Broadcast.State.SENT
    page = supervisor_client.get(f"/community/broadcasts/{broadcast.pk}/").content.decode()
    assert page.count('<tr data-state="delivered">') == 1


def test_a_retry_after_an_accepted_but_lost_answer_gets_409_and_counts_as_delivered(
    ready, supervisor, station, zone, django_capture_on_commit_callbacks
):
    add_followers(station, 3, zone=zone)
    ready.then(500, accepted_anyway=True)
    broadcast = send_now(
        supervisor, zone_broadcast(supervisor, station, zone), django_capture_on_commit_callbacks
    )
    assert [r.status for r in ready.sends(MULTICAST)] == [500, 409]
    assert len(ready.accepted) == 1  # the followers got it once
    (batch,) = broadcast.batches.all()
    assert batch.state == "delivered"
    assert batch.line_request_id  # the id of the accepted request
    assert broadcast.state == Broadcast.State.SENT


def test_500_five_times_fails_with_the_error_and_a_manual_retry_sends_only_failed_batches(
    ready, supervisor, station, zone, supervisor_client, django_capture_on_commit_callbacks
):
    ids = add_followers(station, 600, zone=zone)
    ready.then(200).then(500, times=5, body={"message": "Internal error"})
    broadcast = send_now(
        supervisor, zone_broadcast(supervisor, station, zone), django_capture_on_commit_callbacks
    )

    first, second = broadcast.batches.order_by("number")
    assert (first.state, first.attempts) == ("delivered", 1)
    assert (second.state, second.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert "HTTP 500" in second.last_error and "Internal error" in second.last_error
    assert broadcast.state == Broadcast.State.FAILED
    assert broadcast.failure_reason
    failed_key = [r.retry_key for r in ready.sends(MULTICAST) if r.status == 500]
    assert failed_key == [str(second.retry_key)] * 5

    page = supervisor_client.get(f"/community/broadcasts/{broadcast.pk}/").content.decode()
    assert "HTTP 500" in page
    assert 'data-testid="retry"' in page

    before = len(ready.requests)
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(f"/community/broadcasts/{broadcast.pk}/retry/")
    assert response.status_code == 302
    again = ready.requests[before:]
    assert len(again) == 1
    assert again[0].body["to"] == ids[500:]
    assert again[0].retry_key == str(second.retry_key)
    broadcast.refresh_from_db()
    second.refresh_from_db()
    assert (broadcast.state, second.state) == (Broadcast.State.SENT, "delivered")
    assert len(ready.accepted) == 2


def test_a_400_fails_the_batch_at_once_without_retries(
    ready, supervisor, station, zone, django_capture_on_commit_callbacks
):
    add_followers(station, 2, zone=zone)
    ready.then(400, body={"message": "The request body has 1 error(s)"})
    broadcast = send_now(
        supervisor, zone_broadcast(supervisor, station, zone), django_capture_on_commit_callbacks
    )
    (batch,) = broadcast.batches.all()
    assert (batch.state, batch.attempts) == ("failed", 1)
    assert "HTTP 400" in batch.last_error
    assert len(ready.requests) == 1


def test_a_task_delivered_twice_does_not_send_a_finished_batch_again(
    ready, supervisor, station, zone, django_capture_on_commit_callbacks
):
    from community import tasks

    add_followers(station, 2, zone=zone)
    broadcast = send_now(
        supervisor, zone_broadcast(supervisor, station, zone), django_capture_on_commit_callbacks
    )
    (batch,) = broadcast.batches.all()
    tasks.delivery_batch_send.apply(args=[batch.pk])
    assert len(ready.requests) == 1
    assert DeliveryBatch.objects.get(pk=batch.pk).attempts == 1


def test_sending_to_an_empty_audience_is_refused_and_nothing_changes(
    ready, supervisor, station, zone
):
    from django.core.exceptions import ValidationError

    broadcast = zone_broadcast(supervisor, station, zone)
    with pytest.raises(ValidationError):
        services.broadcast_send_now(actor=supervisor, broadcast_id=broadcast.pk)
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.DRAFT
    assert not broadcast.batches.exists()
    assert ready.requests == []
