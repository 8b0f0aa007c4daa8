"""Demand routing end to end (DESIGN §7): a real hub and three real window nodes on one database
kind each. A demand escalated at one window reaches the hub's routing queue through its outbox;
the proposals rank the other windows with their reasons; an operator dispatches it; the receiving
window gets a new demand linked to the original (without the contact person), serves and closes
it; and the originating window's demand follows, transition by transition."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from federation.ids import new_uuid
from tests.conftest import DATABASES
from tests.support.factories import (
    create_enterprise,
    create_service,
    create_service_record,
)
from tests.support.network import Network, WindowSpec, hub_token, make_network
from tests.support.waiting import eventually

ORIGIN = WindowSpec("sz-ns", "深圳市南山区中小企业服务窗口", "440305", "comprehensive")
LAB = WindowSpec(
    "sz-ba-elec", "深圳市宝安区电子信息产业集群窗口", "440306", "industry", industries=("C39",)
)
FAR = WindowSpec("hy-zj", "河源市紫金县中小企业服务窗口", "441621", "comprehensive")
FAST = {
    "SMENET_DELIVERY_RETRY_SECONDS": "0.2",
    "SMENET_DELIVERY_RETRY_MAX_SECONDS": "1",
    "SMENET_DELIVERY_POLL_SECONDS": "0.5",
    "SMENET_NODE_TIMEOUT_SECONDS": "5",
}
CONTACT = {"name": "王小明", "phone": "13912345678"}

SUBMIT = """mutation($i: SubmitDemandInput!) { submitDemand(input: $i) { demand { id } } }"""
ESCALATE = """mutation($id: ID!, $note: String) {
  escalateDemand(id: $id, note: $note) { demand { id status } } }"""
ACCEPT = "mutation($id: ID!) { acceptDemand(id: $id) { demand { status } } }"
MATCH = """mutation($id: ID!, $s: ID!) { matchDemand(id: $id, serviceId: $s) {
  demand { status } } }"""
CLOSE = "mutation($id: ID!) { closeDemand(id: $id) { demand { status } } }"
NODE_DEMANDS = """query($status: DemandStatus) { demands(filter: {status: $status}, first: 100) {
  edges { node { id status origin title category
    enterprise { id uscc name } } } } }"""
NODE_DEMAND = """query($id: ID!) { demand(id: $id) { id status rejectReason completedAt closedAt
  transitions { fromStatus toStatus actor note } } }"""
CONTACT_OF = """query($id: ID!) { enterprise(id: $id) { contact { name phone } } }"""
QUEUE = """query($status: RoutingStatus) { routingQueue(status: $status) {
  totalCount edges { node { id status title category window { id } } } } }"""
ROUTED = """query($id: ID!) { routedDemand(id: $id) {
  id status title note enterprise { name uscc regionCode industryCode sizeClass }
  dispatchedTo { id } serviceId dispatchedBy dispatchNote dispatchedDemandId outcomeNote
  deliveries { window { id } kind state } } }"""
PROPOSALS = """query($id: ID!) { demandProposals(id: $id) {
  candidates { window { id } score services { id name }
    reasons { factor weight score points detail } }
  unavailable { window { id } code } } }"""
DISPATCH = """mutation($id: ID!, $w: ID!, $s: ID, $note: String) {
  dispatchDemand(id: $id, windowId: $w, serviceId: $s, note: $note) {
    id status dispatchedTo { id } } }"""


@dataclass
class Routing:
    net: Network
    tokens: dict[str, str]  # each window's admin
    lab_service: str


@pytest.fixture(scope="module", params=DATABASES)
async def routing(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db_url: Callable[[str], str],
) -> AsyncIterator[Routing]:
    net = await make_network(
        tmp_path_factory.mktemp("routing"),
        [ORIGIN, LAB, FAR],
        seed_size=0,
        hub_env=FAST,
        db_url=lambda: make_db_url(request.param),
    )
    try:
        tokens = {w: await node.login() for w, node in net.nodes.items()}
        lab = await create_service(
            net.nodes["sz-ba-elec"], tokens["sz-ba-elec"], name="电子产品环境与可靠性试验"
        )
        await create_service(
            net.nodes["hy-zj"], tokens["hy-zj"], name="创业辅导", category="STARTUP_COACHING"
        )
        yield Routing(net, tokens, lab)
    finally:
        net.stop()


async def escalated_demand(r: Routing, title: str) -> tuple[str, str]:
    """A demand submitted and escalated at the originating window, and its enterprise's ID."""
    node, token = r.net.nodes["sz-ns"], r.tokens["sz-ns"]
    enterprise = await create_enterprise(node, token, contact=CONTACT)
    demand = {"title": title, "category": "QUALITY_TESTING", "enterpriseId": enterprise}
    data = await node.ok(SUBMIT, {"i": demand}, token)
    demand_id = str(data["submitDemand"]["demand"]["id"])
    await node.ok(ESCALATE, {"id": demand_id, "note": "本窗口无环境试验能力"}, token)
    return demand_id, enterprise


