"""Fixtures of the fault tests: a TCP proxy in front of PostgreSQL and the app served through it."""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from tests.conftest import ROOT, free_port, stop_process, wait_for_port
from tests.faults.proxy import TcpProxy
from tests.incidents.conftest import categories  # noqa: F401 - a fixture the tests use


@pytest.fixture
def db_proxy(postgres, transactional_db):
    """A proxy in front of the test database (PostgreSQL only: SQLite has no connection)."""
    db = connection.settings_dict
    proxy = TcpProxy(db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)).start()
    yield proxy
    proxy.close()


@pytest.fixture
def app_via_proxy(db_proxy, tmp_path):
    """The real ASGI server (daphne) whose database connections all pass through db_proxy.

    Its own DATA_DIR (report photos land there) and no REDIS_URL: a fresh in-process cache,
    so the report rate limit starts at zero.
    """
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    user = db.get("USER") or "postgres"
    url = f"postgres://{user}{password}@127.0.0.1:{db_proxy.port}/{db['NAME']}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    env |= {
        "DATABASE_URL": url,
        "DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "smartzone.settings",
        "MAP_TILES_URL": "",
        "DEBUG": "0",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "smartzone.asgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_port(port, proc=proc)
        yield App(f"http://127.0.0.1:{port}", tmp_path / "data")
    finally:
        stop_process(proc)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class App:
    url: str
    data_dir: object

    def request(self, method, path, *, data=None, files=False, raw=None, headers=None) -> Answer:
        headers = dict(headers or {})
        body = raw
        if data is not None and files:
            body = encode_multipart(BOUNDARY, data)
            headers["Content-Type"] = MULTIPART_CONTENT
        elif data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(  # noqa: S310 - a loopback http:// URL
            self.url + path, data=body, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 - loopback
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def get(self, path, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)
