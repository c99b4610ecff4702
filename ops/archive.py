"""Backup archives: what goes in (the database, the private files, a manifest) and out again.

An archive is one encrypted tar (ops.crypto): `database.pgdump.gz` (pg_dump's custom format,
left uncompressed by pg_dump and gzipped here; older archives hold `database.pgdump`, which
pg_dump compressed) or `database.sqlite3` (SQLite's online backup), the files under
`files/private/` (DATA_DIR/private) and `files/media/` (MEDIA_ROOT), and `manifest.json` last:
every member's size and SHA-256, the row count of every table, the migrations applied and the
audit chain's head, all read in the same snapshot as the dump.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.utils import timezone

from ops.crypto import Damaged, DecryptingReader, EncryptingWriter
from ops.throttle import RateLimit, backup_rate_limit, gentle

MANIFEST = "manifest.json"
FORMAT = 1
COPY_BLOCK = 1 << 20
PIPE_BLOCK = 1 << 16


class BackupFailed(Exception):
    """A backup could not be made: the message says why."""


def file_roots() -> dict[str, Path]:
    """Return the folders of private files an archive holds, by their name inside it."""
    return {"private": Path(settings.DATA_DIR) / "private", "media": Path(settings.MEDIA_ROOT)}


class _Hashing:
    """Read from a file through the backup's rate limit and hash what was read."""

    def __init__(self, handle, limit: RateLimit | None = None):
        self.handle, self.sha, self.limit = handle, hashlib.sha256(), limit

    def read(self, size=-1):
        data = self.handle.read(size)
        if self.limit:
            self.limit.consume(len(data))
        self.sha.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, handle, size: int, members: dict, limit=None) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
    reader = _Hashing(handle, limit)
    tar.addfile(info, reader)
    members[name] = {"size": size, "sha256": reader.sha.hexdigest()}


# --- the database's snapshot -------------------------------------------------------------------


def _pg_params() -> tuple[dict, dict]:
    """Return (connection keywords, environment for pg_dump/pg_restore) of the database."""
    db = connection.settings_dict
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": str(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "dbname": db["NAME"],
    }
    env = os.environ | {
        "PGHOST": params["host"],
        "PGPORT": params["port"],
        "PGUSER": params["user"],
        "PGDATABASE": params["dbname"],
    }
    if db.get("PASSWORD"):
        params["password"] = env["PGPASSWORD"] = db["PASSWORD"]  # never on a command line
    return params, env


def _facts(cursor, tables: list[str]) -> dict:
    """Return the row counts, migrations and audit head, read through CURSOR (one snapshot)."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the catalogue
        counts[table] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    audit = None
    if "smartzone_audithead" in tables:
        cursor.execute("SELECT seq, hash, first_seq FROM smartzone_audithead WHERE id = 1")
        row = cursor.fetchone()
        if row:
            audit = {"seq": row[0], "hash": row[1], "first_seq": row[2]}
    return {"tables": counts, "migrations": migrations, "audit_head": audit}


def _run_pg_dump(command: list[str], env: dict, target: Path, limit: RateLimit) -> None:
    """Run pg_dump gently (ops.throttle.gentle) and gzip its uncompressed output to TARGET
    through LIMIT: the limit counts the bytes the PostgreSQL backend reads out (compressed ones
    ran 10-70x faster past it), and back-pressure on the pipe slows that backend, a process of
    the server's own that nice cannot reach."""
    gzip = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: the gzip format
    with (
        open(target, "wb") as out,
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(  # noqa: S603 - fixed arguments
            gentle(command), env=env, stdout=subprocess.PIPE, stderr=errors
        ) as dump,
    ):
        while block := dump.stdout.read(PIPE_BLOCK):
            limit.consume(len(block))
            out.write(gzip.compress(block))
        out.write(gzip.flush())
        returncode = dump.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()[-500:]
            raise BackupFailed(f"pg_dump failed: {message}")


def _dump_postgresql(target: Path, limit: RateLimit) -> dict:
    import psycopg

    params, env = _pg_params()
    # The counts and pg_dump's reads in one server process each, never spread over parallel
    # workers that would take every core from the platform's queries.
    gentle_options = "-c max_parallel_workers_per_gather=0"
    env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {gentle_options}".strip()
    # One REPEATABLE READ transaction exports its snapshot to pg_dump and counts the rows in it:
    # the manifest's counts are those of the dump, whatever is written meanwhile.
    with psycopg.connect(**params, options=gentle_options) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = [row[0] for row in cursor.fetchall()]
            facts = _facts(cursor, tables)
            cursor.execute("SHOW server_version")
            facts["server_version"] = cursor.fetchone()[0]
            _run_pg_dump(
                [
                    shutil.which("pg_dump") or "pg_dump",
                    "--format=custom",
                    "--compress=0",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                ],
                env,
                target,
                limit,
            )
        conn.rollback()
    return facts


