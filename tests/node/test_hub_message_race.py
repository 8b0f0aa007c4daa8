"""A demand the hub dispatches while someone at the window registers its enterprise: the
delivery's insert loses on the credit code and uses the enterprise registered meanwhile, rather
than refusing the message (which the hub would take as final, losing the demand).

PostgreSQL only: on SQLite every transaction of the node waits for the one open, so the
registration cannot land between the delivery's look-up and its insert."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from tortoise.transactions import in_transaction

from node.domain.access import Actor
from node.domain.enterprises import classify
from node.domain.hub_messages import accept_hub_message
from node.domain.trust import HUB, HUB_DELIVERY
from node.models import Demand, Enterprise
from tests.support import db_snapshot
from tests.support.factories import make_uscc
from tests.support.node_db import open_node_db

DELIVERY = Actor(username="deliveries", roles=frozenset({HUB_DELIVERY}), via=HUB)
WAITING = "select count(*) from pg_locks where not granted"


@pytest.fixture
async def db_url(make_db_url: Callable[[str], str]) -> AsyncIterator[str]:
    url = make_db_url("postgres")
    async with open_node_db(url):
        yield url


async def test_a_dispatched_demand_uses_the_enterprise_registered_meanwhile(db_url: str) -> None:
    uscc, origin = make_uscc(), f"sz-nsa:{uuid.uuid4()}"
    profile = {"uscc": uscc, "name": "同时登记的企业", "region_code": "440305"}
    registering, registered = asyncio.Event(), asyncio.Event()

    async def register_locally() -> Enterprise:
        async with in_transaction() as connection:
            enterprise = Enterprise(**profile, industry_code="3981")
            classify(enterprise)
            await enterprise.save(using_db=connection)
            registering.set()
            await registered.wait()  # committed once the delivery waits on its key
        return enterprise

    local = asyncio.create_task(register_locally())
    await asyncio.wait_for(registering.wait(), timeout=10)
    payload = {
        "origin": origin,
        "title": "检测需求",
        "category": "QUALITY_TESTING",
        "enterprise": {**profile, "industry_code": "3981"},
    }
    delivery = asyncio.create_task(
        accept_hub_message(DELIVERY, str(uuid.uuid4()), "demand.dispatched", payload)
    )
    # The delivery found no enterprise and its insert waits for the registration's transaction.
    for _ in range(200):
        if await db_snapshot.count(db_url, WAITING) or delivery.done():
            break
        await asyncio.sleep(0.05)
    assert not delivery.done() and await db_snapshot.count(db_url, WAITING)
    registered.set()
    enterprise = await local
    assert await delivery is False  # handled, not a message seen before
    assert await Enterprise.filter(uscc=uscc).count() == 1
    demand = await Demand.get(origin=origin)
    assert demand.enterprise_id == enterprise.id
