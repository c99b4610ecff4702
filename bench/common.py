"""Helpers the bench scripts share: ports, a throwaway PostgreSQL database, percentiles."""

import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
