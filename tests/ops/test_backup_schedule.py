"""The keeping rule, the daily task (idempotent) and the duty desk's warning of an old backup."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from ops import services, tasks
from ops.models import BackupRecord

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def test_the_rule_keeps_dailies_for_two_weeks_and_weeklies_for_three_months():
    # Two backups a day for half a year.
    times = [NOW - timedelta(hours=12 * i) for i in range(2 * 183)]
    keep = services.archives_to_keep(times, NOW)
    assert NOW in keep
    recent_days = {t.date() for t in keep if NOW - t <= timedelta(days=14)}
    assert len(recent_days) == 15  # today and each of the 14 days before, once each
    weeks = {t.isocalendar()[:2] for t in keep if timedelta(days=14) < NOW - t}
    old = [t for t in keep if NOW - t > timedelta(days=14)]
    assert len(old) == len(weeks)  # one per week beyond the dailies
    assert all(NOW - t <= timedelta(days=92) for t in keep)
    assert len(weeks) == 11  # the weeks of days 15 to 92 (the later ones hold dailies)
    assert len({t.isocalendar()[:2] for t in keep}) == 14  # three months of weeks in all


def test_prune_deletes_only_archives_the_rule_drops(ops_data, settings):
    folder = services.backup_dir()
    names = []
    for days in (0, 1, 1.05, 30, 31, 200):
        when = NOW - timedelta(days=days)
        name = f"{services.ARCHIVE_PREFIX}{when.strftime(services.STAMP)}{services.ARCHIVE_SUFFIX}"
        (folder / name).write_bytes(b"x")
        names.append(name)
    (folder / "notes.txt").write_text("not an archive")
    pruned = services.backup_prune(now=NOW)
    # Day 1 keeps its newest (1 day old) and drops the older one of that date; 30 and 31 days
    # ago may share an ISO week; 200 days is past the weekly window.
    assert names[2] in pruned and names[5] in pruned
    assert names[0] not in pruned and names[1] not in pruned
    assert (folder / "notes.txt").exists()
    assert sorted(p.name for p in folder.iterdir() if p.name in names) == sorted(
        set(names) - set(pruned)
    )


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_makes_one_backup_however_often_it_runs(ops_data, station, monkeypatch):
    # The task runs `manage.py backup` in a child; here the command runs in this process.
    def run(args, **kwargs):
        call_command(*args[2:])

        class Done:
            returncode, stdout, stderr = 0, "ok", ""

        return Done()

    monkeypatch.setattr(tasks, "subprocess", SimpleNamespace(run=run))
    tasks.backup_daily()
    tasks.backup_daily()
    assert BackupRecord.objects.filter(ok=True).count() == 1
    assert len(list(services.backup_dir().glob("*.szbackup"))) == 1


def test_a_backup_without_a_key_is_refused_with_what_to_do(ops_data, settings):
    settings.BACKUP_KEY = None
    with pytest.raises(Exception, match="Set BACKUP_KEY"):
        call_command("backup")
    settings.BACKUP_KEY = settings.SECRET_KEY
    with pytest.raises(Exception, match="must not be SECRET_KEY"):
        call_command("backup")


def test_the_status_warns_the_duty_desk_when_the_last_good_backup_is_too_old(
    officer_client, settings
):
    settings.BACKUP_MAX_AGE_HOURS = 26
    status = officer_client.get("/ops/backup-status/").json()
    assert status["stale"] is True
    assert status["text"]
    now = timezone.now()
    BackupRecord.objects.create(started_at=now, finished_at=now - timedelta(hours=30), ok=True)
    BackupRecord.objects.create(started_at=now, finished_at=now, ok=False, error="disk full")
    status = officer_client.get("/ops/backup-status/").json()
    assert (status["stale"], status["age_hours"]) == (True, 30.0)
    assert "30" in status["text"]
    BackupRecord.objects.create(started_at=now, finished_at=now - timedelta(hours=2), ok=True)
    assert officer_client.get("/ops/backup-status/").json() == {
        "stale": False,
        "age_hours": 2.0,
        "max_age_hours": 26,
        "text": "",
    }


def test_the_status_is_refused_to_outsiders(client, citizen):
    assert client.get("/ops/backup-status/").status_code == 302
    client.force_login(citizen)
    assert client.get("/ops/backup-status/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_backup_tells_every_stations_dashboard_and_a_failed_one_tells_none(
    ops_data, station, other_station, monkeypatch
):
    from smartzone.models import Event

    record = services.backup_create()
    events = Event.objects.filter(kind="backup.created")
    assert sorted(e.station_id for e in events) == sorted([station.pk, other_station.pk])
    assert {e.payload["finished_at"] for e in events} == {record.finished_at.isoformat()}

    def broken(path, secret):
        raise OSError("disk full")

    monkeypatch.setattr(services, "write_archive", broken)
    failed = services.backup_create()
    assert failed.ok is False
    assert Event.objects.filter(kind="backup.created").count() == 2
