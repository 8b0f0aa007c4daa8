"""Database lifecycle of a node: Tortoise configuration, migrations, open and close."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from tortoise import Tortoise

from federation import storage
from federation.storage import close_db

__all__ = ["apply_migrations", "check_initialised", "close_db", "open_db", "tortoise_config"]

MODEL_MODULES = ["node.models"]


class AppStorage(Protocol):
    """A plugin's Tortoise app (``node.plugins.api.Storage``)."""

    models: str
    migrations: str


def tortoise_config(db_url: str, plugin_apps: Mapping[str, AppStorage] = {}) -> dict[str, Any]:
    """The core app ``node`` and each plugin's app, labelled by its namespace, on one database."""
    apps: dict[str, dict[str, Any]] = {
        "node": {"models": MODEL_MODULES, "migrations": "node.migrations"}
    }
    apps |= {
        label: {"models": [s.models], "migrations": s.migrations}
        for label, s in plugin_apps.items()
    }
    return storage.tortoise_config(db_url, apps)


# Read by `python -m tortoise -c node.db.TORTOISE_ORM makemigrations` when models change.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def apply_migrations(db_url: str, plugin_apps: Mapping[str, AppStorage] = {}) -> None:
    """Bring the schema up to date; a no-op when every migration is applied."""
    await storage.apply_migrations(tortoise_config(db_url, plugin_apps))


async def check_initialised(db_url: str) -> None:
    """Raise ``storage.UnusableDatabase`` unless the database is a node's, intact, initialised."""
    await storage.check_initialised(tortoise_config(db_url), "node", "smenet node init")


async def open_db(db_url: str, plugin_apps: Mapping[str, AppStorage] = {}) -> None:
    """Open the database with the plugins' apps; their migrations are applied beforehand
    (``node.plugins.manager.migrate_plugins``), so a failing one costs only its plugin."""
    await apply_migrations(db_url)
    # The server's lifespan runs in another task than its requests: share the context.
    await Tortoise.init(config=tortoise_config(db_url, plugin_apps), _enable_global_fallback=True)
