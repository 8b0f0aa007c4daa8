"""A window's publicity moved in time behind the hub's back: as if its days had passed, or as if
the hub had given it more, without waiting for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.testing import HubServer
from tests.support.db_snapshot import execute

__all__ = ["end_publicity", "extend_publicity"]


async def _publicity_ends(hub: HubServer, window_id: str, at: datetime) -> None:
    # SQLite holds Tortoise's text form of a time, PostgreSQL a timestamptz.
    value: Any = at if hub.db_url.startswith("postgres") else str(at)
    sql = "update windows set publicity_ends_at = $1 where window_id = $2 returning window_id"
    assert await execute(hub.db_url, sql, value, window_id) == [(window_id,)]


async def end_publicity(hub: HubServer, window_id: str) -> None:
    """The publicity ended a second ago (the status moves only when the window connects)."""
    await _publicity_ends(hub, window_id, datetime.now(UTC) - timedelta(seconds=1))


async def extend_publicity(hub: HubServer, window_id: str) -> None:
    """The publicity runs for another day, though the hub gives none (publicity_days = 0)."""
    await _publicity_ends(hub, window_id, datetime.now(UTC) + timedelta(days=1))
