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
