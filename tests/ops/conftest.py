"""Fixtures of the ops tests: a data folder and backup key of the test's own, and an empty
target (a fresh PostgreSQL database or SQLite file, a fresh data folder) to restore into."""

import os
import secrets
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import ROOT
from tests.incidents.conftest import categories  # noqa: F401 - a fixture the tests use

BACKUP_KEY = "a-backup-key-kept-apart-from-the-secret-key"


@pytest.fixture
def ops_data(settings, tmp_path):
    """Point DATA_DIR, MEDIA_ROOT and BACKUP_DIR at folders of this test, with a backup key."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.BACKUP_KEY = BACKUP_KEY
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@dataclass
class Target:
    """An empty place to restore into, seen by a child process through its environment."""

    data_dir: Path
    database_url: str
    vendor: str
    pg_name: str = ""

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k not in {"MEDIA_ROOT", "BACKUP_DIR"}}
        return (
            env
            | {
                "DATABASE_URL": self.database_url,
                "DATA_DIR": str(self.data_dir),
                "BACKUP_KEY": BACKUP_KEY,
                "DJANGO_SETTINGS_MODULE": "smartzone.settings",
            }
            | extra
        )

    def manage(self, *args, **env) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=300,
        )

    def query(self, sql: str) -> list[tuple]:
        if self.vendor == "postgresql":
            import psycopg

            with psycopg.connect(self.database_url) as conn:
                return conn.execute(sql).fetchall()
        path = self.database_url.removeprefix("sqlite:///")
        if not Path(path).exists():
            return []
        with sqlite3.connect(path) as conn:
            return conn.execute(sql).fetchall()

    def tables(self) -> list[str]:
        if self.vendor == "postgresql":
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        return [row[0] for row in self.query(sql)]

    def files(self) -> dict[str, bytes]:
        found = {}
        for folder in ("private", "media"):
            root = self.data_dir / folder
            for path in root.rglob("*") if root.is_dir() else []:
                if path.is_file():
                    found[path.relative_to(self.data_dir).as_posix()] = path.read_bytes()
        return found


def _admin_url(name: str) -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{name}"


@pytest.fixture
def empty_target(tmp_path):
    """A fresh, empty database of the test database's kind and a fresh data folder."""
    data_dir = tmp_path / "restored"
    if connection.vendor == "postgresql":
        import psycopg

        name = f"smartzone_ops_restore_{secrets.token_hex(4)}"
        with psycopg.connect(_admin_url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        yield Target(data_dir, _admin_url(name), "postgresql", name)
        with psycopg.connect(_admin_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield Target(data_dir, f"sqlite:///{data_dir / 'smartzone.sqlite3'}", "sqlite")


from tests.faults.conftest import app_via_proxy, db_proxy  # noqa: E402, F401 - fixtures
