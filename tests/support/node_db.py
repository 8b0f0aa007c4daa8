"""A node database opened in the test process, for tests that call the domain layer directly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise.backends.base.executor import EXECUTOR_CACHE

from node import db
from node.domain import catalogue
from node.domain.access import Actor
from node.models import Service


@asynccontextmanager
async def open_node_db(db_url: str) -> AsyncIterator[None]:
    """Open the node database at ``db_url`` in this process for the block, then close it."""
    await db.open_db(db_url)
    try:
        yield
    finally:
        await db.close_db()
        # Tortoise caches built queries per connection name, across databases of one process.
        EXECUTOR_CACHE.clear()


async def published_service(actor: Actor, **fields: Any) -> Service:
    """Create a service with placeholder disclosures through the domain and publish it."""
    service = await catalogue.create_service(
        actor,
        **{
            "name": "服务",
            "category": "OTHER",
            "function": "f",
            "process": "p",
            "standard": "s",
            "fee": "免费",
            "time_limit_days": 3,
            **fields,
        },
    )
    await catalogue.publish_service(actor, service.id)
    return service
