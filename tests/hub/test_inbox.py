"""The hub's intake of windows' outbox messages (hub.domain.inbox), on SQLite and PostgreSQL:
each (window, message id) stored once and handled in the same transaction, a copy answered as a
duplicate without running anything, unknown kinds and callers that are not windows refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.executor import EXECUTOR_CACHE

from federation.errors import Conflict, Forbidden, InputError, UnknownMessageKind
from federation.ids import new_uuid
from hub import db
from hub.domain import inbox, routing
from hub.domain.access import Actor
from hub.models import Window, WindowMessage
from tests.conftest import DATABASES

KIND = "test.tally"  # a handler the test registers: it counts what it was given


class Tally:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    async def handle(
        self, window: Window, payload: dict[str, Any], connection: BaseDBAsyncClient
    ) -> None:
        await asyncio.sleep(0.01)  # room for a copy sent at once to arrive meanwhile
        if payload.get("refuse"):
            # After a write in the transaction: the message must not stay stored either.
            await Window.filter(id=window.id).using_db(connection).update(name="changed")
            raise InputError("refused by the handler")
        self.seen.append(payload)


@pytest.fixture(scope="module", params=DATABASES)
async def database(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[str]:
    url = make_db_url(request.param)
    await db.open_db(url)
    try:
        yield request.param
    finally:
        await db.close_db()
        EXECUTOR_CACHE.clear()


@pytest.fixture
async def tally(database: str) -> AsyncIterator[Tally]:
    tally = Tally()
    inbox.HANDLERS[KIND] = tally.handle
    yield tally
    del inbox.HANDLERS[KIND]


async def window(status: str = "CONNECTED") -> Actor:
    """A window in the registry with ``status``, and its node as the hub sees it calling."""
    window_id = f"w-{new_uuid().hex[-10:]}"
    await Window.create(
        window_id=window_id, name="窗口", kind="COMPREHENSIVE", region_code="440300", status=status
    )
    return Actor(username=window_id, via=window_id)


async def test_a_message_is_stored_and_handled_once(tally: Tally) -> None:
    node = await window()
    first = await inbox.accept(node, "m-1", KIND, {"n": 1})
    again = await inbox.accept(node, "m-1", KIND, {"n": 1})
    assert not first.duplicate and again.duplicate
    assert again.message.id == first.message.id
    assert tally.seen == [{"n": 1}]
    assert await WindowMessage.filter(message_id="m-1").count() == 1


async def test_two_copies_sent_at_once_are_handled_once(tally: Tally) -> None:
    node = await window()
    answers = await asyncio.gather(*(inbox.accept(node, "m-2", KIND, {"n": 2}) for _ in range(4)))
    assert sorted(a.duplicate for a in answers) == [False, True, True, True]
    assert tally.seen == [{"n": 2}]


async def test_the_same_message_id_of_two_windows_is_two_messages(tally: Tally) -> None:
    for node in (await window(), await window()):
        assert not (await inbox.accept(node, "m-3", KIND, {"n": 3})).duplicate
    assert len(tally.seen) == 2


async def test_a_refused_message_is_not_stored_and_its_handlers_writes_roll_back(
    tally: Tally,
) -> None:
    node = await window()
    with pytest.raises(InputError):
        await inbox.accept(node, "m-4", KIND, {"refuse": True})
    assert not await WindowMessage.filter(message_id="m-4").exists()
    assert (await Window.get(window_id=node.via)).name == "窗口"


async def test_an_unknown_kind_is_refused_with_its_code(tally: Tally) -> None:
    node = await window()
    with pytest.raises(UnknownMessageKind) as refused:
        await inbox.accept(node, "m-5", "no.such.kind", {})
    assert refused.value.code == "UNKNOWN_MESSAGE_KIND"
    assert not await WindowMessage.filter(message_id="m-5").exists()


@pytest.mark.parametrize("status", ["SUSPENDED", "REVOKED", "APPROVED"])
async def test_only_windows_on_the_network_may_send(tally: Tally, status: str) -> None:
    node = await window(status)
    with pytest.raises(Forbidden):
        await inbox.accept(node, "m-6", KIND, {})
    assert await inbox.accept(await window("RECTIFYING"), "m-6", KIND, {})


async def test_a_hub_user_is_not_a_window(tally: Tally) -> None:
    with pytest.raises(Forbidden):
        await inbox.accept(Actor(username="admin", user_id=new_uuid()), "m-7", KIND, {})
    assert tally.seen == []


def escalation(node: Actor, demand: str, **changes: Any) -> dict[str, Any]:
    payload = {
        "id": f"{node.via}:{demand}",
        "title": "出口产品电磁兼容检测",
        "category": "QUALITY_TESTING",
        "created_at": "2026-11-02T08:00:00+00:00",
        "enterprise": {"name": "深圳市智造电子有限公司", "region_code": "440305"},
    }
    return {**payload, **changes}


async def test_an_escalation_that_clashes_or_is_malformed_is_refused_for_good(
    database: str,
) -> None:
    """Refused with an input or conflict code, which the node sets aside, never an internal
    error it would send again forever; and nothing is stored."""
    node = await window()
    demand = str(new_uuid())
    await inbox.accept(node, "m-1", routing.DEMAND_ESCALATED, escalation(node, demand))
    # The same demand again under another message id: the routing queue holds it already.
    with pytest.raises(Conflict):
        await inbox.accept(node, "m-2", routing.DEMAND_ESCALATED, escalation(node, demand))
    for bad in (
        {"category": "ROCKET_SCIENCE"},
        {"title": "长" * 201},
        {"note": {"not": "text"}},
        {"created_at": "2026-11-02T08:00:00"},  # no time zone
    ):
        other = str(new_uuid())
        with pytest.raises(InputError):
            await inbox.accept(
                node, f"m-{other}", routing.DEMAND_ESCALATED, escalation(node, other, **bad)
            )
    assert await WindowMessage.filter(window__window_id=node.via).count() == 1
