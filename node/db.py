"""Database lifecycle of a node: Tortoise configuration, migrations, open and close."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

MODEL_MODULES = ["node.models"]
DB_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


def check_db_url(db_url: str) -> None:
    if not db_url.startswith(DB_SCHEMES):
        raise ValueError(f"database URL {db_url!r} must start with sqlite:// or postgres://")


class AppStorage(Protocol):
    """A plugin's Tortoise app (``node.plugins.api.Storage``)."""

    models: str
    migrations: str


def tortoise_config(db_url: str, plugin_apps: Mapping[str, AppStorage] = {}) -> dict[str, Any]:
    """The core app ``node`` and each plugin's app, labelled by its namespace, on one database."""
    check_db_url(db_url)
    apps = {"node": {"models": MODEL_MODULES, "migrations": "node.migrations"}}
    apps |= {
        label: {"models": [s.models], "migrations": s.migrations}
        for label, s in plugin_apps.items()
    }
    return {
        "connections": {"default": db_url.replace("postgresql://", "postgres://", 1)},
        "apps": {label: {**app, "default_connection": "default"} for label, app in apps.items()},
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by `python -m tortoise -c node.db.TORTOISE_ORM makemigrations` when models change.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def apply_migrations(db_url: str, plugin_apps: Mapping[str, AppStorage] = {}) -> None:
    """Bring the schema up to date; a no-op when every migration is applied."""
    try:
        await migrate(config=tortoise_config(db_url, plugin_apps))
    finally:
        # Even after a failure: an open SQLite connection's thread keeps the process alive.
        await Tortoise.close_connections()


async def open_db(db_url: str, plugin_apps: Mapping[str, AppStorage] = {}) -> None:
    """Open the database with the plugins' apps; their migrations are applied beforehand
    (``node.plugins.manager.migrate_plugins``), so a failing one costs only its plugin."""
    await apply_migrations(db_url)
    # The server's lifespan runs in another task than its requests: share the context.
    await Tortoise.init(config=tortoise_config(db_url, plugin_apps), _enable_global_fallback=True)


async def close_db() -> None:
    """Close the connections and release the shared context, so the process may open another."""
    await Tortoise.close_connections()


async def ping() -> None:
    """Raise when the database cannot answer."""
    await connections.get("default").execute_query("SELECT 1")