def _dump_sqlite(target: Path) -> dict:
    source = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1): a single read transaction, so a consistent copy while the
        # platform writes (WAL lets writers go on meanwhile).
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        facts = _facts(copy.cursor(), tables)
        facts["server_version"] = sqlite3.sqlite_version
    finally:
        copy.close()
        source.close()
    return facts


def database_member() -> str:
    return "database.pgdump.gz" if connection.vendor == "postgresql" else "database.sqlite3"


# --- writing -----------------------------------------------------------------------------------


def write_archive(path: Path, secret: str) -> dict:
    """Write a backup of the database and private files to PATH; return its manifest.

    PATH is written under a temporary name and renamed when complete.
    """
    partial = path.with_name(path.name + ".partial")
    members: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="sz-backup-", dir=path.parent) as work:
        dump = Path(work) / database_member()
        limit = backup_rate_limit()
        if connection.vendor == "postgresql":
            facts = _dump_postgresql(dump, limit)
        elif connection.vendor == "sqlite":
            facts = _dump_sqlite(dump)
        else:
            raise BackupFailed(f"cannot back up a {connection.vendor} database")
        try:
            with open(partial, "wb") as sink:
                os.chmod(partial, 0o600)  # personal data, readable only by the server
                writer = EncryptingWriter(sink, secret)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    with open(dump, "rb") as handle:
                        _add(tar, dump.name, handle, dump.stat().st_size, members, limit)
                    dump.unlink()
                    files, size = _add_files(tar, members, limit)
                    manifest = {
                        "format": FORMAT,
                        "created_at": timezone.now().isoformat(),
                        "engine": connection.vendor,
                        "database": dump.name,
                        "files": files,
                        "files_bytes": size,
                        **facts,
                        "members": members,
                    }
                    body = json.dumps(manifest, indent=1, sort_keys=True).encode()
                    _add(tar, MANIFEST, io.BytesIO(body), len(body), {})
                writer.close()
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def _add_files(tar: tarfile.TarFile, members: dict, limit: RateLimit) -> tuple[int, int]:
    count = size = 0
    for label, root in file_roots().items():
        if not root.is_dir():
            continue
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            for name in sorted(names):
                full = Path(folder) / name
                relative = full.relative_to(root).as_posix()
                try:
                    handle = open(full, "rb")  # noqa: SIM115 - closed below
                except FileNotFoundError:  # deleted meanwhile (a retention purge)
                    continue
                with handle:
                    length = os.fstat(handle.fileno()).st_size
                    _add(tar, f"files/{label}/{relative}", handle, length, members, limit)
                count, size = count + 1, size + length
    return count, size


# --- reading -----------------------------------------------------------------------------------


def _member_path(staging: Path, name: str) -> Path:
    """Return where member NAME is staged; refuse a name that would leave STAGING."""
    parts = PurePosixPath(name).parts
    allowed = name in {MANIFEST, "database.pgdump.gz", "database.pgdump", "database.sqlite3"} or (
        len(parts) >= 3 and parts[0] == "files" and parts[1] in file_roots()
    )
    if not allowed or PurePosixPath(name).is_absolute() or ".." in parts:
        raise Damaged(f"the archive holds an unexpected member {name!r}")
    return staging.joinpath(*parts)


def read_archive(path: Path, secret: str, staging: Path) -> dict:
    """Decrypt the archive at PATH into STAGING, check every member; return the manifest.

    Raises WrongKey or Damaged (ops.crypto) when the archive cannot be trusted; STAGING then
    holds partial content the caller must remove.
    """
    seen: dict[str, dict] = {}
    manifest = None
    with open(path, "rb") as source:
        reader = DecryptingReader(source, secret)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for info in tar:
                    if not info.isfile():
                        raise Damaged(f"the archive holds an unexpected member {info.name!r}")
                    target = _member_path(staging, info.name)
                    handle = tar.extractfile(info)
                    if info.name == MANIFEST:
                        manifest = json.loads(handle.read())
                        continue
                    target.parent.mkdir(parents=True, exist_ok=True)
                    sha = hashlib.sha256()
                    with open(target, "wb") as out:
                        while block := handle.read(COPY_BLOCK):
                            sha.update(block)
                            out.write(block)
                    seen[info.name] = {"size": info.size, "sha256": sha.hexdigest()}
        except tarfile.TarError as exc:
            raise Damaged(f"the archive's contents are damaged ({exc})") from None
        reader.drain()
    if manifest is None:
        raise Damaged("the archive has no manifest (it was cut short)")
    expected = manifest.get("members", {})
    for name, facts in expected.items():
        if seen.get(name) != facts:
            raise Damaged(f"{name} does not match its checksum in the manifest")
    if extra := set(seen) - set(expected):
        raise Damaged(f"the archive holds members its manifest does not list: {sorted(extra)[:3]}")
    return manifest
