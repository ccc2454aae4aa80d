"""Backups of a whole deployment (``manage.py backup DIR`` / ``manage.py restore DIR``).

A backup directory holds:

- the database, in the engine's own format: ``database.sqlite3`` made with SQLite's
  online backup API (a consistent copy while the site keeps running, WAL included), or
  ``database.pgdump`` made by ``pg_dump --format=custom`` (one consistent snapshot);
- ``media/``: every uploaded file (images, documents);
- ``manifest.json``: when, which engine, the applied Django migrations, the versions of
  Python, Django, Wagtail and Bancheng, and every file with its size and SHA-256.

``restore`` checks the whole manifest (every file present, sizes and checksums equal, the
same engine, no migration this code does not know) before it touches anything; then it
replaces the database (SQLite: the online backup API into the live file; PostgreSQL: the
dropped tables and ``pg_restore``'s script in one ``psql --single-transaction``, so a
failure leaves the old database), then swaps the media directory.

The embedded search index lives in the database and comes back with it; an
Elasticsearch index lives outside, so ``restore`` rebuilds it (``rebuild_search_index``)
unless told not to. Derived files outside the database (the triage model, the page
cache) are not backed up: ``triage_train`` rebuilds the model, the cache is cleared.

Unlike ``export_data`` (portable JSON Lines between engines), a backup restores only
into the engine it came from, fast and exactly.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from portal.transfer import file_sha256

FORMAT = "bancheng-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in Chinese and English."""


# --- the database connection ----------------------------------------------------------


def engine_name(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"不支持的数据库类型：{vendor}。 / Unsupported database engine: {vendor}.")
    return vendor


def _sqlite_path(alias: str) -> Path:
    name = connections[alias].settings_dict["NAME"]
    if not name or str(name) == ":memory:" or str(name).startswith("file:"):
        raise BackupError("内存中的 SQLite 数据库无法备份。 / An in-memory SQLite database cannot be backed up.")
    return Path(name)


def pg_bindir() -> Path | None:
    """Where pg_dump, pg_restore and psql are: BANCHENG_PG_BINDIR, the PATH, or the newest
    Debian/Ubuntu ``/usr/lib/postgresql/<version>/bin`` (where the postgresql packages put them)."""
    configured = os.environ.get("BANCHENG_PG_BINDIR") or getattr(settings, "BANCHENG_PG_BINDIR", "")
    if configured:
        return Path(configured)
    found = shutil.which("pg_dump")
    if found:
        return Path(found).parent
    versions = []
    for candidate in Path("/usr/lib/postgresql").glob("*/bin"):
        try:
            versions.append((float(candidate.parent.name), candidate))
        except ValueError:
            continue
    return max(versions)[1] if versions else None


def pg_tool(name: str) -> str:
    bindir = pg_bindir()
    path = bindir / name if bindir else None
    if path is None or not os.access(path, os.X_OK):
        raise BackupError(
            f"找不到 PostgreSQL 客户端程序 {name}。请安装 PostgreSQL 客户端（Debian：apt-get install "
            f"postgresql-client），或用环境变量 BANCHENG_PG_BINDIR 指定其所在目录。 / "
            f"{name} not found: install the PostgreSQL client tools or set BANCHENG_PG_BINDIR to their directory."
        )
    return str(path)


def _pg_env(alias: str) -> tuple[dict, list[str]]:
    """Environment and connection arguments for the PostgreSQL tools (no password on a command line)."""
    conf = connections[alias].settings_dict
    env = dict(os.environ)
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    options = conf.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    args = []
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    return env, args


def _run(command: list[str], *, env: dict, what: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or b"").decode("utf-8", "replace").strip()[-2000:]
        raise BackupError(f"{what}失败。 / {what} failed:\n{detail}")
    return result


# --- files and the manifest -----------------------------------------------------------


def _file_names(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p != root / MANIFEST)


def _describe(root: Path) -> dict[str, dict]:
    return {name: {"size": (root / name).stat().st_size, "sha256": file_sha256(root / name)} for name in _file_names(root)}


