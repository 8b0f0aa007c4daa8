"""Hub → node deliveries and broadcasts (DESIGN §7), end to end: a real hub and three real window
nodes on one database kind each — a broadcast reaches the selected windows at once and only
them, a node that was down gets it when it is back (and shows it as published, once), a node
takes a hub message only with the hub's delivery token, each message id once, and a delivery a
node refuses for good is set aside while a retried one keeps its place."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from federation import CORE_SCHEMA_VERSION
from federation.ids import new_uuid
from federation.trust import generate_key
from hub.testing import onboard
from tests.conftest import DATABASES
from tests.support.asgi import serve_in_thread
from tests.support.network import Network, WindowSpec, hub_token, make_network
from tests.support.waiting import eventually

CITY = WindowSpec("sz-city", "深圳市中小企业服务窗口", "440300", "comprehensive")
CLUSTER = WindowSpec(
    "sz-ba-elec", "深圳市宝安区电子信息产业集群窗口", "440306", "industry", industries=("C39",)
)
COUNTY = WindowSpec("hy-zj", "河源市紫金县中小企业服务窗口", "441621", "comprehensive")
# Retries come fast in tests; a pending delivery is looked at twice a second.
FAST_DELIVERIES = {
    "SMENET_DELIVERY_RETRY_SECONDS": "0.2",
    "SMENET_DELIVERY_RETRY_MAX_SECONDS": "1",
    "SMENET_DELIVERY_POLL_SECONDS": "0.5",
    "SMENET_NODE_TIMEOUT_SECONDS": "2",
}

PUBLISH = """mutation($i: BroadcastInput!) { publishBroadcast(input: $i) {
  id kind title selection { windows region kind } } }"""
BROADCAST = """query($id: ID!) { broadcast(id: $id) { id title
  deliveries { window { id } kind state attempts lastError deliveredAt } } }"""
BROADCASTS = "{ broadcasts(first: 100) { totalCount } }"
ANNOUNCEMENTS = """{ announcements(first: 100) {
  edges { node { title body status fromHub publishedAt author } } } }"""
ACCEPT = """mutation($id: ID!, $kind: String!, $payload: JSON!) {
  acceptHubMessage(id: $id, kind: $kind, payload: $payload) { id duplicate } }"""


@pytest.fixture(scope="module", params=DATABASES)
async def net(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db_url: Callable[[str], str],
) -> AsyncIterator[Network]:
    network = await make_network(
        tmp_path_factory.mktemp("broadcast"),
        [CITY, CLUSTER, COUNTY],
        seed_size=0,
        hub_env=FAST_DELIVERIES,
        db_url=lambda: make_db_url(request.param),
    )
    try:
        yield network
    finally:
        network.stop()


async def publish(net: Network, title: str, selection: dict[str, Any] | None = None) -> str:
    broadcast = {"kind": "POLICY", "title": title, "body": f"{title}：全文见附件。"}
    if selection is not None:
        broadcast["selection"] = selection
    data = await net.hub.ok(PUBLISH, {"i": broadcast}, net.operator)
    return str(data["publishBroadcast"]["id"])


async def states(net: Network, broadcast_id: str) -> dict[str, dict[str, Any]]:
    data = await net.hub.ok(BROADCAST, {"id": broadcast_id}, net.operator)
    return {d["window"]["id"]: d for d in data["broadcast"]["deliveries"]}


async def delivered(net: Network, broadcast_id: str) -> dict[str, dict[str, Any]]:
    """The deliveries of the broadcast, once every one of them is DELIVERED."""

    async def done() -> bool:
        return all(d["state"] == "DELIVERED" for d in (await states(net, broadcast_id)).values())

    await eventually(done)
    return await states(net, broadcast_id)


async def titles(net: Network, window_id: str) -> list[str]:
    """The titles of the announcements from the hub the public sees on the window's node."""
    data = await net.nodes[window_id].ok(ANNOUNCEMENTS)
    found = [e["node"] for e in data["announcements"]["edges"]]
    assert all(a["status"] == "PUBLISHED" and a["publishedAt"] for a in found if a["fromHub"])
    return [a["title"] for a in found if a["fromHub"]]


