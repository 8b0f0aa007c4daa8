"""Operation limits on real servers (DESIGN §8): a hub and one window's node on loopback. A
fragment bomb or an alias flood is refused while the server goes on answering; the hub refuses a
fan-out over its cost before asking any window; an answer over the hub's size cap is the caller's
error and leaves the window's health as it was."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from federation.gather import ACCEPT
from tests.federation.test_limits import bomb
from tests.support.network import Network, WindowSpec, make_network
from tests.support.node_server import NodeServer

GZ = WindowSpec("gz", "广州市中小企业服务窗口", "440100", "comprehensive")
# A hub that reads at most 4 KB of a node's answer and allows a small fan-out cost, so both
# limits are reached with a seeded node's few records.
HUB_ENV = {"SMENET_MAX_WINDOW_ANSWER_BYTES": "4096", "SMENET_MAX_QUERY_COST": "5000"}
HEALTH = '{ window(id: "gz") { health { state failuresInARow } } }'
# A node that lets anonymous callers send 40 requests and then hardly any: the tests here that
# ask it directly stay within that; the hub's own callers must not count against it.
NODE_ENV = {"SMENET_ANONYMOUS_BURST": "40", "SMENET_ANONYMOUS_RATE_PER_MINUTE": "1"}


@pytest.fixture(scope="module")
async def net(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Network]:
    network = await make_network(
        tmp_path_factory.mktemp("limits"), [GZ], hub_env=HUB_ENV, node_env=NODE_ENV
    )
    try:
        yield network
    finally:
        network.stop()


def post(url: str, query: str, timeout: float = 30) -> httpx.Response:
    return httpx.post(url, json={"query": query}, headers={"accept": ACCEPT}, timeout=timeout)


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


async def refused_while_healthy(url: str, query: str) -> list[httpx.Response]:
    """Send ``query`` 10 times at once, each a different text (so no cache answers), while
    asking the same server's /healthz; every health check must be answered within a generous
    bound while the queries are refused."""
    health = url.removesuffix("/graphql") + "/healthz"
    async with httpx.AsyncClient(timeout=30) as client:

        async def healthy() -> None:
            for _ in range(10):
                answer = await asyncio.wait_for(client.get(health), 10)
                assert answer.status_code == 200
                await asyncio.sleep(0.01)

        sent = [
            client.post(url, json={"query": f"{query} # {i}"}, headers={"accept": ACCEPT})
            for i in range(10)
        ]
        *answers, _ = await asyncio.wait_for(asyncio.gather(*sent, healthy()), 60)
    return list(answers)


@pytest.mark.parametrize("side", ["node", "hub"])
async def test_a_fragment_bomb_is_refused_while_the_server_answers(net: Network, side: str) -> None:
    if side == "node":
        url, query = net.nodes["gz"].url, bomb(29)
    else:
        # Under `network`, whose selection the hub inlines to forward it: of __typename alone.
        fragments = bomb(29, on="Service", leaf="__typename").split(" } } ", 1)[1]
        network = '{ network(windows: ["gz"]) { services { edges { node { ...F28 } } } } } '
        url, query = net.hub.url, network + fragments
    for answer in await refused_while_healthy(url, query):
        assert answer.status_code == 400
        assert codes(answer) == ["REPEAT_LIMIT_EXCEEDED"]


@pytest.mark.parametrize("side", ["node", "hub"])
async def test_an_alias_flood_is_refused_before_it_is_validated(net: Network, side: str) -> None:
    url = net.nodes["gz"].url if side == "node" else net.hub.url
    flood = "{ " + " ".join(f"a{i}: __typename" for i in range(10_000)) + " }"
    for answer in await refused_while_healthy(url, flood):
        assert codes(answer) == ["TOKEN_LIMIT_EXCEEDED"]
    # Within the token limit, the alias limit answers before graphql-core's own rules, whose
    # check of overlapping fields grows with the square of the fields.
    aliases = " ".join(f"a{i}: name" for i in range(3000))
    many = "{ services { edges { node { " + aliases + " } } } }"
    if side == "hub":
        many = '{ network(windows: ["gz"]) ' + many + " }"
    assert codes(post(url, many)) == ["ALIAS_LIMIT_EXCEEDED"]


async def test_introspection_is_bounded_but_graphiql_can_read_the_schema(net: Network) -> None:
    from graphql import get_introspection_query

    for url in (net.nodes["gz"].url, net.hub.url):
        of_type = "{ __schema { types { fields { type " + "{ ofType " * 24 + "{ name }"
        answer = post(url, of_type + " }" * 24 + " } } } }")
        assert codes(answer) == ["DEPTH_LIMIT_EXCEEDED"]
        assert "errors" not in post(url, get_introspection_query(descriptions=True)).json()


async def test_a_node_refuses_a_page_of_pages_over_its_cost(net: Network) -> None:
    fields = "id name fee function process standard category publicWelfare"
    page = f"services(first: 100) {{ edges {{ node {{ {fields} }} }} }}"
    many = "{ " + " ".join(f"s{i}: {page}" for i in range(30)) + " }"
    answer = post(net.nodes["gz"].url, many)
    assert codes(answer) == ["COST_LIMIT_EXCEEDED"]
    assert answer.json()["errors"][0]["extensions"]["max"] == 20_000
    assert "errors" not in post(net.nodes["gz"].url, "{ " + page + " }").json()


async def test_the_hub_refuses_a_fan_out_over_its_cost_before_asking(net: Network) -> None:
    page = 'network(windows: ["gz"]) { services(first: %d) { edges { node { id name fee } } } }'
    fan_out = "{ " + " ".join(f"n{i}: {page % 100}" for i in range(20)) + " }"
    answer = post(net.hub.url, fan_out)
    assert codes(answer) == ["COST_LIMIT_EXCEEDED"]
    # Nothing ran: a network field that had asked its window would have left data.
    assert "data" not in answer.json()
    assert "errors" not in post(net.hub.url, "{ " + page % 10 + " }").json()


async def test_an_oversize_answer_is_the_callers_error_not_the_windows(net: Network) -> None:
    big = 'n{i}: network(windows: ["gz"]) { services(first: 50) { edges { node { %s } } } }'
    selection = " ".join(f"d{j}: function" for j in range(8)) + " id name"
    query = "{ " + " ".join(big.replace("{i}", str(i)) % selection for i in range(2)) + " }"
    before = await net.hub.ok(HEALTH)
    # More times than the breaker's failures to open (5).
    for _ in range(7):
        answer = post(net.hub.url, query).json()
        errors: list[dict[str, Any]] = answer["errors"]
        assert {e["extensions"]["code"] for e in errors} == {"RESPONSE_TOO_LARGE"}
        assert {e["extensions"]["windowId"] for e in errors} == {"gz"}
    after = await net.hub.ok(HEALTH)
    assert after == before == {"window": {"health": {"state": "CLOSED", "failuresInARow": 0}}}
    small = await net.hub.ok('{ network(windows: ["gz"]) { services(first: 1) { totalCount } } }')
    assert small["network"]["services"]["totalCount"] > 0


async def test_the_hubs_anonymous_callers_do_not_share_one_bucket_at_the_node(
    net: Network,
) -> None:
    # More anonymous network queries than the node lets anonymous callers send: the hub asks
    # with its own verified tokens, and limits its callers itself.
    query = '{ network(windows: ["gz"]) { services(first: 1) { totalCount } } }'
    for i in range(60):
        answer = post(net.hub.url, f"{query} # {i}").json()
        assert "errors" not in answer, answer


def test_a_client_cannot_name_its_own_address_to_a_server_that_trusts_no_proxy(
    tmp_path: Path,
) -> None:
    # No trusted_proxies: X-Forwarded-For is ignored, so a flood that names a new address in
    # each request still draws on the one bucket of the address it comes from.
    node = NodeServer(
        data_dir=tmp_path,
        window_id="spoof",
        env={"SMENET_ANONYMOUS_BURST": "5", "SMENET_ANONYMOUS_RATE_PER_MINUTE": "1"},
    )
    node.init()
    node.start()
    try:
        statuses = [
            httpx.post(
                node.url,
                json={"query": "{ __typename }"},
                headers={"x-forwarded-for": f"10.0.0.{i}"},
            ).status_code
            for i in range(10)
        ]
    finally:
        node.stop()
    assert statuses == [200] * 5 + [429] * 5
