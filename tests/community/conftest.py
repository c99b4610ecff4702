import base64
import hashlib
import hmac
import json

import pytest

from smartzone.celery import app as celery_app
from tests.conftest import LINE_ACCESS_TOKEN as ACCESS_TOKEN  # noqa: F401 - the tests import it
from tests.conftest import LINE_CHANNEL_SECRET as CHANNEL_SECRET

# fake_line and channel (LINE's stand-in and the station's channel to it) are in tests/conftest.py.


@pytest.fixture(autouse=True)
def line_network(settings):
    """LINE's stand-in listens on loopback: the operator opened that network here."""
    settings.CAMERA_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture
def eager_celery():
    """Run tasks in this process as they are enqueued, retries too (at once, no countdown).

    Celery runs an eager task's retries only when errors are not propagated, so the tests
    check the outcome in the database.
    """
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield celery_app
    celery_app.conf.task_always_eager = before


def sign(body: bytes, secret: str = CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_body(*events) -> bytes:
    return json.dumps({"destination": "Uxxxxxxxx", "events": list(events)}).encode()


def line_event(
    kind: str, event_id: str, user_id: str = "U0000000000000000000000000000001", **extra
):
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": 1764057600000,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
    }
    if kind != "unfollow":
        event["replyToken"] = f"reply-{event_id}"
    if kind == "follow":
        event["follow"] = {"isUnblocked": False}
    return event | extra


@pytest.fixture(autouse=True)
def _fresh_link_attempts(fresh_rate_limits):
    """Link-code tries are counted in the rate-limit cache: each test starts with none."""
    yield