async def test_a_broadcast_reaches_the_windows_of_a_region_and_only_them(net: Network) -> None:
    broadcast_id = await publish(net, "关于开展2025年专精特新申报的通知", {"region": "4403"})
    deliveries = await delivered(net, broadcast_id)
    assert set(deliveries) == {"sz-city", "sz-ba-elec"}
    assert all(d["kind"] == "broadcast" and d["lastError"] is None for d in deliveries.values())
    for window_id in ("sz-city", "sz-ba-elec"):
        assert "关于开展2025年专精特新申报的通知" in await titles(net, window_id)
    assert "关于开展2025年专精特新申报的通知" not in await titles(net, "hy-zj")


async def test_a_broadcast_to_a_kind_or_named_windows_reaches_those(net: Network) -> None:
    industry = await publish(net, "产业集群窗口工作要点", {"kind": "INDUSTRY"})
    assert set(await delivered(net, industry)) == {"sz-ba-elec"}
    named = await publish(net, "县域窗口座谈会通知", {"windows": ["hy-zj", "sz-city"]})
    assert set(await delivered(net, named)) == {"hy-zj", "sz-city"}
    assert "产业集群窗口工作要点" in await titles(net, "sz-ba-elec")
    assert "产业集群窗口工作要点" not in await titles(net, "sz-city")
    assert "县域窗口座谈会通知" in await titles(net, "hy-zj")


async def test_a_node_that_was_down_gets_the_broadcast_when_it_is_back(net: Network) -> None:
    county = net.nodes["hy-zj"]
    county.stop()
    try:
        broadcast_id = await publish(net, "全省中小企业服务月活动方案")

        async def others_delivered_county_retried() -> bool:
            got = await states(net, broadcast_id)
            return (
                got["sz-city"]["state"] == got["sz-ba-elec"]["state"] == "DELIVERED"
                and got["hy-zj"]["attempts"] >= 2
            )

        # The window that is down holds up only its own delivery, which is retried.
        await eventually(others_delivered_county_retried)
        pending = (await states(net, broadcast_id))["hy-zj"]
        assert pending["state"] == "PENDING" and "did not answer" in pending["lastError"]
        for window_id in ("sz-city", "sz-ba-elec"):
            assert "全省中小企业服务月活动方案" in await titles(net, window_id)
    finally:
        county.restart()
    got = await delivered(net, broadcast_id)
    assert got["hy-zj"]["lastError"] is None
    assert (await titles(net, "hy-zj")).count("全省中小企业服务月活动方案") == 1


async def test_bad_broadcasts_are_refused_and_write_nothing(net: Network) -> None:
    before = (await net.hub.ok(BROADCASTS, token=net.admin))["broadcasts"]["totalCount"]
    good = {"kind": "NOTICE", "title": "通知", "body": "正文"}
    reviewer = await net.hub.login("expert-1")
    cases = [
        ({**good, "selection": {"windows": ["no-such-window"]}}, net.operator, "BAD_INPUT"),
        ({**good, "selection": {"region": "45"}}, net.operator, "BAD_INPUT"),
        ({**good, "selection": {"region": "44x"}}, net.operator, "INVALID_REGION_CODE"),
        ({**good, "title": "  "}, net.operator, "BAD_INPUT"),
        ({**good, "title": "长" * 201}, net.operator, "BAD_INPUT"),
        (good, reviewer, "FORBIDDEN"),
        (good, None, "UNAUTHENTICATED"),
    ]
    for broadcast, token, code in cases:
        result = await net.hub.call(PUBLISH, {"i": broadcast}, token)
        assert result.codes == [code], broadcast
    after = (await net.hub.ok(BROADCASTS, token=net.admin))["broadcasts"]["totalCount"]
    assert after == before


