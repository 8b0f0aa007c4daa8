"""Cooperation agreements (DESIGN §6 "Trust"): a real hub and three real window nodes. A window's
node reading the network sees another window's non-public lists only where an agreement in force
shares them, in both directions, never personal data; without one only the public catalogue. The
hub–window agreement governs the hub users' supervision reads; ``stats`` stays outside it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from federation.errors import InvalidToken
from federation.ids import parse_id
from federation.trust import Claims
from hub import db as hub_db
from hub.domain.calendar import local_today
from hub.models import Agreement
from node.config import load_settings
from node.domain.trust import PARTNER, hub_actor
from node.hub_client import HubClient
from tests.conftest import DATABASES
from tests.support.network import Network, WindowSpec, make_network

A = WindowSpec("sz-nsc", "深圳市南山区中小企业服务窗口", "440305", "comprehensive")
B = WindowSpec("gz-thc", "广州市天河区中小企业服务窗口", "440106", "comprehensive")
C = WindowSpec("hy-zjc", "河源市紫金县中小企业服务窗口", "441621", "comprehensive")
CREATE = """mutation($i: AgreementInput!) { createAgreement(input: $i) {
  id window partner scope status validFrom validUntil } }"""
TERMINATE = """mutation($id: ID!, $r: String!) { terminateAgreement(id: $id, reason: $r) {
  status terminatedBy terminationReason } }"""
LIST = """query($w: ID) { agreements(window: $w, first: 100) {
  edges { node { id window partner scope status createdBy } } } }"""
# What a window asks of the network, and the same of one node directly (as its admin).
NETWORK_LIST = """query($w: [ID!]) { network(windows: $w) { %s(first: 100) {
  edges { node { id } } } } }"""
NODE_LIST = "{ %s(first: 100) { edges { node { id } } } }"
ENTERPRISES = """query($w: [ID!]) { network(windows: $w) { enterprises(first: 100) {
  edges { node { id name uscc contact { name phone } } } } } }"""
STATS = """query($w: [ID!]) { network(windows: $w) { stats { servicesDelivered } } }"""
# A list's records with ``inner`` selected in each: what the selection reaches inside them.
NESTED = """query($w: [ID!]) { network(windows: $w) { %s(first: 100) {
  edges { node { id %s } } } } }"""
# The same reach, through a named fragment on the reached type and an inline one.
FRAGMENTS = """query($w: [ID!]) { network(windows: $w) { demands(first: 100) {
  edges { node { ... on Demand { id enterprise { ...Company } } } } } } }
fragment Company on Enterprise { uscc employees revenue assets }"""
LOOKUP = """query($id: ID!) { network { demand(id: $id) { id enterprise { uscc } } } }"""
EXPERTS = """query($w: [ID!]) { network(windows: $w) { experts(first: 100) {
  edges { node { id name phone email } } } } }"""


@pytest.fixture(scope="module", params=DATABASES)
async def net(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db_url: Callable[[str], str],
) -> AsyncIterator[Network]:
    kind = request.param
    network = await make_network(
        tmp_path_factory.mktemp(f"agreements-{kind}"),
        [A, B, C],
        seed_size=2,
        db_url=lambda: make_db_url(kind),
    )
    try:
        yield network
    finally:
        network.stop()


def as_window(net: Network, window_id: str) -> HubClient:
    """The window's node calling the hub, with its own key."""
    return HubClient.of(load_settings(net.nodes[window_id].data_dir))


async def read(net: Network, caller: str, field: str, window_id: str) -> tuple[set[str], list[str]]:
    """The ids ``caller``'s node reads of ``window_id``'s ``field`` through the network, and the
    codes of the errors that window answered."""
    body = await as_window(net, caller).execute(NETWORK_LIST % field, {"w": [window_id]})
    edges = body["data"]["network"][field]["edges"]
    codes = [
        e["extensions"]["code"]
        for e in body.get("errors") or []
        if e["extensions"].get("windowId") == window_id
    ]
    return {e["node"]["id"] for e in edges}, codes


async def own(net: Network, window_id: str, field: str, anonymous: bool = False) -> set[str]:
    node = net.nodes[window_id]
    token = None if anonymous else await node.login()
    data = await node.ok(NODE_LIST % field, token=token)
    return {e["node"]["id"] for e in data[field]["edges"]}


async def agree(net: Network, window: str, partner: str | None, *scope: str, **more: Any) -> str:
    agreement = {
        "window": window,
        "partner": partner,
        "scope": list(scope),
        "validFrom": local_today().isoformat(),
        **more,
    }
    data = await net.hub.ok(CREATE, {"i": agreement}, net.operator)
    return str(data["createAgreement"]["id"])


