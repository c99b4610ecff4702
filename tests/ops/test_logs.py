"""JSON logs: a request's id follows it into the Celery task it enqueued (a real worker), and
no phone number, citizen's name, token or password reaches the log."""

import json
import logging

import pytest

from ops.logs import JsonFormatter
from tests.community.conftest import line_event, sign, webhook_body
from tests.conftest import LINE_ACCESS_TOKEN as ACCESS_TOKEN
from tests.conftest import LINE_CHANNEL_SECRET as CHANNEL_SECRET
from tests.conftest import PASSWORD, start_worker, stop_process, wait_until
from tests.incidents.conftest import IN_ZONE

USER = "U0000000000000000000000000000001"
PHONE, NAME, FOLLOWER_NAME = "0812345678", "สมชาย ใจดี", "สมหญิง รักสงบ"


def json_lines(text: str) -> list[dict]:
    lines = []
    for raw in text.splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_the_request_id_is_in_the_log_lines_of_the_task_it_enqueued_and_no_secret_is(
    client, tmp_path, fake_line, channel, station, zone, officer, categories, caplog
):
    caplog.set_level(logging.INFO)
    fake_line.profiles[USER] = FOLLOWER_NAME
    worker = start_worker(tmp_path, "logs", LINE_API_HOST=fake_line.url, LOG_FORMAT="json")
    try:
        body = webhook_body(line_event("follow", "01EVENTLOGS"))
        response = client.post(
            f"/line/webhook/{station.code}/",
            data=body,
            content_type="application/json",
            headers={"X-Line-Signature": sign(body)},
        )
        assert response.status_code == 200
        request_id = response["X-Request-ID"]
        log_file = tmp_path / "logs.log"

        def task_lines():
            return [
                line
                for line in json_lines(log_file.read_text(errors="replace"))
                if line.get("task") == "community.tasks.line_reply"
            ]

        wait_until(
            lambda: any(line["message"] == "task finished" for line in task_lines()),
            120,
            "the worker to log the reply task",
            worker,
        )
        # Personal data and secrets go through other requests meanwhile.
        client.post("/accounts/login/", {"username": officer.username, "password": PASSWORD})
        reported = client.post(
            "/api/v1/reports/",
            {
                "kind": "report",
                "category": "theft",
                "description": "กระเป๋าถูกขโมย",
                "lat": IN_ZONE[0],
                "lng": IN_ZONE[1],
                "reporter_name": NAME,
                "reporter_phone": PHONE,
            },
        )
        assert reported.status_code == 201, reported.content
        client.get("/api/v1/events/", headers={"Authorization": f"Token {ACCESS_TOKEN}"})
    finally:
        stop_process(worker)

    lines = task_lines()
    assert {line["message"] for line in lines} >= {"task started", "task finished"}
    assert {line["request_id"] for line in lines} == {request_id}
    finished = next(line for line in lines if line["message"] == "task finished")
    assert finished["status"] == "SUCCESS"
    assert finished["duration_ms"] >= 0

    formatter = JsonFormatter()
    ours = [json.loads(formatter.format(record)) for record in caplog.records]
    requests = [line for line in ours if line["logger"] == "smartzone.request"]
    webhook = next(line for line in requests if line["request_id"] == request_id)
    assert webhook["view"] == "community:line-webhook"
    assert webhook["status"] == 200
    login = next(line for line in requests if line["view"] == "login")
    assert login["status"] == 302
    everything = log_file.read_text(errors="replace") + "\n".join(
        formatter.format(record) for record in caplog.records
    )
    for secret in (PHONE, NAME, FOLLOWER_NAME, ACCESS_TOKEN, CHANNEL_SECRET, PASSWORD):
        assert secret not in everything, secret


def test_a_request_id_from_an_untrusted_client_is_replaced(client, settings, db):
    settings.TRUSTED_PROXY_COUNT = 0
    given = "abcdef0123456789-from-the-client"
    assert client.get("/healthz/", headers={"X-Request-ID": given})["X-Request-ID"] != given
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get("/healthz/", headers={"X-Request-ID": given})["X-Request-ID"] == given
