"""Backup and restore of a big station: seconds, archive size, and request p99 during a backup.

    .venv/bin/python bench/backup.py            # EVENTS=1000000 REPORTS=100000 PHOTOS=1000

A throwaway PostgreSQL database gets EVENTS events and REPORTS reports (copies of one row made
by the services, multiplied with generate_series), and PHOTOS report photos of PHOTO_KB each
(random bytes: incompressible, like JPEG) in a throwaway DATA_DIR. The platform (daphne) serves
/healthz/ready to LOAD_THREADS clients for BASELINE_S seconds (half before the backup, half
after it, so a change in the machine's other load during the run weighs on both sides), and
while `manage.py backup` runs at its default gentleness (BACKUP_RATE_MB_S, BACKUP_NICE); the
archive is then restored into a second empty database and data folder.
Last line: one JSON object.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support.common import PG, ROOT, free_port, percentile, recreate_database, wait_for_port  # noqa: E402

EVENTS = int(os.environ.get("EVENTS", "1000000"))
REPORTS = int(os.environ.get("REPORTS", "100000"))
PHOTOS = int(os.environ.get("PHOTOS", "1000"))
PHOTO_KB = int(os.environ.get("PHOTO_KB", "100"))
LOAD_THREADS = int(os.environ.get("LOAD_THREADS", "3"))
BASELINE_S = float(os.environ.get("BASELINE_S", "60"))
KEY = secrets.token_urlsafe(32)


def env_for(db: str, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "MEDIA_ROOT"}}
    return env | {
        "DATABASE_URL": f"{PG}/{db}",
        "DATA_DIR": str(data_dir),
        "BACKUP_KEY": KEY,
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "MAP_TILES_URL": "",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)}: {done.stderr[-2000:]}")
    return done


def load(url: str, stop: threading.Event, out: list) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            response.read()
        out.append(time.perf_counter() - started)


def measure(url: str, during=None, seconds: float = BASELINE_S) -> tuple[list, float]:
    """Load URL for SECONDS, or while DURING (a callable) runs; return latencies and its time."""
    stop, samples = threading.Event(), [[] for _ in range(LOAD_THREADS)]
    threads = [threading.Thread(target=load, args=(url, stop, s)) for s in samples]
    for t in threads:
        t.start()
    started = time.monotonic()
    if during:
        during()
    else:
        time.sleep(seconds)
    elapsed = time.monotonic() - started
    stop.set()
    for t in threads:
        t.join()
    return [x for s in samples for x in s], elapsed


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="sz-bench-backup-"))
    source, target = f"sz_bench_backup_{os.getpid()}", f"sz_bench_restore_{os.getpid()}"
    recreate_database(source)
    recreate_database(target)
    env = env_for(source, work / "data")
    server = None
    try:
        manage(env, "migrate", "--noinput")
        sizes = {"EVENTS": EVENTS, "REPORTS": REPORTS, "PHOTOS": PHOTOS, "PHOTO_KB": PHOTO_KB}
        fill = "exec(open('bench/support/backup_fill.py').read())"
        done = manage(env | {k: str(v) for k, v in sizes.items()}, "shell", "-c", fill)
        filled = json.loads(done.stdout.strip().splitlines()[-1])
        files_bytes = folder_bytes(work / "data" / "private")
        print(f"data: {filled}, files {files_bytes / 1e6:.0f} MB", flush=True)

        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-v",
                "0",
                "-p",
                str(port),
                "smartzone.asgi:application",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for_port(port, server)
        url = f"http://127.0.0.1:{port}/healthz/ready"
        measure(url, seconds=3)  # warm up
        before, _ = measure(url, seconds=BASELINE_S / 2)
        timing = {}

        def backup():
            started = time.monotonic()
            timing["out"] = manage(env, "backup", "--no-prune").stdout.strip()
            timing["backup_s"] = time.monotonic() - started

        during, _ = measure(url, during=backup)
        after, _ = measure(url, seconds=BASELINE_S / 2)
        base = before + after
        print(timing["out"], flush=True)
        archive = next((work / "data" / "backups").glob("*.szbackup"))
        started = time.monotonic()
        restored = manage(env_for(target, work / "restored"), "restore", str(archive))
        restore_s = time.monotonic() - started
        print(restored.stdout.strip(), flush=True)
        p99_base, p99_during = percentile(base, 99), percentile(during, 99)
        result = {
            "events": filled["events"],
            "reports": filled["reports"],
            "photos": filled["photos"],
            "photo_kb": PHOTO_KB,
            "data_bytes": filled["db_bytes"] + files_bytes,
            "archive_bytes": archive.stat().st_size,
            "backup_s": round(timing["backup_s"], 1),
            "restore_s": round(restore_s, 1),
            "archive_ratio": round(archive.stat().st_size / (filled["db_bytes"] + files_bytes), 3),
            "backup_rate_mb_s": float(os.environ.get("BACKUP_RATE_MB_S", "25")),
            "requests_baseline": len(base),
            "requests_during_backup": len(during),
            "p99_ms_baseline": round(p99_base * 1000, 1),
            "p99_ms_before": round(percentile(before, 99) * 1000, 1),
            "p99_ms_after": round(percentile(after, 99) * 1000, 1),
            "p99_ms_during_backup": round(p99_during * 1000, 1),
            "p99_ratio_during_backup": round(p99_during / p99_base, 2),
        }
        print(json.dumps(result))
    finally:
        if server:
            server.terminate()
            server.wait(10)
        recreate_database(source, drop_only=True)
        recreate_database(target, drop_only=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