async def terminate(net: Network, agreement: str) -> None:
    await net.hub.ok(TERMINATE, {"id": agreement, "r": "合作期满"}, net.operator)


async def test_without_an_agreement_a_window_sees_only_the_public_catalogue(net: Network) -> None:
    for window_id in (A.window_id, B.window_id):
        services, codes = await read(net, C.window_id, "services", window_id)
        assert services == await own(net, window_id, "services", anonymous=True) and not codes
        demands, codes = await read(net, C.window_id, "demands", window_id)
        assert await own(net, window_id, "demands")  # there is something to hide
        assert demands == set() and codes == ["UNAUTHENTICATED"]
    # Its own records it reads in full.
    demands, codes = await read(net, C.window_id, "demands", C.window_id)
    assert demands == await own(net, C.window_id, "demands") and not codes


async def test_an_agreement_shares_its_scope_in_both_directions_and_nothing_else(
    net: Network,
) -> None:
    agreement = await agree(net, A.window_id, B.window_id, "DEMANDS")
    try:
        for caller, other in ((A.window_id, B.window_id), (B.window_id, A.window_id)):
            demands, codes = await read(net, caller, "demands", other)
            assert demands == await own(net, other, "demands") and not codes
            records, codes = await read(net, caller, "serviceRecords", other)
            assert records == set() and codes == ["UNAUTHENTICATED"]
        for other in (A.window_id, B.window_id):  # C is no party to it
            demands, codes = await read(net, C.window_id, "demands", other)
            assert demands == set() and codes == ["UNAUTHENTICATED"]
    finally:
        await terminate(net, agreement)
    # Terminated: shared no more.
    demands, codes = await read(net, A.window_id, "demands", B.window_id)
    assert demands == set() and codes == ["UNAUTHENTICATED"]


async def test_personal_data_is_never_shared(net: Network) -> None:
    agreement = await agree(net, A.window_id, C.window_id, "ENTERPRISES")
    try:
        body = await as_window(net, A.window_id).execute(ENTERPRISES, {"w": [C.window_id]})
    finally:
        await terminate(net, agreement)
    edges = body["data"]["network"]["enterprises"]["edges"]
    assert edges and {parse_id(e["node"]["id"])[0] for e in edges} == {C.window_id}
    assert all(e["node"]["uscc"] and e["node"]["contact"] is None for e in edges)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


async def test_an_agreement_outside_its_dates_shares_nothing(net: Network) -> None:
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    pending = await agree(net, A.window_id, B.window_id, "DEMANDS", validFrom=tomorrow)
    assert (await read(net, A.window_id, "demands", B.window_id))[0] == set()
    await terminate(net, pending)
    current = await agree(net, A.window_id, B.window_id, "DEMANDS")
    assert (await read(net, A.window_id, "demands", B.window_id))[0]
    # The days pass (written in the hub's database as time would): it expired yesterday.
    await hub_db.open_db(net.hub.db_url)
    try:
        yesterday = local_today() - timedelta(days=1)
        await Agreement.filter(id=parse_id(current)[1]).update(
            valid_from=yesterday - timedelta(days=30), valid_until=yesterday
        )
    finally:
        await hub_db.close_db()
        EXECUTOR_CACHE.clear()
    demands, codes = await read(net, A.window_id, "demands", B.window_id)
    assert demands == set() and codes == ["UNAUTHENTICATED"]
    listed = await net.hub.ok(LIST, {"w": B.window_id}, net.admin)
    statuses = {e["node"]["id"]: e["node"]["status"] for e in listed["agreements"]["edges"]}
    assert (statuses[pending], statuses[current]) == ("TERMINATED", "EXPIRED")


async def test_the_hub_window_agreement_governs_supervision_reads_but_not_stats(
    net: Network,
) -> None:
    listed = await net.hub.ok(LIST, {"w": A.window_id}, net.admin)
    (default,) = [
        e["node"]
        for e in listed["agreements"]["edges"]
        if e["node"]["partner"] is None and e["node"]["status"] == "ACTIVE"
    ]
    assert "SERVICE_RECORDS" in default["scope"] and default["createdBy"] == "operator"
    records = NETWORK_LIST % "serviceRecords"
    first = await net.hub.ok(records, {"w": [A.window_id]}, net.admin)
    assert first["network"]["serviceRecords"]["edges"]
    await terminate(net, default["id"])
    narrower = await agree(net, A.window_id, None, "DEMANDS")
    try:
        refused = await net.hub.call(records, {"w": [A.window_id]}, net.admin)
        assert refused.codes == ["UNAUTHENTICATED"]
        demands = await net.hub.ok(NETWORK_LIST % "demands", {"w": [A.window_id]}, net.admin)
        assert demands["network"]["demands"]["edges"]
        stats = await net.hub.ok(STATS, {"w": [A.window_id]}, net.admin)
        assert stats["network"]["stats"]["servicesDelivered"] > 0
    finally:
        await terminate(net, narrower)
        await agree(net, A.window_id, None, *default["scope"])


