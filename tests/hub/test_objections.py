"""Objections against abuse, on a real hub (SQLite and PostgreSQL) with a real node: taken only
while the publicity runs, a few open at once per client address and window, and filed at a
bounded rate — so no one caller can hold up a window's connection with a flood of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from hub.testing import (
    CONNECT,
    NetworkHub,
    WindowSpec,
    node_jwk,
    publicise,
    start_network_hub,
)
from tests.conftest import DATABASES
from tests.support.db_snapshot import snapshot
from tests.support.network import start_node
from tests.support.node_server import NodeServer
from tests.support.proxy import TRUST_LOOPBACK, graphql_from
from tests.support.publicity import end_publicity

OBJECT = """mutation($id: ID!, $t: String!, $c: String!) {
  fileObjection(id: $id, text: $t, contact: $c) { id status } }"""
DISMISS = """mutation($id: ID!) {
  resolveObjection(id: $id, resolution: DISMISSED, note: "经核实服务正常开展") { status } }"""
FLOODED = WindowSpec("sz-ns", "深圳市南山区中小企业服务窗口", "440305", "comprehensive")
LATE = WindowSpec("sz-ft", "深圳市福田区中小企业服务窗口", "440304", "comprehensive")
OPEN_PER_ADDRESS = 3  # the default of max_open_objections_per_address
BURST = 5
# Tables a refused request may still write to: its audit entry.
# What a refused objection may still change: its audit entry, and what the connected node
# pushes through its outbox meanwhile (its reports, a replay guard's token ids).
UNRELATED = ("hub_audit_log", "reports", "window_messages", "seen_tokens")


@pytest.fixture(scope="module", params=DATABASES)
async def net(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db_url: Callable[[str], str],
) -> AsyncIterator[tuple[NetworkHub, NodeServer]]:
    """A hub whose publicity lasts a week and whose objections come 5 at once per address, then
    next to none; the node of FLOODED, to connect."""
    tmp = tmp_path_factory.mktemp("objections")
    env = {
        **TRUST_LOOPBACK,
        "SMENET_PUBLICITY_DAYS": "7",
        "SMENET_OBJECTION_BURST": str(BURST),
        "SMENET_OBJECTION_RATE_PER_MINUTE": "0.01",
    }
    started = await start_network_hub(tmp / "hub", env, make_db_url(request.param))
    hub_url = f"http://127.0.0.1:{started.hub.port}"
    try:
        node = await asyncio.to_thread(start_node, FLOODED, tmp / "node", hub_url, 0)
    except BaseException:
        started.hub.stop()
        raise
    yield started, node
    node.stop()
    started.hub.stop()


def outcome(answer: httpx.Response) -> str:
    body = answer.json()
    return str(body["errors"][0]["extensions"]["code"]) if body.get("errors") else "OK"


async def test_a_flood_of_objections_from_one_address_leaves_few_to_resolve(
    net: tuple[NetworkHub, NodeServer],
) -> None:
    hub_net, node = net
    hub, wid = hub_net.hub, FLOODED.window_id
    await publicise(hub_net, FLOODED)
    variables = {"id": wid, "t": "该中心未实际开展服务", "c": "13800000000"}
    flood = [await graphql_from("203.0.113.9", hub.url, OBJECT, variables) for _ in range(20)]
    assert [outcome(answer) for answer in flood] == (
        ["OK"] * OPEN_PER_ADDRESS
        + ["LIMIT_EXCEEDED"] * (BURST - OPEN_PER_ADDRESS)
        + ["RATE_LIMITED"] * (20 - BURST)
    )
    assert flood[OPEN_PER_ADDRESS].json()["errors"][0]["extensions"]["openObjections"] == 3
    for refused in flood[BURST:]:
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["errors"][0]["extensions"]["retryAfter"] >= 1
    # Another address is still heard.
    other = await graphql_from("198.51.100.4", hub.url, OBJECT, variables)
    assert outcome(other) == "OK"

    await end_publicity(hub, wid)
    connect = {"id": wid, "e": node.url, "k": node_jwk(node.url)}
    held = await hub.call(CONNECT, connect, token=hub_net.operator)
    assert held.codes == ["INVALID_TRANSITION"]
    assert held.errors[0]["extensions"]["openObjections"] == OPEN_PER_ADDRESS + 1
    for answer in [*flood[:OPEN_PER_ADDRESS], other]:
        objection = answer.json()["data"]["fileObjection"]["id"]
        await hub.ok(DISMISS, {"id": objection}, token=hub_net.operator)
    connected = await hub.ok(CONNECT, connect, token=hub_net.operator)
    assert connected["connectWindow"]["status"] == "CONNECTED"


async def test_an_objection_once_the_publicity_has_ended_is_refused_and_changes_nothing(
    net: tuple[NetworkHub, NodeServer],
) -> None:
    hub_net, _ = net
    hub, wid = hub_net.hub, LATE.window_id
    await publicise(hub_net, LATE)
    variables = {"id": wid, "t": "公示期后的异议", "c": "13800000000"}
    during = await graphql_from("192.0.2.40", hub.url, OBJECT, variables)
    assert outcome(during) == "OK"
    await end_publicity(hub, wid)
    before = await snapshot(hub.db_url, UNRELATED)
    late = await graphql_from("192.0.2.41", hub.url, OBJECT, variables)
    error = late.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_TRANSITION"
    assert error["extensions"]["status"] == "IN_PUBLICITY"
    assert "publicity has ended" in error["message"]
    assert await snapshot(hub.db_url, UNRELATED) == before