def _versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in ("django", "wagtail", "bancheng"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def applied_migrations(alias: str = "default") -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


# --- backup ---------------------------------------------------------------------------


@dataclass
class BackupResult:
    directory: Path
    engine: str
    database_bytes: int
    media_files: int
    media_bytes: int


def backup(directory: str | Path, *, alias: str = "default") -> BackupResult:
    """Write a backup of the database and media into ``directory`` (new or empty)."""
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"目录 {target} 不是空的：请指定新的或空的目录。 / {target} is not empty.")
    engine = engine_name(alias)
    target.mkdir(parents=True, exist_ok=True)
    database_file = target / DATABASE_FILES[engine]
    if engine == "sqlite":
        _backup_sqlite(alias, database_file)
    else:
        _backup_postgresql(alias, database_file)

    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir():
        shutil.copytree(media_root, target / MEDIA, symlinks=False)
    else:
        (target / MEDIA).mkdir()

    files = _describe(target)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "database_file": DATABASE_FILES[engine],
        "migrations": applied_migrations(alias),
        "versions": _versions(),
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True), "utf-8")
    media = [entry for name, entry in files.items() if name.startswith(MEDIA + "/")]
    return BackupResult(
        directory=target, engine=engine, database_bytes=files[DATABASE_FILES[engine]]["size"],
        media_files=len(media), media_bytes=sum(entry["size"] for entry in media),
    )


def _backup_sqlite(alias: str, out: Path) -> None:
    source = sqlite3.connect(str(_sqlite_path(alias)))
    destination = sqlite3.connect(str(out))
    try:
        with destination:
            source.backup(destination)  # pages copied under SQLite's own locking: a consistent copy
    finally:
        destination.close()
        source.close()


def _backup_postgresql(alias: str, out: Path) -> None:
    env, args = _pg_env(alias)
    name = connections[alias].settings_dict["NAME"]
    _run([pg_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges",
          "--file", str(out), "--dbname", name], env=env, what="pg_dump 导出 / pg_dump")


# --- restore --------------------------------------------------------------------------


