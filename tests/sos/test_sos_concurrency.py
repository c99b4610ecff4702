"""The same kiosk event id from two processes at once, on PostgreSQL: exactly one SOS."""

import os
import subprocess
import sys
import time

import pytest

from sos.models import SosEvent
from tests.conftest import ROOT, database_url_for_subprocess

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKER = """
import os, sys, time
import django
django.setup()
from sos import services
from sos.models import Kiosk
kiosk = Kiosk.objects.get(pk=int(sys.argv[1]))
start_at = float(sys.argv[2])
while time.time() < start_at:
    pass
ids = {services.sos_receive(kiosk=kiosk, client_event_id="dup")[0].pk for _ in range(10)}
print(",".join(map(str, sorted(ids))))
"""


def test_two_processes_posting_the_same_event_id_make_one_sos(postgres, kiosk):
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
    }
    start_at = str(time.time() + 3)  # both start spinning on the same instant
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(kiosk.pk), start_at],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    (sos,) = SosEvent.objects.all()
    assert [out.strip() for out, _ in outputs] == [str(sos.pk), str(sos.pk)]


# A kiosk of its own: plain HTTP and HMAC, nothing of the platform's code. Each request is
# signed anew with its own timestamp (a byte-identical request would be refused as a replay).
KIOSK_CLIENT = """
import hashlib, hmac, json, sys, time, urllib.error, urllib.request
url, serial, secret, offset, start_at = sys.argv[1:6]
path = "/api/v1/sos/events/"
body = json.dumps({"event_id": "same-over-http", "message": "help"}).encode()
while time.time() < float(start_at):
    pass
answers = []
for attempt in range(8):
    # Process 0 signs with even, process 1 with odd seconds in the past: never the same bytes.
    ts = str(int(float(start_at)) - 2 * attempt - int(offset))
    message = f"POST\\n{path}\\n{ts}\\n".encode() + body
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url + path,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Kiosk-Id": serial,
            "X-Timestamp": ts,
            "X-Signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answers.append([response.status, json.loads(response.read())["id"]])
    except urllib.error.HTTPError as error:
        answers.append([error.code, error.read().decode()[:300]])
print(json.dumps(answers))
"""


@pytest.fixture
def second_asgi_server(asgi_server):
    """A second daphne process on the same test database, so the two posts really race."""
    from tests.conftest import free_port, stop_process, wait_for_port

    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url_for_subprocess(),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "MAP_TILES_URL": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
        + ["smartzone.asgi:application"],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(port, proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc)


def test_two_processes_posting_the_same_event_id_over_http_make_one_sos(
    postgres, kiosk_and_secret, asgi_server, second_asgi_server
):
    import json

    from smartzone.models import Event

    kiosk, secret = kiosk_and_secret
    start_at = str(time.time() + 3)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", KIOSK_CLIENT, url, kiosk.serial, secret, str(i), start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, url in enumerate([asgi_server.url, second_asgi_server])
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    answers = [answer for out, _ in outputs for answer in json.loads(out)]
    (sos,) = SosEvent.objects.all()
    assert sorted(status for status, _ in answers) == [200] * 15 + [201], answers
    assert {sos_id for _, sos_id in answers} == {sos.pk}
    assert Event.objects.filter(kind="sos.raised").count() == 1
