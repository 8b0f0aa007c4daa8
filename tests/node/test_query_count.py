"""A page of N services with their agencies costs a constant number of database queries."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from node.config import NodeSettings
from node.domain.access import Actor, Role
from node.domain.catalogue import create_agency
from node.schema import build_schema
from node.schema.context import Context
from tests.support.node_db import open_node_db, published_service
from tests.support.query_count import count_queries

QUERY = """query($first: Int!) { services(first: $first) {
  totalCount edges { node { id name agency { id name } } } } }"""
# The domain checks roles only; this actor needs no row in the users table.
STAFF = Actor(username="seed", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def catalogue_db(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[None]:
    async with open_node_db(make_db_url(request.param)):
        for i in range(60):
            agency = await create_agency(STAFF, name=f"合作机构{i}")
            await published_service(STAFF, name=f"服务{i}", agency_id=agency.id)
        yield


async def _queries_for_page(first: int) -> int:
    schema = build_schema()
    settings = NodeSettings(window_id="sz-ns", name="n", region_code="440305")
    with count_queries() as counter:
        result = await schema.execute(
            QUERY, variable_values={"first": first}, context_value=Context(settings=settings)
        )
    assert result.errors is None
    edges = result.data["services"]["edges"]
    assert len(edges) == first and all(e["node"]["agency"]["name"] for e in edges)
    return counter.count


async def test_a_page_costs_the_same_queries_for_5_and_50_items(catalogue_db: None) -> None:
    five, fifty = await _queries_for_page(5), await _queries_for_page(50)
    # The page, its total count and one batched load of the agencies.
    assert five == fifty == 3