async def test_agreements_are_managed_by_hub_operators_and_audited(net: Network) -> None:
    agreement = {
        "window": A.window_id,
        "partner": B.window_id,
        "scope": ["DEMANDS"],
        "validFrom": local_today().isoformat(),
    }
    reviewer = await net.hub.login("expert-1")
    assert (await net.hub.call(CREATE, {"i": agreement}, reviewer)).codes == ["FORBIDDEN"]
    assert (await net.hub.call(LIST, {})).codes == ["UNAUTHENTICATED"]
    for wrong, code in (
        ({"partner": A.window_id}, "BAD_INPUT"),
        ({"partner": "nowhere"}, "NOT_FOUND"),
        ({"scope": []}, "BAD_INPUT"),
        ({"validUntil": (local_today() - timedelta(days=1)).isoformat()}, "BAD_INPUT"),
    ):
        result = await net.hub.call(CREATE, {"i": {**agreement, **wrong}}, net.operator)
        assert result.codes == [code], wrong
    made = await agree(net, A.window_id, B.window_id, "DEMANDS")
    await terminate(net, made)
    again = await net.hub.call(TERMINATE, {"id": made, "r": "再次"}, net.operator)
    assert again.codes == ["INVALID_TRANSITION"]
    audit = await net.hub.ok(
        """{ auditLog(first: 100) { edges { node { operation target result } } } }""",
        token=net.admin,
    )
    entries = [e["node"] for e in audit["auditLog"]["edges"]]
    assert {"operation": "terminateAgreement", "target": made, "result": "OK"} in entries
    assert {"operation": "createAgreement", "target": "", "result": "FORBIDDEN"} in entries


