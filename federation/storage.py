"""Database conventions both servers share (DESIGN §3): Tortoise ORM on SQLite or PostgreSQL,
each server with its own apps and migrations, applied before it serves; the checks that refuse a
corrupted, foreign or uninitialised database; rows keyed by UUIDv7, the audit log's columns, and
the table of token ids seen (``federation.trust.ReplayGuard``)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from tortoise import Tortoise, connections, fields
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.sqlite import SqliteClient
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api import migrate
from tortoise.models import Model

from federation.ids import new_uuid, uuid_time

__all__ = [
    "DB_SCHEMES",
    "AuditEntry",
    "DatabaseReplayGuard",
    "NotInitialised",
    "Record",
    "SeenToken",
    "UnusableDatabase",
    "apply_migrations",
    "check_db_url",
    "check_initialised",
    "close_db",
    "ping",
    "tortoise_config",
]

DB_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


def check_db_url(db_url: str) -> None:
    if not db_url.startswith(DB_SCHEMES):
        raise ValueError(f"database URL {db_url!r} must start with sqlite:// or postgres://")


def tortoise_config(db_url: str, apps: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """One connection, ``default``, for ``apps`` (label → models and migrations modules)."""
    check_db_url(db_url)
    return {
        "connections": {"default": db_url.replace("postgresql://", "postgres://", 1)},
        "apps": {label: {**app, "default_connection": "default"} for label, app in apps.items()},
        "use_tz": True,
        "timezone": "UTC",
    }


async def apply_migrations(config: dict[str, Any]) -> None:
    """Bring the schema up to date; a no-op when every migration is applied."""
    sqlite_path = _sqlite_path(config)
    if sqlite_path is not None:
        await asyncio.to_thread(_check_opens, sqlite_path)
    try:
        await migrate(config=config)
    finally:
        # Even after a failure: an open SQLite connection's thread keeps the process alive.
        await Tortoise.close_connections()


async def close_db() -> None:
    """Close the connections and release the shared context, so the process may open another."""
    await Tortoise.close_connections()


async def ping() -> None:
    """Raise when the database cannot answer; ``UnusableDatabase`` when its SQLite file is
    malformed (``_ReadinessCheck``: the server's own connection may still answer from its cache)."""
    client = connections.get("default")
    await client.execute_query("SELECT 1")
    if isinstance(client, SqliteClient) and client.filename != MEMORY:
        await _readiness.check(Path(client.filename))


# SQLite files are checked with the standard library before Tortoise opens them: tortoise-orm
# 1.1.9 never answers on a file SQLite cannot open (its connection wrapper takes its lock and keeps
# it when connecting fails; the migration recorder swallows that error, then waits for the lock).

MEMORY = ":memory:"
MIGRATIONS_TABLE = "tortoise_migrations"
SQLITE_HEADER = b"SQLite format 3\x00"
# A start's and `verify`'s whole check: far more than a window's or the hub's database needs.
CHECK_SECONDS = 60.0
# /readyz is polled: its quick_check runs only after the file changed, at most every
# READY_CHECK_EVERY seconds, and stops after READY_CHECK_SECONDS (what it saw by then counts).
READY_CHECK_EVERY = 10.0
READY_CHECK_SECONDS = 0.5


class UnusableDatabase(Exception):
    """A database a server must not serve; the message says why, ``where`` names it (a file, or
    a URL without its password)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(reason)
        self.where = where


class NotInitialised(UnusableDatabase):
    """An empty database (no file, a zero-length file, no tables): the server's ``init`` is due."""


async def check_initialised(config: dict[str, Any], app: str, init_command: str) -> None:
    """Raise ``UnusableDatabase`` unless the database of ``config`` is intact (SQLite's
    quick_check) and holds the migrations of ``app``; ``NotInitialised`` names ``init_command``."""
    sqlite_path = _sqlite_path(config)
    if sqlite_path is not None:
        await asyncio.to_thread(_check_sqlite, sqlite_path, app, init_command)
        return
    db_url = config["connections"]["default"]
    try:
        tables, apps = await asyncio.wait_for(_postgres_tables(config), CHECK_SECONDS)
    except TimeoutError:
        raise UnusableDatabase(_display(db_url), f"no answer within {CHECK_SECONDS:g} s") from None
    except Exception as error:  # noqa: BLE001 - why it cannot be reached, for the operator
        reason = " ".join(str(error).split())  # one line, whatever the driver says
        raise UnusableDatabase(_display(db_url), f"unreachable ({reason})") from None
    _check_migrated(_display(db_url), tables, apps, app, init_command)


def _sqlite_path(config: dict[str, Any]) -> Path | None:
    """The file of an SQLite database, as Tortoise reads its URL; None for PostgreSQL or memory."""
    expanded = expand_db_url(config["connections"]["default"])
    if expanded["engine"] != "tortoise.backends.sqlite":
        return None
    path = str(expanded["credentials"]["file_path"])
    return None if path == MEMORY else Path(path)


def _display(db_url: str) -> str:
    """The URL for messages: never its password."""
    parts = urlsplit(db_url)
    if parts.password is None:
        return db_url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


@contextlib.contextmanager
def _opened(path: Path, seconds: float, create: bool = False) -> Iterator[sqlite3.Connection]:
    """The SQLite file at ``path``; whatever runs on it is interrupted after ``seconds``, and a
    lock held elsewhere is waited for as long."""
    mode = "rwc" if create else "rw"
    connection = sqlite3.connect(f"file:{quote(str(path))}?mode={mode}", uri=True, timeout=seconds)
    timer = threading.Timer(seconds, connection.interrupt)
    timer.start()
    try:
        yield connection
    finally:
        timer.cancel()
        timer.join()
        connection.close()


def _check_opens(path: Path) -> None:
    """What Tortoise does on connecting (open, read the schema), so its failure is a message."""
    if not path.parent.is_dir():
        raise UnusableDatabase(str(path), f"its folder {path.parent} does not exist")
    if path.exists():
        _check_header(path)
    try:
        with _opened(path, CHECK_SECONDS, create=True) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        raise UnusableDatabase(str(path), _sqlite_reason(path, error)) from None


def _check_sqlite(path: Path, app: str, init_command: str) -> None:
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        what = "a zero-length file" if path.exists() else "no such file"
        raise NotInitialised(str(path), f"not initialised ({what}) — run `{init_command}`")
    _check_header(path)
    try:
        with _opened(path, CHECK_SECONDS) as connection:
            problems = _quick_check(connection)
            if problems is not None:
                raise UnusableDatabase(str(path), problems)
            tables = [
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ]
            apps: list[str] = []
            if MIGRATIONS_TABLE in tables:
                query = f"SELECT DISTINCT app FROM {MIGRATIONS_TABLE}"
                apps = [row[0] for row in connection.execute(query)]
    except sqlite3.Error as error:
        raise UnusableDatabase(str(path), _sqlite_reason(path, error)) from None
    _check_migrated(str(path), tables, apps, app, init_command)


def _quick_check(connection: sqlite3.Connection) -> str | None:
    """The first problems SQLite's quick_check finds, on one line; None when there are none."""
    rows = [row[0] for row in connection.execute("PRAGMA quick_check(3)")]
    if rows == ["ok"]:
        return None
    lines = [line for row in rows for line in row.splitlines() if not line.startswith("***")]
    return f"corrupted ({'; '.join(lines)})"


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise UnusableDatabase(str(path), f"cannot be read ({error.strerror})") from None
    if header and header != SQLITE_HEADER:
        raise UnusableDatabase(
            str(path), "not an SQLite database (the file does not start with SQLite's header)"
        )


def _sqlite_reason(path: Path, error: sqlite3.Error) -> str:
    """SQLite's error, and a truncation the file's header shows."""
    code = getattr(error, "sqlite_errorname", "")
    if code == "SQLITE_INTERRUPT":
        return f"no answer within {CHECK_SECONDS:g} s"
    if code == "SQLITE_BUSY":
        return f"locked by another process for {CHECK_SECONDS:g} s"
    if code != "SQLITE_CORRUPT":
        return str(error)
    try:
        with path.open("rb") as file:
            header = file.read(32)
        size = path.stat().st_size
    except OSError:
        return f"corrupted ({error})"
    # Bytes 16–17: the page size (1 stands for 65536); 28–31: the number of pages.
    page_size = int.from_bytes(header[16:18], "big")
    pages = int.from_bytes(header[28:32], "big")
    expected = (65536 if page_size == 1 else page_size) * pages
    if size < expected:
        return f"truncated (the file holds {size} bytes of the {expected} its header announces)"
    return f"corrupted ({error})"


def _check_migrated(
    where: str, tables: list[str], apps: list[str], app: str, init_command: str
) -> None:
    if not tables:
        raise NotInitialised(where, f"not initialised (no tables) — run `{init_command}`")
    if MIGRATIONS_TABLE not in tables:
        raise UnusableDatabase(
            where, f"not a smenet database (none of its {len(tables)} tables is {MIGRATIONS_TABLE})"
        )
    if app not in apps:
        held = ", ".join(sorted(apps)) or "none"
        raise UnusableDatabase(
            where, f"another server's database: no migrations of `{app}` (it holds: {held})"
        )


async def _postgres_tables(config: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The tables of the current schema, and the apps the migration table names."""
    await Tortoise.init(config=config)
    try:
        client = connections.get("default")
        _, rows = await client.execute_query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        tables = [row["table_name"] for row in rows]
        apps: list[str] = []
        if MIGRATIONS_TABLE in tables:
            query = f"SELECT DISTINCT app FROM {MIGRATIONS_TABLE}"
            apps = [row["app"] for row in (await client.execute_query(query))[1]]
        return tables, apps
    finally:
        await Tortoise.close_connections()


class _ReadinessCheck:
    """SQLite's quick_check of the served file for /readyz, cheap enough to be polled: rerun
    only once the file changed (its size, time or inode) and READY_CHECK_EVERY s have passed."""

    def __init__(self) -> None:
        self._seen: tuple[Path, tuple[int, int, int] | None] | None = None
        self._checked_at = -READY_CHECK_EVERY
        self._problem: str | None = None

    async def check(self, path: Path) -> None:
        seen = (path, _stat(path))
        if seen != self._seen and time.monotonic() - self._checked_at >= READY_CHECK_EVERY:
            # Set before the check runs, so concurrent polls take the last verdict meanwhile.
            self._seen, self._checked_at = seen, time.monotonic()
            self._problem = await asyncio.to_thread(_quick_check_problem, path)
        if self._problem is not None:
            raise UnusableDatabase(str(path), self._problem)


def _stat(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is written or replaced (not its access time)."""
    with contextlib.suppress(OSError):
        stat = path.stat()
        return stat.st_ino, stat.st_size, stat.st_mtime_ns
    return None


def _quick_check_problem(path: Path) -> str | None:
    """What quick_check finds within READY_CHECK_SECONDS; None when it finds nothing by then."""
    try:
        with _opened(path, READY_CHECK_SECONDS) as connection:
            return _quick_check(connection)
    except sqlite3.Error as error:
        # Out of time, or a writer's lock: no verdict, the server's own query decides.
        if getattr(error, "sqlite_errorname", "") in ("SQLITE_INTERRUPT", "SQLITE_BUSY"):
            return None
        return _sqlite_reason(path, error)


_readiness = _ReadinessCheck()


# Tortoise turns a model's docstring into a table comment and breaks on semicolons: none there.


class Record(Model):
    """Base of every row: a time-ordered UUIDv7 key and the time it carries."""

    id = fields.UUIDField(primary_key=True, default=new_uuid)
    # Always the time the UUIDv7 carries, so ordering by ID is ordering by creation time.
    created_at = fields.DatetimeField()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.created_at is None:
            self.created_at = uuid_time(self.id)

    class Meta:
        abstract = True


class AuditEntry(Record):
    """The columns of a server's audit log: every mutation, its caller and its result."""

    actor = fields.CharField(max_length=64)
    operation = fields.CharField(max_length=64)
    target = fields.CharField(max_length=128, default="")
    result = fields.CharField(max_length=64)

    class Meta:
        abstract = True


class SeenToken(Model):
    """A token id a server has accepted, kept until the token expires (replay protection)."""

    # SHA-256 of issuer and jti: fixed width whatever a signer puts in its jti.
    key = fields.CharField(max_length=64, primary_key=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        abstract = True


class DatabaseReplayGuard:
    """``federation.trust.ReplayGuard`` over a ``SeenToken`` table: the primary key decides, so
    concurrent requests, and replicas sharing one database (DESIGN §10), agree on who was first.

    Expired rows are deleted at most once per ``prune_every`` seconds, by whichever request
    comes then: a token that expired is refused before its id is looked up, so its row is dead.
    """

    def __init__(self, model: type[SeenToken], prune_every: float = 60.0) -> None:
        self._model = model
        self._prune_every = prune_every
        self._pruned_at = time.monotonic()

    async def seen(self, jti: str, expires_at: datetime) -> bool:
        key = hashlib.sha256(jti.encode()).hexdigest()
        await self._prune()
        try:
            await self._model.create(key=key, expires_at=expires_at)
        except IntegrityError:
            return True
        return False

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned_at < self._prune_every:
            return
        self._pruned_at = time.monotonic()
        await self._model.filter(expires_at__lt=datetime.now(UTC)).delete()
