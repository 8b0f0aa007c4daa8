"""Network vouchers (DESIGN §7): issued by the hub, redeemed at any window's node, each
redemption confirmed by the hub first — so two windows redeeming one voucher at once spend it
once, on both nodes' databases; and a naive read-check-write variant, put through the same race
with both reads before either write, is shown to let both through."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from federation.errors import AlreadyRedeemed, SmenetError
from hub import db as hub_db
from hub.domain import vouchers
from hub.domain.access import Actor
from hub.domain.calendar import local_today
from hub.models import NetworkVoucher
from tests.conftest import DATABASES
from tests.support import db_snapshot
from tests.support.factories import (
    create_enterprise,
    create_service,
    create_service_record,
    make_uscc,
)
from tests.support.network import Network, WindowSpec, make_network

A = WindowSpec("sz-nsa", "深圳市南山区中小企业服务窗口", "440305", "comprehensive")
B = WindowSpec("gz-thb", "广州市天河区中小企业服务窗口", "440106", "comprehensive")
USCC = make_uscc()
ISSUE = """mutation($i: IssueNetworkVoucherInput!) {
  issueNetworkVoucher(input: $i) { id status uscc amount category validUntil } }"""
LIST = """query($status: NetworkVoucherStatus) { networkVouchers(status: $status, first: 100) {
  totalCount edges { node { id status redeemedBy serviceRecordId } } } }"""
REDEEM = """mutation($id: ID!, $record: ID!) { redeemVoucher(id: $id, serviceRecordId: $record) {
  voucher { id status amount categories issuedBy serviceRecordId } } }"""
AT_NODE = """query($record: ID!) { serviceRecord(id: $record) { voucher { id status } }
  vouchers(first: 100) { totalCount edges { node { id status serviceRecordId } } } }"""
HUB_REDEEM = """mutation($id: ID!, $record: ID!) { redeemNetworkVoucher(id: $id,
  serviceRecordId: $record, uscc: "X", category: OTHER) { id } }"""


@dataclass
class Window:
    """A window of the test network: its admin, and completed value-added service records of
    the enterprise ``USCC`` (one per test that spends one)."""

    token: str
    testing: str  # a QUALITY_TESTING service
    enterprise: str
    free: str  # a public-welfare service

    async def record(self, net: Network, window_id: str, service: str | None = None) -> str:
        node = net.nodes[window_id]
        return await create_service_record(
            node, self.token, self.enterprise, service or self.testing
        )


@pytest.fixture(scope="module", params=DATABASES)
async def net(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db_url: Callable[[str], str],
) -> AsyncIterator[Network]:
    kind = request.param
    network = await make_network(
        tmp_path_factory.mktemp(f"vouchers-{kind}"), [A, B], 0, db_url=lambda: make_db_url(kind)
    )
    try:
        yield network
    finally:
        network.stop()


@pytest.fixture(scope="module")
async def windows(net: Network) -> dict[str, Window]:
    found = {}
    for window_id, node in net.nodes.items():
        token = await node.login()
        found[window_id] = Window(
            token=token,
            testing=await create_service(
                node, token, name="可靠性检测", category="QUALITY_TESTING", publicWelfare=False
            ),
            enterprise=await create_enterprise(node, token, uscc=USCC),
            free=await create_service(node, token, name="政策咨询", publicWelfare=True),
        )
    return found


async def issue(net: Network, **fields: Any) -> str:
    valid_until = (local_today() + timedelta(days=30)).isoformat()
    voucher = {"uscc": USCC, "amount": "800.00", "validUntil": valid_until, **fields}
    data = await net.hub.ok(ISSUE, {"i": voucher}, net.operator)
    return str(data["issueNetworkVoucher"]["id"])


async def at_node(net: Network, windows: dict[str, Window], window_id: str, record: str) -> Any:
    return await net.nodes[window_id].ok(AT_NODE, {"record": record}, windows[window_id].token)


async def test_two_windows_redeeming_one_voucher_at_once_spend_it_once(
    net: Network, windows: dict[str, Window]
) -> None:
    voucher = await issue(net, category="QUALITY_TESTING")
    records = {w: await windows[w].record(net, w) for w in net.nodes}

    async def redeem(window_id: str) -> Any:
        node, token = net.nodes[window_id], windows[window_id].token
        return await node.call(REDEEM, {"id": voucher, "record": records[window_id]}, token)

    results = dict(zip(net.nodes, await asyncio.gather(*map(redeem, net.nodes)), strict=True))
    won = [w for w, r in results.items() if not r.errors]
    lost = [w for w, r in results.items() if r.errors]
    assert len(won) == 1 and len(lost) == 1, results
    assert results[lost[0]].codes == ["ALREADY_REDEEMED"]
    paid = results[won[0]].data["redeemVoucher"]["voucher"]  # type: ignore[index]
    assert (paid["id"], paid["status"], paid["amount"]) == (voucher, "REDEEMED", "800.00")
    assert paid["categories"] == ["QUALITY_TESTING"] and paid["issuedBy"] == "hub:operator"
    # Both databases: the winner's record carries it, the loser's has no trace of it.
    winner = await at_node(net, windows, won[0], records[won[0]])
    assert winner["serviceRecord"]["voucher"] == {"id": voucher, "status": "REDEEMED"}
    assert {"id": voucher, "status": "REDEEMED", "serviceRecordId": records[won[0]]} in [
        e["node"] for e in winner["vouchers"]["edges"]
    ]
    loser = await at_node(net, windows, lost[0], records[lost[0]])
    assert loser["serviceRecord"]["voucher"] is None
    assert voucher not in [e["node"]["id"] for e in loser["vouchers"]["edges"]]
    # And the hub's: redeemed by the winner, for its record.
    listed = await net.hub.ok(LIST, {"status": "REDEEMED"}, net.admin)
    row = next(e["node"] for e in listed["networkVouchers"]["edges"] if e["node"]["id"] == voucher)
    assert (row["redeemedBy"], row["serviceRecordId"]) == (won[0], records[won[0]])


async def test_the_hub_refuses_what_the_voucher_does_not_cover_and_the_node_keeps_nothing(
    net: Network, windows: dict[str, Window]
) -> None:
    node, window = net.nodes[A.window_id], windows[A.window_id]
    record = await window.record(net, A.window_id)
    training = await issue(net, category="TRAINING")
    other = await issue(net, uscc=make_uscc())
    for voucher, code in (
        (training, "VOUCHER_CATEGORY_MISMATCH"),
        (other, "BAD_INPUT"),  # issued to another enterprise
        ("hub:01890000-0000-7000-8000-000000000000", "NOT_FOUND"),
    ):
        result = await node.call(REDEEM, {"id": voucher, "record": record}, window.token)
        assert result.codes == [code], result.errors
    free = await window.record(net, A.window_id, window.free)
    result = await node.call(REDEEM, {"id": training, "record": free}, window.token)
    assert result.codes == ["BAD_INPUT"]  # a public-welfare service: checked before the hub
    state = await at_node(net, windows, A.window_id, record)
    assert state["serviceRecord"]["voucher"] is None
    issued = await net.hub.ok(LIST, {"status": "ISSUED"}, net.admin)
    assert {training, other} <= {e["node"]["id"] for e in issued["networkVouchers"]["edges"]}


async def test_only_hub_operators_issue_and_only_windows_nodes_redeem(net: Network) -> None:
    reviewer = await net.hub.login("expert-1")
    voucher = {"uscc": USCC, "amount": "1.00", "validUntil": local_today().isoformat()}
    assert (await net.hub.call(ISSUE, {"i": voucher}, reviewer)).codes == ["FORBIDDEN"]
    assert (await net.hub.call(ISSUE, {"i": voucher})).codes == ["UNAUTHENTICATED"]
    bad = {**voucher, "uscc": "not-a-credit-code"}
    assert (await net.hub.call(ISSUE, {"i": bad}, net.operator)).codes == ["BAD_INPUT"]
    spent = {"id": await issue(net), "record": f"{A.window_id}:{uuid.uuid4()}"}
    assert (await net.hub.call(HUB_REDEEM, spent, net.admin)).codes == ["FORBIDDEN"]
    assert (await net.hub.call(LIST, {})).codes == ["UNAUTHENTICATED"]


async def test_without_the_hub_a_node_refuses_and_changes_nothing(
    net: Network, windows: dict[str, Window]
) -> None:
    node, window = net.nodes[B.window_id], windows[B.window_id]
    voucher = await issue(net)
    record = await window.record(net, B.window_id)
    net.hub.stop()
    try:
        result = await node.call(REDEEM, {"id": voucher, "record": record}, window.token)
    finally:
        net.hub.start(port=net.hub.port)
    assert result.codes == ["HUB_UNREACHABLE"]
    assert (await at_node(net, windows, B.window_id, record))["serviceRecord"]["voucher"] is None
    # Nothing was spent: the same redemption goes through once the hub is back.
    done = await node.ok(REDEEM, {"id": voucher, "record": record}, window.token)
    assert done["redeemVoucher"]["voucher"]["status"] == "REDEEMED"


# A write the node's database refuses, on either database: a trigger, dropped again after.
REFUSE_VOUCHERS = {
    "sqlite": [
        "create trigger refuse_vouchers before insert on vouchers"
        " begin select raise(abort, 'refused by the test'); end"
    ],
    "postgres": [
        "create function refuse_vouchers() returns trigger language plpgsql"
        " as $$ begin raise exception 'refused by the test'; end $$",
        "create trigger refuse_vouchers before insert on vouchers"
        " for each row execute function refuse_vouchers()",
    ],
}
ALLOW_VOUCHERS = {
    "sqlite": ["drop trigger refuse_vouchers"],
    "postgres": ["drop trigger refuse_vouchers on vouchers", "drop function refuse_vouchers()"],
}


async def test_confirmed_by_the_hub_but_not_recorded_the_same_redemption_again_records_it(
    net: Network, windows: dict[str, Window]
) -> None:
    node, window = net.nodes[A.window_id], windows[A.window_id]
    kind = "sqlite" if node.db_url.startswith("sqlite://") else "postgres"
    voucher = await issue(net)
    record = await window.record(net, A.window_id)
    for sql in REFUSE_VOUCHERS[kind]:
        await db_snapshot.execute(node.db_url, sql)
    try:
        refused = await node.call(REDEEM, {"id": voucher, "record": record}, window.token)
    finally:
        for sql in ALLOW_VOUCHERS[kind]:
            await db_snapshot.execute(node.db_url, sql)
    assert refused.codes == ["NOT_RECORDED"]
    assert "redeem the same voucher for the same record again" in refused.errors[0]["message"]
    # Spent at the hub for this record, nothing at the node.
    listed = await net.hub.ok(LIST, {"status": "REDEEMED"}, net.admin)
    row = next(e["node"] for e in listed["networkVouchers"]["edges"] if e["node"]["id"] == voucher)
    assert (row["redeemedBy"], row["serviceRecordId"]) == (A.window_id, record)
    assert (await at_node(net, windows, A.window_id, record))["serviceRecord"]["voucher"] is None
    # Another record cannot have it; the same record again records it, once.
    other = await window.record(net, A.window_id)
    elsewhere = await node.call(REDEEM, {"id": voucher, "record": other}, window.token)
    assert elsewhere.codes == ["ALREADY_REDEEMED"]
    done = await node.ok(REDEEM, {"id": voucher, "record": record}, window.token)
    assert done["redeemVoucher"]["voucher"]["serviceRecordId"] == record
    state = await at_node(net, windows, A.window_id, record)
    assert state["serviceRecord"]["voucher"] == {"id": voucher, "status": "REDEEMED"}
    recorded = [e["node"] for e in state["vouchers"]["edges"] if e["node"]["id"] == voucher]
    assert recorded == [{"id": voucher, "status": "REDEEMED", "serviceRecordId": record}]
    again = await node.call(REDEEM, {"id": voucher, "record": record}, window.token)
    assert again.codes == ["CONFLICT"]  # the record carries it now


# The same race at the hub's domain, made deterministic: both windows read and check the voucher
# before either writes. The conditional write spends it once; a naive one lets both through.

Redeem = Callable[[Actor, uuid.UUID, str, asyncio.Barrier], Awaitable[NetworkVoucher]]


async def conditional_redeem(
    actor: Actor, voucher_id: uuid.UUID, record: str, barrier: asyncio.Barrier
) -> NetworkVoucher:
    """The hub's redemption, paused between its check and its write."""
    voucher = await vouchers.check_redemption(actor, voucher_id, record, USCC, "TRAINING")
    await barrier.wait()
    return await vouchers.spend(actor, voucher, record)