async def supervisor(net: Network, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The hub admin's answer, shaped as a window's node gets it."""
    result = await net.hub.call(query, variables, net.admin)
    return {"data": result.data, **({"errors": result.errors} if result.errors else {})}


async def nested(
    net: Network, caller: str | None, field: str, inner: str, windows: list[str]
) -> tuple[dict[str, set[str]], list[dict[str, Any]]]:
    """The ids read of ``field`` with ``inner`` under each record, by window (``caller``'s node,
    or the hub's admin for None), and the errors."""
    query, variables = NESTED % (field, inner), {"w": windows}
    body = await (
        supervisor(net, query, variables)
        if caller is None
        else as_window(net, caller).execute(query, variables)
    )
    got: dict[str, set[str]] = {}
    for edge in body["data"]["network"][field]["edges"]:
        got.setdefault(parse_id(edge["node"]["id"])[0], set()).add(edge["node"]["id"])
    return got, body.get("errors") or []


def refusals(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Per window, the record types the hub refused to reach for it."""
    return {
        e["extensions"]["windowId"]: e["extensions"]["recordTypes"]
        for e in errors
        if e["extensions"]["code"] == "FORBIDDEN"
    }


async def test_a_shared_list_reaches_only_the_record_types_shared_in_both_directions(
    net: Network,
) -> None:
    for scope, field, inner, outside in (
        ("DEMANDS", "demands", "enterprise { uscc employees revenue assets }", ["ENTERPRISES"]),
        ("DEMANDS", "demands", "service { name status }", ["SERVICES"]),
        (
            "SERVICE_RECORDS",
            "serviceRecords",
            "demand { title } enterprise { uscc } voucher { amount }",
            ["DEMANDS", "ENTERPRISES", "VOUCHERS"],
        ),
        ("VOUCHERS", "vouchers", "enterprise { name revenue }", ["ENTERPRISES"]),
    ):
        agreement = await agree(net, A.window_id, B.window_id, scope)
        try:
            for caller, other in ((A.window_id, B.window_id), (B.window_id, A.window_id)):
                assert await own(net, other, field)  # there is something to refuse
                # Its own window answers in full beside the refusal of the other's.
                got, errors = await nested(net, caller, field, inner, [caller, other])
                assert refusals(errors) == {other: outside}, (scope, inner)
                assert got == {caller: await own(net, caller, field)}
                # Without the fields that reach further, the list is shared.
                got, errors = await nested(net, caller, field, "__typename", [other])
                assert got == {other: await own(net, other, field)} and not errors
        finally:
            await terminate(net, agreement)


async def test_a_shared_list_reaches_what_the_agreement_also_shares(net: Network) -> None:
    agreement = await agree(net, A.window_id, B.window_id, "DEMANDS")
    try:
        # Through fragments too; and a lookup by ID is refused the same way.
        body = await as_window(net, A.window_id).execute(FRAGMENTS, {"w": [B.window_id]})
        assert refusals(body["errors"]) == {B.window_id: ["ENTERPRISES"]}
        assert body["data"]["network"]["demands"]["edges"] == []
        demand = next(iter(await own(net, B.window_id, "demands")))
        body = await as_window(net, A.window_id).execute(LOOKUP, {"id": demand})
        assert refusals(body["errors"]) == {B.window_id: ["ENTERPRISES"]}
        assert body["data"]["network"]["demand"] is None
    finally:
        await terminate(net, agreement)
    agreement = await agree(net, A.window_id, B.window_id, "DEMANDS", "ENTERPRISES")
    try:
        body = await as_window(net, A.window_id).execute(FRAGMENTS, {"w": [B.window_id]})
        edges = body["data"]["network"]["demands"]["edges"]
        assert "errors" not in body
        assert {e["node"]["id"] for e in edges} == await own(net, B.window_id, "demands")
        assert any(e["node"]["enterprise"]["uscc"] for e in edges)
        body = await as_window(net, A.window_id).execute(LOOKUP, {"id": demand})
        assert body["data"]["network"]["demand"]["enterprise"]["uscc"]
    finally:
        await terminate(net, agreement)
    # No agreement: answered as to the public, which reads no demands at all.
    got, errors = await nested(net, C.window_id, "demands", "enterprise { uscc }", [A.window_id])
    assert got == {} and [e["extensions"]["code"] for e in errors] == ["UNAUTHENTICATED"]


async def test_the_hub_window_agreement_limits_what_supervision_reads_reach(
    net: Network,
) -> None:
    listed = await net.hub.ok(LIST, {"w": A.window_id}, net.admin)
    (default,) = [
        e["node"]
        for e in listed["agreements"]["edges"]
        if e["node"]["partner"] is None and e["node"]["status"] == "ACTIVE"
    ]
    inner = "enterprise { uscc } service { name }"
    got, errors = await nested(net, None, "demands", inner, [A.window_id])
    assert got[A.window_id] and not errors  # the default shares everything
    await terminate(net, default["id"])
    narrower = await agree(net, A.window_id, None, "DEMANDS", "SERVICES")
    try:
        got, errors = await nested(net, None, "demands", inner, [A.window_id, B.window_id])
        assert refusals(errors) == {A.window_id: ["ENTERPRISES"]}
        assert set(got) == {B.window_id}
        got, errors = await nested(net, None, "demands", "service { name }", [A.window_id])
        assert got == {A.window_id: await own(net, A.window_id, "demands")} and not errors
    finally:
        await terminate(net, narrower)
        await agree(net, A.window_id, None, *default["scope"])


async def test_experts_contacts_go_to_no_partner_nor_supervisor(net: Network) -> None:
    node = net.nodes[C.window_id]
    query = "{ experts(first: 100) { edges { node { phone } } } }"
    staff = await node.ok(query, token=await node.login())
    assert any(e["node"]["phone"] for e in staff["experts"]["edges"])  # there is one to hide
    agreement = await agree(net, A.window_id, C.window_id, "EXPERTS")
    try:
        partner = await as_window(net, A.window_id).execute(EXPERTS, {"w": [C.window_id]})
    finally:
        await terminate(net, agreement)
    hub = await supervisor(net, EXPERTS, {"w": [C.window_id]})
    for body in (partner, hub):
        edges = body["data"]["network"]["experts"]["edges"]
        assert edges and "errors" not in body
        assert all(e["node"]["phone"] is None and e["node"]["email"] is None for e in edges)


def test_a_partner_token_must_name_the_window_it_reads_for() -> None:
    now = datetime.now(UTC)
    claims = Claims("hub", A.window_id, B.window_id, PARTNER, None, "jti", now, now)
    with pytest.raises(InvalidToken):
        hub_actor(claims)
    partner = hub_actor(
        Claims("hub", A.window_id, B.window_id, PARTNER, B.window_id, "j", now, now)
    )
    assert partner.roles == {"READONLY"} and partner.username == f"{B.window_id}@hub"