async def test_a_node_takes_hub_messages_only_with_the_delivery_token_each_id_once(
    net: Network,
) -> None:
    city = net.nodes["sz-city"]
    message = {
        "id": f"hub:{new_uuid()}",
        "kind": "broadcast",
        "payload": {"title": "直接送达的通知", "body": "正文", "author": "operator"},
    }
    refused = [
        (await city.login(), "FORBIDDEN"),  # the window's own admin
        (hub_token(net, "sz-city", "HUB_SUPERVISION"), "FORBIDDEN"),
        (hub_token(net, "sz-city", "HUB_DELIVERY", foreign=True), "UNKNOWN_KEY"),
        (hub_token(net, "hy-zj", "HUB_DELIVERY"), "INVALID_TOKEN"),  # for another window
    ]
    for token, code in refused:
        assert (await city.call(ACCEPT, message, token)).codes == [code]
    assert "直接送达的通知" not in await titles(net, "sz-city")
    unknown = {**message, "kind": "weather"}
    result = await city.call(ACCEPT, unknown, hub_token(net, "sz-city", "HUB_DELIVERY"))
    assert result.codes == ["BAD_INPUT"]
    # The same check lets the hub's delivery token through; the same id again runs nothing.
    for duplicate in (False, True):
        data = await city.ok(ACCEPT, message, hub_token(net, "sz-city", "HUB_DELIVERY"))
        assert data["acceptHubMessage"] == {"id": message["id"], "duplicate": duplicate}
    assert (await titles(net, "sz-city")).count("直接送达的通知") == 1


async def test_a_refused_delivery_is_failed_and_skipped_and_a_retried_one_keeps_its_place(
    net: Network,
) -> None:
    """A stand-in node (a real one cannot be made to refuse a broadcast) that refuses one
    message for good, answers another with a server error once, and takes the rest."""
    sdl = (await net.nodes["sz-city"].ok("{ _service { sdl } }"))["_service"]["sdl"]
    key = generate_key().jwk()
    received: list[str] = []

    async def graphql(request: Request) -> Response:
        body = await request.json()
        if "nodeInfo" in body["query"]:
            info = {
                "windowId": "zz-odd",
                "name": "异常窗口",
                "kind": "COMPREHENSIVE",
                "regionCode": "450102",
                "industries": [],
                "coreSchemaVersion": CORE_SCHEMA_VERSION,
                "nodeVersion": "0.1.0",
                "plugins": [],
            }
            return JSONResponse({"data": {"nodeInfo": info, "_service": {"sdl": sdl}}})
        message = body["variables"]
        title = message["payload"]["title"]
        received.append(title)
        if title == "格式有误的通知":
            error = {"message": "refused", "extensions": {"code": "BAD_INPUT"}}
            return JSONResponse({"data": None, "errors": [error]})
        if title == "先遇故障的通知" and received.count(title) == 1:
            return Response("overloaded", status_code=503)
        return JSONResponse(
            {"data": {"acceptHubMessage": {"id": message["id"], "duplicate": False}}}
        )

    async def jwks(_: Request) -> Response:
        return JSONResponse({"keys": [key]})

    app = Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/.well-known/jwks.json", jwks)]
    )
    odd = WindowSpec("zz-odd", "异常窗口", "450102", "comprehensive")
    with serve_in_thread(app) as port:
        await onboard(net, odd, f"http://127.0.0.1:{port}/graphql")
        try:
            titles = ("格式有误的通知", "先遇故障的通知", "正常的通知")
            ids = [await publish(net, title, {"windows": ["zz-odd"]}) for title in titles]

            async def settled() -> bool:
                got = [(await states(net, i))["zz-odd"]["state"] for i in ids]
                return "PENDING" not in got

            await eventually(settled)
        finally:
            await net.hub.ok(
                'mutation { revokeWindow(id: "zz-odd", reason: "测试结束") { status } }',
                token=net.admin,
            )
    refused, retried, taken = [(await states(net, i))["zz-odd"] for i in ids]
    assert refused["state"] == "FAILED" and "BAD_INPUT" in refused["lastError"]
    assert retried["state"] == "DELIVERED" and retried["attempts"] == 2
    assert taken["state"] == "DELIVERED" and taken["attempts"] == 1
    # Oldest first: nothing newer went before the retried one got through.
    assert received == ["格式有误的通知", "先遇故障的通知", "先遇故障的通知", "正常的通知"]
