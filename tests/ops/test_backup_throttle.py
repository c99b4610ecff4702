"""A gentle backup: every byte it reads goes through its rate limit, and pg_dump runs at the
lowest CPU and disk priority."""

import gzip
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from ops import archive, services, throttle
from tests.conftest import FakeClock


def test_the_limit_lets_a_burst_through_then_keeps_to_its_rate(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(throttle, "time", clock)
    limit = throttle.RateLimit(1_000_000, burst=1_000_000)
    limit.consume(1_000_000)
    assert clock.slept == 0  # the burst
    for _ in range(40):
        limit.consume(100_000)
    assert clock.slept == pytest.approx(4.0)  # 4 MB more at 1 MB/s
    clock.now += 10  # idle for a while: only one burst's worth is saved up
    limit.consume(3_000_000)
    assert clock.slept == pytest.approx(6.0)


def test_no_limit_never_waits(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(throttle, "time", clock)
    limit = throttle.RateLimit(0)
    limit.consume(10**12)
    assert clock.slept == 0


def test_a_gentle_command_runs_at_idle_disk_priority_and_lower_cpu_priority(settings):
    settings.BACKUP_NICE = 7
    own = os.nice(0)
    probe = "import os; print(os.nice(0))"
    done = subprocess.run(throttle.gentle([sys.executable, "-c", probe]), capture_output=True)
    assert int(done.stdout) == min(19, own + 7)
    ionice = subprocess.run(
        throttle.gentle(["sh", "-c", "ionice -p $$"]), capture_output=True, text=True
    )
    if throttle._ionice_works("/usr/bin/ionice"):
        assert ionice.stdout.strip() == "idle"


@pytest.mark.django_db(transaction=True)
def test_every_byte_of_the_database_and_the_files_goes_through_the_limit(
    ops_data, station, monkeypatch
):
    photos = ops_data / "private" / "reports"
    photos.mkdir(parents=True)
    for i in range(3):
        (photos / f"{i}.jpg").write_bytes(os.urandom(300_000))
    consumed = []

    class Counting(throttle.RateLimit):
        def consume(self, size):
            consumed.append(size)

    monkeypatch.setattr(archive, "backup_rate_limit", lambda: Counting(1))
    record = services.backup_create()
    assert record.ok, record.error
    manifest_members = _members(record)
    database = manifest_members[archive.database_member()]["size"]
    files = sum(v["size"] for k, v in manifest_members.items() if k.startswith("files/"))
    assert files == 900_000
    if connection.vendor == "postgresql":
        # pg_dump's uncompressed output is read through the limit as the server sends it (the
        # backend is what the limit slows), then the gzipped dump again into the archive.
        assert sum(consumed) == _members(record, raw_dump=True) + database + files
    else:
        assert sum(consumed) == database + files


def _members(record, raw_dump=False):
    """The archive's members (or, with RAW_DUMP, the size of its database dump ungzipped)."""
    with tempfile.TemporaryDirectory() as staging:
        manifest = archive.read_archive(
            services.backup_dir() / record.archive, services.backup_secret(), Path(staging)
        )
        if raw_dump:
            with gzip.open(Path(staging) / archive.database_member()) as dump:
                return len(dump.read())
    return manifest["members"]
