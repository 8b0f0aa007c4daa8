"""Database lifecycle of the hub: Tortoise configuration, migrations, open and close."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from federation import storage
from federation.storage import close_db

__all__ = ["apply_migrations", "check_initialised", "close_db", "open_db", "tortoise_config"]


def tortoise_config(db_url: str) -> dict[str, Any]:
    return storage.tortoise_config(
        db_url, {"hub": {"models": ["hub.models"], "migrations": "hub.migrations"}}
    )


# Read by `python -m tortoise -c hub.db.TORTOISE_ORM makemigrations` when models change.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def apply_migrations(db_url: str) -> None:
    await storage.apply_migrations(tortoise_config(db_url))


async def check_initialised(db_url: str) -> None:
    """Raise ``storage.UnusableDatabase`` unless the database is the hub's, intact, initialised."""
    await storage.check_initialised(tortoise_config(db_url), "hub", "smenet hub init")


async def open_db(db_url: str) -> None:
    await apply_migrations(db_url)
    # The server's lifespan runs in another task than its requests: share the context.
    await Tortoise.init(config=tortoise_config(db_url), _enable_global_fallback=True)
