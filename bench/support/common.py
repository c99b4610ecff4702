"""Helpers the bench scripts share (not a bench itself): ports, a throwaway PostgreSQL database,
percentiles."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PG = "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until PROC (a server) listens on PORT; fail at once if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {port} after {timeout} s")


def admin_sql(sql: str, pg: str = PG) -> None:
    """Run SQL on the server's `postgres` database, outside a transaction."""
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def recreate_database(name: str, drop_only: bool = False, pg: str = PG) -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", pg)
    if not drop_only:
        admin_sql(f"CREATE DATABASE {name}", pg)


def percentile(values, p: float) -> float:
    """The nearest-rank P-th percentile of VALUES (nan when there are none)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def sign_kiosk(secret: str, path: str, timestamp: str, body: bytes, method: str = "POST") -> str:
    """The X-Signature of a kiosk request (sos/signing.py's scheme, without importing Django)."""
    import hashlib
    import hmac

    message = f"{method}\n{path}\n{timestamp}\n".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def kiosk_headers(serial: str, secret: str, path: str, body: bytes, timestamp: int) -> dict:
    """The headers of a signed kiosk POST of BODY to PATH."""
    ts = str(timestamp)
    return {
        "Content-Type": "application/json",
        "X-Kiosk-Id": serial,
        "X-Timestamp": ts,
        "X-Signature": sign_kiosk(secret, path, ts, body),
    }


def django_shell(code: str, env: dict, timeout: float = 300) -> dict:
    """Run CODE with `manage.py shell` in ENV; return the JSON object its last line prints."""
    import json
    import sys

    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user + system) a process has used so far."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    """Return the resident memory of a process (VmRSS, kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


async def open_dashboard_socket(port: int, cookie: str, on_frame, after: str = ""):
    """Connect one dashboard socket as the session COOKIE; wait for its "ready" frame.

    Return (socket, reader task); the task calls ON_FRAME(time.time(), raw) for each frame
    after "ready" until the socket closes.
    """
    import asyncio
    import json

    import websockets

    query = f"?after={after}" if after else ""
    sock = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/dashboard/{query}",
        additional_headers={"Cookie": cookie},
        origin=f"http://127.0.0.1:{port}",
        max_queue=None,
        open_timeout=60,
    )
    first = json.loads(await sock.recv())
    if first["type"] != "ready":
        raise RuntimeError(f"expected a ready frame, got {first}")

    async def read():
        try:
            async for raw in sock:
                on_frame(time.time(), raw)
        except websockets.ConnectionClosed:
            pass

    return sock, asyncio.create_task(read())


def start_daphne(port: int, env: dict, **popen) -> subprocess.Popen:
    """Start the platform's ASGI server (daphne) on loopback PORT with ENV; quiet by default."""
    popen = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL} | popen
    command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    command += ["--verbosity", "0", "smartzone.asgi:application"]
    return subprocess.Popen(command, cwd=ROOT, env=env, **popen)


def setup_django(tmp: Path, db_name: str) -> None:
    """Set this process up as the platform on PostgreSQL database DB_NAME (embedded channel
    layer, no tiles), migrated, with the demo stations."""
    for name in ("REDIS_URL", "CHANNELS_PREFIX"):
        os.environ.pop(name, None)
    os.environ |= {
        "DATABASE_URL": f"{PG}/{db_name}",
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "DATA_DIR": str(tmp / "data"),
        "DEBUG": "0",
        "MAP_TILES_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from smartzone import demo

    demo.seed()
