"""Database conventions both servers share (DESIGN §3): Tortoise ORM on SQLite or PostgreSQL,
each server with its own apps and migrations, applied before it serves; rows keyed by UUIDv7, the
audit log's columns, and the table of token ids seen (``federation.trust.ReplayGuard``)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tortoise import Tortoise, connections, fields
from tortoise.exceptions import IntegrityError
from tortoise.migrations.api import migrate
from tortoise.models import Model

from federation.ids import new_uuid, uuid_time

__all__ = [
    "DB_SCHEMES",
    "AuditEntry",
    "DatabaseReplayGuard",
    "Record",
    "SeenToken",
    "apply_migrations",
    "check_db_url",
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
    try:
        await migrate(config=config)
    finally:
        # Even after a failure: an open SQLite connection's thread keeps the process alive.
        await Tortoise.close_connections()


async def close_db() -> None:
    """Close the connections and release the shared context, so the process may open another."""
    await Tortoise.close_connections()


async def ping() -> None:
    """Raise when the database cannot answer."""
    await connections.get("default").execute_query("SELECT 1")


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