async def queued(r: Routing, demand_id: str) -> dict[str, Any]:
    """The demand once the hub has it, as the routing queue lists it."""

    async def arrived() -> bool:
        data = await r.net.hub.ok(QUEUE, {"status": None}, r.net.operator)
        return demand_id in {e["node"]["id"] for e in data["routingQueue"]["edges"]}

    await eventually(arrived)
    return dict((await r.net.hub.ok(ROUTED, {"id": demand_id}, r.net.operator))["routedDemand"])


async def status_at(r: Routing, window_id: str, demand_id: str) -> dict[str, Any]:
    node = r.net.nodes[window_id]
    return dict((await node.ok(NODE_DEMAND, {"id": demand_id}, r.tokens[window_id]))["demand"])


async def until_status(r: Routing, window_id: str, demand_id: str, status: str) -> dict[str, Any]:
    async def reached() -> bool:
        return (await status_at(r, window_id, demand_id))["status"] == status

    await eventually(reached)
    return await status_at(r, window_id, demand_id)


async def dispatched_to_lab(r: Routing, origin: str) -> dict[str, Any]:
    """The demand the receiving window got for ``origin``, once it is there."""
    node, token = r.net.nodes["sz-ba-elec"], r.tokens["sz-ba-elec"]
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        data = await node.ok(NODE_DEMANDS, {"status": None}, token)
        found[:] = [e["node"] for e in data["demands"]["edges"] if e["node"]["origin"] == origin]
        return bool(found)

    await eventually(arrived)
    return found[0]