def read_manifest(directory: str | Path) -> dict:
    source = Path(directory)
    try:
        manifest = json.loads((source / MANIFEST).read_text("utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} 中没有 {MANIFEST}，不是 backup 命令生成的备份。 / No {MANIFEST} in {source}.")
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{MANIFEST} 已损坏，无法读取。 / {MANIFEST} is not valid JSON.")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError("备份格式不符或版本不受支持。 / Not a backup of a supported format version.")
    return manifest


def verify(directory: str | Path, *, alias: str = "default") -> dict:
    """Check a backup against its manifest and this deployment; returns the manifest or raises."""
    source = Path(directory)
    manifest = read_manifest(source)
    problems = []
    listed = manifest.get("files") or {}
    for name, entry in sorted(listed.items()):
        path = source / name
        if ".." in Path(name).parts or not path.is_file():
            problems.append(f"缺少文件 / missing: {name}")
        elif path.stat().st_size != entry.get("size") or file_sha256(path) != entry.get("sha256"):
            problems.append(f"校验和不符 / checksum mismatch: {name}")
    for extra in sorted(set(_file_names(source)) - set(listed)):
        problems.append(f"清单外的文件 / not in the manifest: {extra}")
    if manifest.get("database_file") not in listed:
        problems.append("清单中没有数据库文件 / the manifest lists no database file")
    if problems:
        raise BackupError("备份校验未通过，未做任何改动。 / The backup failed verification; nothing was changed.\n"
                          + "\n".join(problems))

    engine = engine_name(alias)
    if manifest.get("engine") != engine:
        raise BackupError(
            f"这是 {ENGINE_LABELS.get(manifest.get('engine'), manifest.get('engine'))} 数据库的备份，当前使用的是 "
            f"{ENGINE_LABELS[engine]}，不能直接恢复；跨数据库迁移请用 export_data / import_data。 / "
            f"This backup is of a {manifest.get('engine')} database and this deployment uses {engine}; "
            "use export_data / import_data to move between engines."
        )
    unknown = _newer_migrations(manifest.get("migrations") or {})
    if unknown:
        raise BackupError(
            "备份来自更新的程序版本（含本版本没有的数据库迁移），请先升级程序再恢复： / The backup was made by a newer "
            "version (migrations this code does not have); upgrade first:\n" + "\n".join(unknown[:20])
        )
    return manifest


def _number(name: str) -> int:
    digits = name.split("_", 1)[0]
    return int(digits) if digits.isdigit() else -1


def _newer_migrations(applied: dict[str, list[str]]) -> list[str]:
    """Applied migrations in the backup that this code lacks and that come after its own.

    A recorded migration that is missing but numbered below the code's latest is a file
    removed after squashing (Django keeps its record); only later ones mean newer code.
    """
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    latest: dict[str, int] = {}
    for app, name in known:
        latest[app] = max(latest.get(app, -1), _number(name))
    return sorted(
        f"{app}.{name}" for app, names in applied.items() for name in names
        if (app, name) not in known and (app not in latest or _number(name) > latest[app] or _number(name) < 0)
    )


@dataclass
class RestoreResult:
    manifest: dict
    pending_migrations: list[str]
    media_files: int


def restore(directory: str | Path, *, alias: str = "default") -> RestoreResult:
    """Replace the database and media with the backup in ``directory`` (verified first)."""
    source = Path(directory)
    manifest = verify(source, alias=alias)
    database_file = source / manifest["database_file"]
    connection = connections[alias]
    if connection.in_atomic_block:
        raise BackupError("不能在事务中恢复。 / Cannot restore inside a transaction.")
    if manifest["engine"] == "sqlite":
        _restore_sqlite(alias, database_file)
    else:
        _restore_postgresql(alias, database_file)
    media_files = _restore_media(source / MEDIA)

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    pending = sorted(f"{app}.{name}" for app, name in loader.graph.leaf_nodes()
                     if (app, name) not in loader.applied_migrations)
    return RestoreResult(manifest=manifest, pending_migrations=pending, media_files=media_files)


def _restore_sqlite(alias: str, database_file: Path) -> None:
    live = _sqlite_path(alias)
    connections[alias].close()
    source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    destination = sqlite3.connect(str(live), timeout=30)
    try:
        # Every page of the live file is replaced under SQLite's locks, in one step: other
        # connections see the old database or the restored one, never a mixture.
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def _restore_postgresql(alias: str, database_file: Path) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    connection.close()
    env, args = _pg_env(alias)
    name = connection.settings_dict["NAME"]
    script = _run([pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                   "--file", "-", str(database_file)], env=env, what="pg_restore 读取备份 / pg_restore").stdout
    # Tables of the current schema go first (a table the backup does not have would stay
    # behind otherwise); drop and restore run as one transaction: all or nothing.
    quote = connection.ops.quote_name
    drops = "".join(f"DROP TABLE IF EXISTS {quote(table)} CASCADE;\n" for table in tables)
    _run([pg_tool("psql"), *args, "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1",
          "--dbname", name, "--file", "-"], env=env, what="psql 恢复数据库 / psql restore",
         input=drops.encode() + script)


def _restore_media(backup_media: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=media_root.parent))
    new = staging / "media"
    if backup_media.is_dir():
        shutil.copytree(backup_media, new)
    else:
        new.mkdir()
    old = staging / "previous"
    if media_root.exists():
        media_root.rename(old)
    new.rename(media_root)
    shutil.rmtree(staging, ignore_errors=True)
    return sum(1 for p in media_root.rglob("*") if p.is_file())


def describe_time(manifest: dict) -> str:
    try:
        return timezone.localtime(datetime.fromisoformat(manifest["created_at"])).strftime("%Y-%m-%d %H:%M")
    except (KeyError, ValueError):
        return "?"
