"""The channel access token and secret never show: not in pages, API, logs or the audit trail."""

import logging

import pytest

from community import services
from community.models import LineChannel
from smartzone.models import AuditEntry, Event
from tests.community.conftest import ACCESS_TOKEN, CHANNEL_SECRET
from tests.community.test_broadcast_delivery import add_followers

SECRETS = [ACCESS_TOKEN, CHANNEL_SECRET, ACCESS_TOKEN[4:-4], CHANNEL_SECRET[:-4]]


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_admin_stores_them_encrypted_and_shows_only_the_last_4_characters(
    admin_client_, station
):
    response = admin_client_.post(
        "/admin/community/linechannel/add/",
        {
            "station": station.pk,
            "name": "สภ.เมืองมุกดาหาร",
            "enabled": "on",
            "channel_secret": CHANNEL_SECRET,
            "access_token": ACCESS_TOKEN,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    channel = LineChannel.objects.get()
    assert (channel.access_token, channel.channel_secret) == (ACCESS_TOKEN, CHANNEL_SECRET)
    assert_no_secret(repr(list(LineChannel.objects.values())))  # encrypted at rest

    for url in [
        "/admin/community/linechannel/",
        f"/admin/community/linechannel/{channel.pk}/change/",
    ]:
        page = admin_client_.get(url).content.decode()
        assert_no_secret(page)
        assert f"••••{ACCESS_TOKEN[-4:]}" in page

    # Saving without typing them again keeps them.
    admin_client_.post(
        f"/admin/community/linechannel/{channel.pk}/change/",
        {"station": station.pk, "name": "renamed", "enabled": "on"},
    )
    channel.refresh_from_db()
    assert (channel.name, channel.access_token) == ("renamed", ACCESS_TOKEN)
    entries = AuditEntry.objects.filter(action__startswith="line_channel")
    assert entries.count() == 2
    assert entries.first().changes["access_token"] == "changed"
    assert_no_secret(repr(list(AuditEntry.objects.values())))
    assert_no_secret(repr(list(Event.objects.values())))


def test_no_page_api_answer_log_line_or_audit_entry_holds_them(
    channel,
    fake_line,
    eager_celery,
    supervisor,
    supervisor_client,
    station,
    zone,
    caplog,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    add_followers(station, 3, zone=zone)
    fake_line.then(401, body={"message": "Authentication failed"})
    fake_line.then(500, times=2).then(429)
    broadcasts = []
    for audience in ["zone", "zone", "everyone"]:
        broadcast = services.broadcast_create(
            actor=supervisor,
            station=station,
            text="ประกาศ",
            audience=audience,
            zone=zone if audience == "zone" else None,
            public=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.broadcast_send_now(actor=supervisor, broadcast_id=broadcast.pk)
        broadcasts.append(broadcast)
    assert any(r.headers["authorization"] == f"Bearer {ACCESS_TOKEN}" for r in fake_line.requests)
    assert "401" in caplog.text  # the failures were logged ...
    assert_no_secret(caplog.text)  # ... without the token

    pages = [
        "/community/broadcasts/",
        "/community/broadcasts/new/",
        *[f"/community/broadcasts/{b.pk}/" for b in broadcasts],
        "/community/partners/",
        "/community/meetings/",
        "/community/line-link/",
        "/notices/",
        "/dashboard/",
        "/api/v1/community/broadcasts/",
        "/api/v1/community/partners/",
        "/api/v1/community/open-decisions/",
        "/api/v1/events/",
    ]
    for url in pages:
        response = supervisor_client.get(url)
        assert response.status_code == 200, url
        assert_no_secret(response.content.decode())
    assert_no_secret(repr(list(AuditEntry.objects.values())))
    assert_no_secret(repr(list(Event.objects.values())))
