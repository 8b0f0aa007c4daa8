"""Database conventions both servers share (DESIGN §3): Tortoise ORM on SQLite or PostgreSQL,
each server with its own apps and migrations, applied before it serves; rows keyed by UUIDv7, and
the audit log's columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise import Tortoise, connections, fields
from tortoise.migrations.api import migrate
from tortoise.models import Model

from federation.ids import new_uuid, uuid_time

__all__ = [
    "DB_SCHEMES",
    "AuditEntry",
    "Record",
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