async def naive_redeem(
    actor: Actor, voucher_id: uuid.UUID, record: str, barrier: asyncio.Barrier
) -> NetworkVoucher:
    """Read, check, then write what the check saw: deliberately wrong."""
    voucher = await NetworkVoucher.get(id=voucher_id)
    if vouchers.effective_status(voucher) is not vouchers.VoucherStatus.ISSUED:
        raise AlreadyRedeemed(f"network voucher {voucher_id} is already redeemed")
    await barrier.wait()
    voucher.status, voucher.redeemed_by = vouchers.VoucherStatus.REDEEMED.value, actor.via
    voucher.service_record_id, voucher.redeemed_at = record, datetime.now(UTC)
    await voucher.save()
    return voucher


async def race(redeem: Redeem) -> tuple[uuid.UUID, list[NetworkVoucher | BaseException]]:
    """Two windows redeem one new voucher, each for its own record, both checks first."""
    voucher = await NetworkVoucher.create(
        uscc=USCC,
        amount=Decimal("300.00"),
        valid_until=local_today(),
        issued_by="operator",
    )
    barrier = asyncio.Barrier(2)
    outcomes = await asyncio.gather(
        *(
            redeem(Actor(username=w, via=w), voucher.id, f"{w}:{uuid.uuid4()}", barrier)
            for w in (A.window_id, B.window_id)
        ),
        return_exceptions=True,
    )
    return voucher.id, list(outcomes)