async def test_an_escalated_demand_is_dispatched_served_and_followed_by_its_window(
    routing: Routing,
) -> None:
    r, hub, operator = routing, routing.net.hub, routing.net.operator
    demand_id, enterprise = await escalated_demand(r, "电子产品高低温试验")

    # The hub has it, without the contact person.
    routed = await queued(r, demand_id)
    assert routed["status"] == "QUEUED" and routed["note"] == "本窗口无环境试验能力"
    assert routed["enterprise"]["regionCode"] == "440305"
    assert routed["enterprise"]["industryCode"] == "3981"
    assert "王小明" not in repr(routed) and "13912345678" not in repr(routed)

    # Proposals: every other window, the lab first for its service, each factor explained.
    found = (await hub.ok(PROPOSALS, {"id": demand_id}, operator))["demandProposals"]
    assert found["unavailable"] == []
    ranked = [c["window"]["id"] for c in found["candidates"]]
    assert ranked == ["sz-ba-elec", "hy-zj"]
    lab, far = found["candidates"]
    assert [s["id"] for s in lab["services"]] == [r.lab_service]
    assert far["services"] == []
    reasons = {x["factor"]: x for x in lab["reasons"]}
    assert set(reasons) == {"category", "region", "industry", "load", "satisfaction"}
    assert (
        reasons["category"]["points"] == 40
        and "电子产品环境与可靠性试验" in reasons["category"]["detail"]
    )
    assert reasons["region"]["detail"].startswith("same city")
    assert reasons["industry"]["points"] == 15
    assert lab["score"] == sum(x["points"] for x in lab["reasons"])
    assert {x["factor"]: x["points"] for x in far["reasons"]}["category"] == 0

    # An operator dispatches it, with the lab's service suggested.
    variables = {"id": demand_id, "w": "sz-ba-elec", "s": r.lab_service, "note": "请优先安排"}
    dispatched = (await hub.ok(DISPATCH, variables, operator))["dispatchDemand"]
    assert dispatched["status"] == "DISPATCHED"
    assert dispatched["dispatchedTo"] == {"id": "sz-ba-elec"}

    # The lab gets a new demand linked to the original, for the same enterprise, no contact.
    got = await dispatched_to_lab(r, demand_id)
    assert got["status"] == "SUBMITTED" and got["category"] == "QUALITY_TESTING"
    origin_uscc = (await status_of_enterprise(r, enterprise))["uscc"]
    assert got["enterprise"]["uscc"] == origin_uscc
    lab_node, lab_token = r.net.nodes["sz-ba-elec"], r.tokens["sz-ba-elec"]
    contact = await lab_node.ok(CONTACT_OF, {"id": got["enterprise"]["id"]}, lab_token)
    assert not (contact["enterprise"]["contact"] or {}).get("phone")
    first = (await status_at(r, "sz-ba-elec", got["id"]))["transitions"][0]
    assert r.lab_service in first["note"] and "请优先安排" in first["note"]

    # The lab serves it: accept, match, a service record completed, closed.
    await lab_node.ok(ACCEPT, {"id": got["id"]}, lab_token)
    await lab_node.ok(MATCH, {"id": got["id"], "s": r.lab_service}, lab_token)
    await create_service_record(
        lab_node, lab_token, got["enterprise"]["id"], r.lab_service, demandId=got["id"]
    )
    assert (await status_at(r, "sz-ba-elec", got["id"]))["status"] == "COMPLETED"
    await lab_node.ok(CLOSE, {"id": got["id"]}, lab_token)

    # The originating window's demand follows, each step kept with the hub as actor.
    followed = await until_status(r, "sz-ns", demand_id, "CLOSED")
    steps = [(t["fromStatus"], t["toStatus"]) for t in followed["transitions"]]
    assert steps[-3:] == [
        ("SUBMITTED", "ESCALATED"),
        ("ESCALATED", "COMPLETED"),
        ("COMPLETED", "CLOSED"),
    ]
    assert all(t["actor"] == "hub:deliveries" for t in followed["transitions"][-2:])
    assert got["id"] in followed["transitions"][-1]["note"]
    assert followed["completedAt"] and followed["closedAt"]

    routed = (await hub.ok(ROUTED, {"id": demand_id}, operator))["routedDemand"]
    assert routed["status"] == "CLOSED" and routed["dispatchedDemandId"] == got["id"]
    kinds = {(d["window"]["id"], d["kind"], d["state"]) for d in routed["deliveries"]}
    assert kinds == {
        ("sz-ba-elec", "demand.dispatched", "DELIVERED"),
        ("sz-ns", "demand.outcome", "DELIVERED"),
    }


async def status_of_enterprise(r: Routing, enterprise: str) -> dict[str, Any]:
    query = "query($id: ID!) { enterprise(id: $id) { uscc name } }"
    data = await r.net.nodes["sz-ns"].ok(query, {"id": enterprise}, r.tokens["sz-ns"])
    return dict(data["enterprise"])


async def test_a_rejection_at_the_receiving_window_reaches_the_originating_one(
    routing: Routing,
) -> None:
    r = routing
    demand_id, _ = await escalated_demand(r, "盐雾试验")
    await queued(r, demand_id)
    await r.net.hub.ok(DISPATCH, {"id": demand_id, "w": "hy-zj"}, r.net.operator)
    node, token = r.net.nodes["hy-zj"], r.tokens["hy-zj"]
    got = await dispatched_far(r, demand_id)
    reject = "mutation($id: ID!, $r: String!) { rejectDemand(id: $id, reason: $r) { demand { status } } }"
    await node.ok(reject, {"id": got, "r": "本窗口无检测设备"}, token)
    followed = await until_status(r, "sz-ns", demand_id, "REJECTED")
    assert followed["rejectReason"] == "本窗口无检测设备"
    routed = (await r.net.hub.ok(ROUTED, {"id": demand_id}, r.net.operator))["routedDemand"]
    assert routed["status"] == "REJECTED" and routed["outcomeNote"] == "本窗口无检测设备"


async def dispatched_far(r: Routing, origin: str) -> str:
    node, token = r.net.nodes["hy-zj"], r.tokens["hy-zj"]
    found: list[str] = []

    async def arrived() -> bool:
        data = await node.ok(NODE_DEMANDS, {"status": None}, token)
        found[:] = [
            e["node"]["id"] for e in data["demands"]["edges"] if e["node"]["origin"] == origin
        ]
        return bool(found)

    await eventually(arrived)
    return found[0]


