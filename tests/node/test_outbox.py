"""The outbox pusher (node.outbox) against a hub that does not answer (a closed loopback port),
on SQLite and PostgreSQL: the oldest message is tried, its error kept, and tried again after a
wait that doubles up to the maximum, while the messages behind it wait their turn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from federation.testing import free_port
from federation.trust import generate_key
from node import clock
from node.config import NodeSettings
from node.domain import events
from node.hub_client import HubClient
from node.models import OutboxMessage
from node.outbox import Pusher
from tests.conftest import DATABASES
from tests.support.node_db import open_node_db


@pytest.fixture(scope="module", params=DATABASES)
async def database(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[str]:
    async with open_node_db(make_db_url(request.param)):
        yield request.param


@pytest.fixture
def pusher() -> Pusher:
    settings = NodeSettings(
        window_id="sz-out",
        name="窗口",
        region_code="440305",
        hub=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        outbox_retry_seconds=1,
        outbox_max_retry_seconds=4,
    )
    return Pusher(settings, HubClient(settings, generate_key(), timeout=5))


async def queued(*kinds: str) -> list[OutboxMessage]:
    await OutboxMessage.all().delete()
    async with in_transaction() as connection:
        return [await events.enqueue(kind, {"n": i}, connection) for i, kind in enumerate(kinds)]


async def test_a_hub_that_does_not_answer_gets_the_oldest_again_later_doubling_the_wait(
    database: str, pusher: Pusher
) -> None:
    first, second = await queued("report", "report")
    start = datetime.now(UTC)
    waits = []
    for step in range(5):
        # Each round at the moment the head is due again.
        head = await OutboxMessage.get(id=first.id)
        moment = head.next_attempt_at or start
        with clock.frozen_at(moment):
            assert await pusher.push() == 0
            assert await pusher.push() == 0  # not due yet: not tried again
        head = await OutboxMessage.get(id=first.id)
        assert head.attempts == step + 1
        assert head.last_error is not None and "did not answer" in head.last_error
        assert head.next_attempt_at is not None
        waits.append(head.next_attempt_at - moment)
    assert waits == [timedelta(seconds=s) for s in (1, 2, 4, 4, 4)]
    behind = await OutboxMessage.get(id=second.id)
    assert behind.attempts == 0 and behind.delivered_at is None  # order kept


async def test_nothing_is_tried_while_the_head_waits(database: str, pusher: Pusher) -> None:
    (message,) = await queued("report")
    later = datetime.now(UTC) + timedelta(hours=1)
    await OutboxMessage.filter(id=message.id).update(next_attempt_at=later)
    assert await pusher.push() == 0
    assert (await OutboxMessage.get(id=message.id)).attempts == 0
