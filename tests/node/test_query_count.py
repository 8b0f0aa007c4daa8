"""A page of N services with their agencies costs a constant number of database queries."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from node import db
from node.config import NodeSettings
from node.domain.access import Actor, Role
from node.domain.catalogue import create_agency, create_service, publish_service
from node.schema import build_schema
from node.schema.context import Context

QUERY = """query($first: Int!) { services(first: $first) {
  totalCount edges { node { id name agency { id name } } } } }"""
# The domain checks roles only; this actor needs no row in the users table.
STAFF = Actor(username="seed", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if not str(record.msg).startswith("Created connection"):
            self.count += 1


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def catalogue_db(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[None]:
    await db.open_db(make_db_url(request.param))
    actor = STAFF
    for i in range(60):
        agency = await create_agency(actor, name=f"合作机构{i}")
        service = await create_service(
            actor,
            name=f"服务{i}",
            category="OTHER",
            agency_id=agency.id,
            function="f",
            process="p",
            standard="s",
            fee="免费",
            time_limit_days=3,
        )
        await publish_service(actor, service.id)
    yield
    await db.close_db()
    # Tortoise caches built queries per connection name, across databases of one process.
    EXECUTOR_CACHE.clear()


async def _queries_for_page(first: int) -> int:
    schema = build_schema()
    settings = NodeSettings(window_id="sz-ns", name="n", region_code="440305")
    counter = QueryCounter()
    logger = logging.getLogger("tortoise.db_client")
    logger.addHandler(counter)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        result = await schema.execute(
            QUERY, variable_values={"first": first}, context_value=Context(settings=settings)
        )
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
    assert result.errors is None
    edges = result.data["services"]["edges"]
    assert len(edges) == first and all(e["node"]["agency"]["name"] for e in edges)
    return counter.count


async def test_a_page_costs_the_same_queries_for_5_and_50_items(catalogue_db: None) -> None:
    five, fifty = await _queries_for_page(5), await _queries_for_page(50)
    # The page, its total count and one batched load of the agencies.
    assert five == fifty == 3
