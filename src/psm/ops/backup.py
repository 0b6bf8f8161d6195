"""Backups: the database and ``PSM_DATA_DIR`` in one tar archive with a manifest.

    psm backup /srv/backups/psm-2026-12-02.tar      (.tar.gz compresses)
    psm restore /srv/backups/psm-2026-12-02.tar

SQLite is copied with its online backup API (a consistent copy while PSM runs); PostgreSQL
with ``pg_dump -Fc`` from an exported snapshot, so the row counts in the manifest are those
of the dump. The manifest (``manifest.json``, first in the archive) records the engine, the
applied migrations, the row count of every table and the SHA-256 of the database dump and of
every file. Restore checks all of it before it touches anything, refuses a backup of another
engine or of a newer schema (migrations this code does not have), restores, then counts
and hashes again. Stop the web, worker, scheduler and SMTP processes while restoring.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = "psm-backup/1"
MANIFEST = "manifest.json"
DATA = "data"
# Not backed up: the SQLite files themselves (copied through the backup API), collected
# static files (rebuilt by collectstatic), per-process metric files, development mail,
# and backups kept under PSM_DATA_DIR/backups.
_SKIP_TOP = {"static", "prometheus", "outbox", "backups"}
_SKIP_SUFFIXES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


@dataclass
class Manifest:
    engine: str
    created_at: str
    psm_version: str
    database: dict[str, Any]
    schema: dict[str, list[str]]
    tables: dict[str, int]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    format: str = FORMAT

    def as_json(self) -> bytes:
        return json.dumps(self.__dict__, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise BackupError(f"not a PSM backup ({data.get('format')!r}, want {FORMAT})")
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise BackupError(f"the manifest is unreadable: {exc}") from exc


@dataclass
class Outcome:
    manifest: Manifest
    path: Path
    problems: list[str] = field(default_factory=list)


# --- backing up -----------------------------------------------------------------------


def backup(out: Path) -> Outcome:
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="psm-backup-", dir=out.parent) as work:
        dump, tables, schema = _dump_database(Path(work))
        files = dict(_hash_data_files(skip={out}))
        manifest = Manifest(
            engine=connection.vendor,
            created_at=timezone.now().isoformat(),
            psm_version=_psm_version(),
            database={"file": dump.name, "sha256": _sha256(dump), "size": dump.stat().st_size},
            schema=schema,
            tables=tables,
            files=files,
        )
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz" if out.name.endswith(".gz") else "w") as tar:
            _add_bytes(tar, MANIFEST, manifest.as_json())
            tar.add(dump, arcname=dump.name)
            for rel in sorted(files):
                tar.add(Path(settings.DATA_DIR) / rel, arcname=f"{DATA}/{rel}")
        with open(partial, "rb") as fh:
            os.fsync(fh.fileno())
        partial.replace(out)  # a backup is complete or absent, never half written
    return Outcome(manifest, out)


def _dump_database(work: Path) -> tuple[Path, dict[str, int], dict[str, list[str]]]:
    if connection.vendor == "sqlite":
        target = work / "database.sqlite3"
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
            return target, _count_sqlite(copy), _schema_sqlite(copy)
        finally:
            copy.close()
    if connection.vendor == "postgresql":
        target = work / "database.pgdump"
        # One snapshot for the dump and the counts: the manifest describes exactly the dump.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                [
                    "pg_dump",
                    "-Fc",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "-f",
                    str(target),
                ],
                None,
            )
            tables = {
                name: _count(cursor, name)
                for name in sorted(connection.introspection.table_names(cursor))
            }
            schema = _schema(cursor)
        return target, tables, schema
    raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")


def _count_sqlite(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: int(db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0])
        for name in sorted(names)
    }


def _schema_sqlite(db: sqlite3.Connection) -> dict[str, list[str]]:
    schema: dict[str, list[str]] = {}
    for app, name in db.execute("SELECT app, name FROM django_migrations ORDER BY app, name"):
        schema.setdefault(app, []).append(name)
    return schema


def _count(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
    return int(cursor.fetchone()[0])


def _schema(cursor: Any) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    schema: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        schema.setdefault(app, []).append(name)
    return schema


def _hash_data_files(skip: set[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in _data_files(skip):
        rel = path.relative_to(Path(settings.DATA_DIR)).as_posix()
        yield rel, {"sha256": _sha256(path), "size": path.stat().st_size}


def _data_files(skip: set[Path] | frozenset[Path] = frozenset()) -> Iterator[Path]:
    root = Path(settings.DATA_DIR)
    if not root.exists():
        return
    for top in sorted(root.iterdir()):
        if top.name in _SKIP_TOP or top.name.endswith(_SKIP_SUFFIXES) or top.is_symlink():
            continue
        candidates = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in candidates:
            if path.resolve() in skip or path.name.endswith(".partial"):
                continue
            yield path


# --- restoring ------------------------------------------------------------------------


def check(archive: Path) -> Outcome:
    """Read and verify a backup without restoring it: manifest, engine, schema, hashes."""
    with tempfile.TemporaryDirectory(prefix="psm-restore-") as work:
        manifest = _unpack_and_verify(archive, Path(work))
    return Outcome(manifest, archive)


def restore(archive: Path) -> Outcome:
    work_parent = Path(settings.DATA_DIR).parent
    with tempfile.TemporaryDirectory(prefix="psm-restore-", dir=work_parent) as tmp:
        work = Path(tmp)
        manifest = _unpack_and_verify(archive, work)
        _restore_database(work / manifest.database["file"])
        _restore_files(work / DATA, manifest)
    outcome = Outcome(manifest, archive)
    outcome.problems = compare(manifest)
    return outcome


def _unpack_and_verify(archive: Path, work: Path) -> Manifest:
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = tar.getmember(MANIFEST)
            raw = tar.extractfile(member)
            if raw is None:
                raise BackupError("the archive has no manifest")
            manifest = Manifest.from_json(raw.read())
            _refuse_incompatible(manifest)
            tar.extractall(work, filter="data")
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise BackupError(f"{archive}: not a readable PSM backup ({exc})") from exc
    dump = work / manifest.database["file"]
    if not dump.is_file() or _sha256(dump) != manifest.database["sha256"]:
        raise BackupError("the database dump does not match its hash in the manifest")
    bad = [
        rel
        for rel, meta in manifest.files.items()
        if not (work / DATA / rel).is_file() or _sha256(work / DATA / rel) != meta["sha256"]
    ]
    if bad:
        raise BackupError(f"{len(bad)} files do not match the manifest, e.g. {bad[0]}")
    return manifest


def _refuse_incompatible(manifest: Manifest) -> None:
    if manifest.engine != connection.vendor:
        raise BackupError(
            f"this backup is of a {manifest.engine} database and PSM here uses "
            f"{connection.vendor}: restore it into a PSM configured with the same engine"
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    newer = sorted(
        f"{app}.{name}"
        for app, names in manifest.schema.items()
        for name in names
        if (app, name) not in known
    )
    if newer:
        raise BackupError(
            f"this backup has a newer schema than this PSM ({len(newer)} unknown migrations, "
            f"e.g. {newer[0]}; made by PSM {manifest.psm_version}): upgrade PSM first"
        )


def _restore_database(dump: Path) -> None:
    if connection.vendor == "sqlite":
        for conn in connections.all():
            conn.close()
        source = sqlite3.connect(dump)
        live = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(live)
        finally:
            source.close()
            live.close()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    connection.close()
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"],
        str(dump),
    )


def _restore_files(unpacked: Path, manifest: Manifest) -> None:
    root = Path(settings.DATA_DIR)
    wanted = set(manifest.files)
    for path in list(_data_files()):
        if path.relative_to(root).as_posix() not in wanted:
            path.unlink()
    for rel in sorted(wanted):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(unpacked / rel, target)


def compare(manifest: Manifest) -> list[str]:
    """What differs between the live database and files and the manifest (empty: same)."""
    problems = []
    with connection.cursor() as cursor:
        for table, expected in manifest.tables.items():
            try:
                actual = _count(cursor, table)
            except Exception as exc:  # a missing table is reported, not raised
                problems.append(f"table {table}: {exc}")
                continue
            if actual != expected:
                problems.append(f"table {table}: {actual} rows, the backup has {expected}")
    live = dict(_hash_data_files(skip=set()))
    for rel, meta in manifest.files.items():
        if live.get(rel, {}).get("sha256") != meta["sha256"]:
            problems.append(f"file {rel} differs from the backup")
    problems += [
        f"file {rel} is not in the backup" for rel in sorted(set(live) - set(manifest.files))
    ]
    return problems


# --- helpers --------------------------------------------------------------------------


def _run(command: list[str], last: str | None) -> None:
    """Run pg_dump / pg_restore against the database PSM uses (``last``: a trailing file)."""
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = list(command)
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    args += ["-d", str(db["NAME"])]
    if last:
        args.append(last)
    if shutil.which(args[0]) is None:
        raise BackupError(f"{args[0]} is not installed (Debian: apt-get install postgresql-client)")
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip()[:500]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _psm_version() -> str:
    try:
        return version("psm")
    except PackageNotFoundError:
        return "unknown"
