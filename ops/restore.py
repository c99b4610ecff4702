"""Restore an archive into an empty database and an empty data folder, or refuse and write
nothing: the target is looked at first, then the whole archive is decrypted into a staging
folder and checked member by member; only then are the database and the files put in place."""

import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.db import connection, connections

from ops.archive import COPY_BLOCK, _pg_params, file_roots, read_archive
from smartzone.audit import audit_verify


class RestoreRefused(Exception):
    """The restore did not start: the message says why; nothing was written."""


class RestoreFailed(Exception):
    """The restore wrote data but what it wrote does not check out."""


def target_problems() -> list[str]:
    """Return why the configured database and data folder are not an empty target."""
    problems = []
    tables = connection.introspection.table_names()
    if tables:
        problems.append(
            f"the database {connection.settings_dict['NAME']} is not empty "
            f"({len(tables)} tables); restore into a new, empty database"
        )
    for label, root in file_roots().items():
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            problems.append(f"the {label} files folder {root} is not empty")
    return problems


def restore_archive(path: Path, secret: str, work_dir: Path | None = None) -> dict:
    """Restore the archive at PATH; return what was restored (the manifest and checks).

    Raises RestoreRefused (nothing written) or crypto.ArchiveError (nothing written).
    """
    if not path.is_file():
        raise RestoreRefused(f"no archive at {path}")
    if problems := target_problems():
        raise RestoreRefused("; ".join(problems))
    staging = Path(tempfile.mkdtemp(prefix="sz-restore-", dir=work_dir))
    try:
        manifest = read_archive(path, secret, staging)
        if manifest["engine"] != connection.vendor:
            raise RestoreRefused(
                f"the archive holds a {manifest['engine']} database but the target is "
                f"{connection.vendor}"
            )
        _restore_database(staging / manifest["database"], manifest["engine"])
        files = _restore_files(staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    connections.close_all()
    return {"manifest": manifest, "files": files, **check_restored(manifest)}


def _restore_database(dump: Path, engine: str) -> None:
    if engine == "postgresql":
        _params, env = _pg_params()
        if dump.suffix == ".gz":  # gzipped here at backup (older archives: pg_dump compressed)
            plain = dump.with_suffix("")
            with gzip.open(dump, "rb") as source, open(plain, "wb") as out:
                shutil.copyfileobj(source, out, COPY_BLOCK)
            dump.unlink()
            dump = plain
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [
                shutil.which("pg_restore") or "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={env['PGDATABASE']}",
                str(dump),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RestoreFailed(f"pg_restore failed: {done.stderr.strip()[-500:]}")
        return
    target = Path(connection.settings_dict["NAME"])
    connections.close_all()
    # The empty target may exist (Django opened it); its WAL files belong to it, not the copy.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    partial = target.with_name(target.name + ".restoring")
    shutil.copyfile(dump, partial)
    with sqlite3.connect(partial) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            partial.unlink()
            raise RestoreFailed("the restored SQLite database fails its integrity check")
    os.replace(partial, target)


def _restore_files(staging: Path) -> int:
    count = 0
    for label, root in file_roots().items():
        source = staging / "files" / label
        if not source.is_dir():
            continue
        for file in source.rglob("*"):
            if file.is_file():
                target = root / file.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(file, target)
                count += 1
    return count


def check_restored(manifest: dict) -> dict:
    """Compare the restored database with the manifest and walk the audit chain."""
    differences = {}
    with connection.cursor() as cursor:
        for table, expected in manifest["tables"].items():
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - from the manifest
            if (found := cursor.fetchone()[0]) != expected:
                differences[table] = {"expected": expected, "found": found}
    checked, problem = audit_verify()
    if differences or problem:
        reasons = [
            f"{t}: {d['found']} rows, {d['expected']} expected" for t, d in differences.items()
        ]
        if problem:
            reasons.append(f"audit chain broken at {problem}")
        raise RestoreFailed("the restored data does not check out: " + "; ".join(reasons))
    return {"audit_entries": checked, "tables": len(manifest["tables"])}
