"""The replay guard both servers keep in their database (``federation.storage``), on SQLite and
PostgreSQL: a token id is taken once, also by concurrent requests, and expired ids are pruned."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from federation.storage import DatabaseReplayGuard
from hub import db
from hub.models import SeenToken
from tests.conftest import DATABASES


@pytest.fixture(scope="module", params=DATABASES)
async def hub_db(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[None]:
    """A fresh hub database, migrated and opened in the test process."""
    await db.open_db(make_db_url(request.param))
    try:
        yield
    finally:
        await db.close_db()
        # Tortoise caches built queries per connection name, across databases of one process.
        EXECUTOR_CACHE.clear()


def later(seconds: float = 60) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def test_a_token_id_is_taken_once(hub_db: None) -> None:
    guard = DatabaseReplayGuard(SeenToken)
    assert await guard.seen("sz-ns j-once", later()) is False
    assert await guard.seen("sz-ns j-once", later()) is True
    # Ids are unique per issuer only: another issuer's same jti is another token.
    assert await guard.seen("gz-th j-once", later()) is False


async def test_concurrent_uses_of_one_token_id_let_exactly_one_through(hub_db: None) -> None:
    # Two guards, as two hub replicas on one database would hold.
    guards = [DatabaseReplayGuard(SeenToken), DatabaseReplayGuard(SeenToken)]
    seen = await asyncio.gather(*(guards[i % 2].seen("sz-ns j-race", later()) for i in range(20)))
    assert seen.count(False) == 1


async def test_expired_ids_are_pruned_now_and_then(hub_db: None) -> None:
    guard = DatabaseReplayGuard(SeenToken, prune_every=3600)
    await guard.seen("sz-ns j-stale", later(-120))
    await guard.seen("sz-ns j-other", later())
    # Not on every call: within prune_every the expired row stays.
    assert await SeenToken.filter(expires_at__lt=datetime.now(UTC)).count() == 1

    pruning = DatabaseReplayGuard(SeenToken, prune_every=0)
    await pruning.seen("sz-ns j-next", later())
    assert await SeenToken.filter(expires_at__lt=datetime.now(UTC)).count() == 0
    # Unexpired ids survive the pruning.
    assert await pruning.seen("sz-ns j-other", later()) is True
