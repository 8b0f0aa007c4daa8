"""Database lifecycle of a node: Tortoise configuration, migrations, open and close."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

MODEL_MODULES = ["node.models"]
DB_SCHEMES = ("sqlite://", "postgres://", "postgresql://")


def check_db_url(db_url: str) -> None:
    if not db_url.startswith(DB_SCHEMES):
        raise ValueError(f"database URL {db_url!r} must start with sqlite:// or postgres://")


def tortoise_config(db_url: str) -> dict[str, Any]:
    check_db_url(db_url)
    return {
        "connections": {"default": db_url.replace("postgresql://", "postgres://", 1)},
        "apps": {
            "node": {
                "models": MODEL_MODULES,
                "migrations": "node.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by `python -m tortoise -c node.db.TORTOISE_ORM makemigrations` when models change.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def apply_migrations(db_url: str) -> None:
    """Bring the schema up to date; a no-op when every migration is applied."""
    await migrate(config=tortoise_config(db_url))
    await Tortoise.close_connections()


async def open_db(db_url: str) -> None:
    await apply_migrations(db_url)
    # The server's lifespan runs in another task than its requests: share the context.
    await Tortoise.init(config=tortoise_config(db_url), _enable_global_fallback=True)


async def close_db() -> None:
    """Close the connections and release the shared context, so the process may open another."""
    await Tortoise.close_connections()


async def ping() -> None:
    """Raise when the database cannot answer."""
    await connections.get("default").execute_query("SELECT 1")