async def assert_spent_once(
    voucher_id: uuid.UUID, outcomes: list[NetworkVoucher | BaseException]
) -> None:
    won = [o for o in outcomes if isinstance(o, NetworkVoucher)]
    refused = [o for o in outcomes if isinstance(o, SmenetError)]
    assert len(won) == 1, f"{len(won)} windows redeemed voucher {voucher_id}"
    assert [e.code for e in refused] == ["ALREADY_REDEEMED"]
    stored = await NetworkVoucher.get(id=voucher_id)
    assert (stored.redeemed_by, stored.service_record_id) == (
        won[0].redeemed_by,
        won[0].service_record_id,
    )


@pytest.fixture(params=DATABASES)
async def hub_database(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[None]:
    await hub_db.open_db(make_db_url(request.param))
    try:
        yield
    finally:
        await hub_db.close_db()
        EXECUTOR_CACHE.clear()


async def test_checked_then_conditionally_written_a_voucher_is_spent_once(
    hub_database: None,
) -> None:
    await assert_spent_once(*await race(conditional_redeem))


async def test_the_naive_read_check_write_lets_both_windows_through(hub_database: None) -> None:
    voucher_id, outcomes = await race(naive_redeem)
    assert all(isinstance(o, NetworkVoucher) for o in outcomes)
    with pytest.raises(AssertionError, match="2 windows redeemed"):
        await assert_spent_once(voucher_id, outcomes)


async def test_an_expired_voucher_is_refused_and_a_retry_of_the_same_record_is_confirmed(
    hub_database: None,
) -> None:
    window = Actor(username=A.window_id, via=A.window_id)
    record = f"{A.window_id}:{uuid.uuid4()}"
    expired = await NetworkVoucher.create(
        uscc=USCC,
        amount=Decimal("1.00"),
        valid_until=local_today() - timedelta(days=1),
        issued_by="operator",
    )
    with pytest.raises(SmenetError) as refused:
        await vouchers.redeem_voucher(window, expired.id, record, USCC, "OTHER")
    assert refused.value.code == "VOUCHER_EXPIRED"
    valid = await NetworkVoucher.create(
        uscc=USCC, amount=Decimal("1.00"), valid_until=local_today(), issued_by="operator"
    )
    first = await vouchers.redeem_voucher(window, valid.id, record, USCC, "OTHER")
    again = await vouchers.redeem_voucher(window, valid.id, record, USCC, "OTHER")
    assert first.redeemed_at == again.redeemed_at and again.redeemed_by == A.window_id
    other_record = f"{A.window_id}:{uuid.uuid4()}"
    with pytest.raises(AlreadyRedeemed):
        await vouchers.redeem_voucher(window, valid.id, other_record, USCC, "OTHER")