async def test_bad_dispatches_are_refused_and_change_nothing(routing: Routing) -> None:
    r, hub = routing, routing.net.hub
    demand_id, _ = await escalated_demand(r, "跌落试验")
    await queued(r, demand_id)
    reviewer = await hub.login("expert-1")
    cases = [
        ({"id": demand_id, "w": "sz-ba-elec"}, reviewer, "FORBIDDEN"),
        ({"id": demand_id, "w": "sz-ba-elec"}, None, "UNAUTHENTICATED"),
        ({"id": demand_id, "w": "sz-ns"}, r.net.operator, "BAD_INPUT"),  # its own window
        ({"id": demand_id, "w": "no-such"}, r.net.operator, "BAD_INPUT"),
        (
            {"id": demand_id, "w": "sz-ba-elec", "s": "hy-zj:0190c5d0-0000-7000-8000-000000000001"},
            r.net.operator,
            "BAD_INPUT",
        ),
        (
            {"id": "sz-ns:0190c5d0-0000-7000-8000-000000000001", "w": "sz-ba-elec"},
            r.net.operator,
            "NOT_FOUND",
        ),
    ]
    for variables, token, code in cases:
        assert (await hub.call(DISPATCH, variables, token)).codes == [code], variables
    assert (await hub.ok(ROUTED, {"id": demand_id}, r.net.operator))["routedDemand"][
        "status"
    ] == "QUEUED"
    await hub.ok(DISPATCH, {"id": demand_id, "w": "sz-ba-elec"}, r.net.operator)
    again = await hub.call(DISPATCH, {"id": demand_id, "w": "hy-zj"}, r.net.operator)
    assert again.codes == ["INVALID_TRANSITION"]
    assert (await hub.call(PROPOSALS, {"id": demand_id}, reviewer)).codes == ["FORBIDDEN"]


HUB_MESSAGE = """mutation($id: ID!, $kind: String!, $payload: JSON!) {
  acceptHubMessage(id: $id, kind: $kind, payload: $payload) { duplicate } }"""


async def test_bad_hub_messages_about_demands_are_refused_and_write_nothing(
    routing: Routing,
) -> None:
    r = routing
    node = r.net.nodes["sz-ns"]
    enterprise = await create_enterprise(node, r.tokens["sz-ns"])
    demand = {"title": "尚未上报的需求", "category": "QUALITY_TESTING", "enterpriseId": enterprise}
    data = await node.ok(SUBMIT, {"i": demand}, r.tokens["sz-ns"])
    submitted = data["submitDemand"]["demand"]["id"]
    dispatched = {
        "origin": "hy-zj:0190c5d0-0000-7000-8000-000000000001",
        "title": "盐雾试验",
        "category": "QUALITY_TESTING",
        "enterprise": {"name": "某公司", "uscc": "91440305MA100000XR", "region_code": "440305"},
    }
    cases = [
        ("demand.dispatched", {**dispatched, "enterprise": None}, "BAD_INPUT"),
        ("demand.dispatched", {**dispatched, "category": "WEATHER"}, "BAD_INPUT"),
        ("demand.dispatched", {**dispatched, "origin": "nonsense"}, "INVALID_ID"),
        ("demand.dispatched", dispatched, "INVALID_INDUSTRY_CODE"),  # no industry code
        ("demand.outcome", {"demand_id": submitted, "status": "COMPLETED"}, "INVALID_TRANSITION"),
        ("demand.outcome", {"demand_id": submitted, "status": "IN_SERVICE"}, "BAD_INPUT"),
        ("demand.outcome", {"demand_id": f"sz-ns:{'0' * 32}", "status": "CLOSED"}, "NOT_FOUND"),
    ]
    skip = ("audit_log", "seen_tokens")
    before = await node.snapshot(skip)
    for kind, payload, code in cases:
        message = {"id": f"hub:{new_uuid()}", "kind": kind, "payload": payload}
        result = await node.call(HUB_MESSAGE, message, hub_token(r.net, "sz-ns", "HUB_DELIVERY"))
        assert result.codes == [code], (kind, payload)
    assert await node.snapshot(skip) == before
