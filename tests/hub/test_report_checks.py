"""Reports end to end (DESIGN §7): a real hub and a real window node, each its own process, on
SQLite and on PostgreSQL. The node's scheduler reports the last ended month and quarter once;
reports written while the hub is down arrive once each, oldest first; the hub flags a rewritten
chain, figures changed behind a report, a bad signature and lateness, and leaves untouched ones
alone; a message it refuses for good does not hold up the ones behind it."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise.transactions import in_transaction

from federation.ids import make_id, parse_id
from federation.signatures import sign
from federation.trust import load_key
from node.config import load_settings
from node.domain import events
from node.domain.chain import canonical_json, link_hash
from node.hub_client import HubClient
from node.outbox import ACCEPT_MESSAGE
from tests.conftest import DATABASES
from tests.support import db_snapshot
from tests.support.network import Network, WindowSpec, make_network
from tests.support.node_db import open_node_db
from tests.support.node_server import NodeServer, smenet

WINDOW = WindowSpec("sz-rpt", "深圳市南山区中小企业服务窗口", "440305", "comprehensive")
HUB_ENV = {
    "SMENET_REPORT_VERIFY_SECONDS": "0.2",
    # Every monthly report is late; no quarterly one is.
    "SMENET_REPORT_DUE_DAYS_MONTHLY": "0",
    "SMENET_REPORT_DUE_DAYS_QUARTERLY": "100000",
}
NODE_ENV = {
    "SMENET_OUTBOX_PUSH_SECONDS": "0.2",
    "SMENET_OUTBOX_RETRY_SECONDS": "0.1",
    "SMENET_OUTBOX_MAX_RETRY_SECONDS": "0.5",
    "SMENET_REPORT_CHECK_SECONDS": "0.5",
}
NODE_REPORTS = """{ reports { id kind period version content signature chainLength
  writtenAt deliveredAt deliveryError } }"""
GENERATE = """mutation($k: ReportKind!, $p: String!, $t: String!) {
  generateReport(kind: $k, period: $p, text: $t) { id version chainLength } }"""
HUB_REPORTS = """query($w: ID) { reports(window: $w) { id kind period version receivedAt late
  verifiedAt verifyError flags { code detail } window { id } } }"""


@pytest.fixture(scope="module", params=DATABASES)
async def net(
    request: pytest.FixtureRequest,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Network]:
    network = await make_network(
        tmp_path_factory.mktemp(f"reports-{request.param}"),
        [WINDOW],
        hub_env=HUB_ENV,
        node_env=NODE_ENV,
        db_url=lambda: make_db_url(request.param),
    )
    try:
        yield network
    finally:
        network.stop()


@pytest.fixture(scope="module")
async def staff(net: Network) -> str:
    return await node(net).login()


def node(net: Network) -> NodeServer:
    return net.nodes[WINDOW.window_id]


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30) -> Any:
    """The first truthy answer of ``check``, polled within a generous bound."""
    deadline = time.monotonic() + timeout
    while not (answer := await check()):
        assert time.monotonic() < deadline, f"not within {timeout} s"
        await asyncio.sleep(0.1)
    return answer


async def node_reports(net: Network, staff: str) -> list[dict[str, Any]]:
    return list((await node(net).ok(NODE_REPORTS, token=staff))["reports"])


async def hub_reports(net: Network) -> dict[str, dict[str, Any]]:
    data = await net.hub.ok(HUB_REPORTS, {"w": WINDOW.window_id}, token=net.admin)
    return {r["id"]: r for r in data["reports"]}


async def generate(net: Network, staff: str, kind: str, period: str, text: str = "") -> str:
    data = await node(net).ok(GENERATE, {"k": kind, "p": period, "t": text}, token=staff)
    return str(data["generateReport"]["id"])


async def verified(net: Network, *report_ids: str) -> dict[str, dict[str, Any]]:
    """The hub's reports, once every one of ``report_ids`` has arrived and been checked."""

    async def check() -> dict[str, dict[str, Any]] | None:
        got = await hub_reports(net)
        done = all(got.get(r, {}).get("verifiedAt") for r in report_ids)
        return got if done else None

    return dict(await eventually(check))


def codes(report: dict[str, Any]) -> set[str]:
    return {f["code"] for f in report["flags"]}


async def test_the_scheduler_reports_the_last_ended_month_and_quarter_once(
    net: Network, staff: str
) -> None:
    async def four() -> list[dict[str, Any]] | None:
        written = await node_reports(net, staff)
        return written if len(written) == 4 and all(r["deliveredAt"] for r in written) else None

    written = await eventually(four)
    assert {r["kind"] for r in written} == {"SERVICE_DATA", "SUMMARY"}
    assert len({r["period"] for r in written}) == 2 and {r["version"] for r in written} == {1}
    got = await verified(net, *(r["id"] for r in written))
    assert set(got) == {r["id"] for r in written}
    for report in got.values():
        # Untouched chain and figures: only lateness, and only for the month.
        assert codes(report) == ({"LATE"} if "Q" not in report["period"] else set())
        assert report["late"] == ("Q" not in report["period"])
    # Still four a while later: each period was written once.
    await asyncio.sleep(1)
    assert len(await node_reports(net, staff)) == 4


async def test_reports_written_while_the_hub_is_down_arrive_once_each_oldest_first(
    net: Network, staff: str
) -> None:
    port = net.hub.port
    net.hub.stop()
    try:
        written = [
            await generate(net, staff, "SERVICE_PLAN", "2025-01", "一月计划"),
            await generate(net, staff, "SERVICE_PLAN", "2025-02", "二月计划"),
            await generate(net, staff, "SERVICE_DATA", "2025-03"),
            await generate(net, staff, "SERVICE_PLAN", "2025-02", "二月计划（修订）"),
            await generate(net, staff, "SUMMARY", "2025-Q1", "一季度"),
        ]

        async def tried() -> bool:
            mine = {r["id"]: r for r in await node_reports(net, staff)}
            return mine[written[0]]["deliveryError"] is not None

        await eventually(tried)  # the pusher tried, failed, and waits to retry
    finally:
        net.hub.start(port=port)
    got = await verified(net, *written)
    mine = {r["id"]: r for r in await node_reports(net, staff)}
    assert all(mine[r]["deliveredAt"] for r in written)
    arrival = sorted(written, key=lambda r: got[r]["receivedAt"])
    assert arrival == written
    # Counted on the hub: one message and one report per outbox message, none lost or doubled.
    delivered = await db_snapshot.count(
        node(net).db_url,
        "select count(*) from outbox where delivered_at is not null and kind = 'report'",
    )
    # The seeded node's escalated demands go through the same outbox: reports are counted.
    messages = await db_snapshot.count(
        net.hub.db_url, "select count(*) from window_messages where kind = 'report'"
    )
    stored = await db_snapshot.count(net.hub.db_url, "select count(*) from reports")
    assert messages == delivered == stored == len(mine)
    assert got[written[3]]["version"] == 2


async def rewrite_chain(db_url: str) -> int:
    """Change an entry's content in the node's database and hash the chain again from there, as
    someone covering their tracks would: the chain still verifies on its own. The position."""
    rows = await db_snapshot.execute(
        db_url, "select position, content, previous_hash from chain_entries order by position"
    )
    assert len(rows) > 2, "the seeded node has a history"
    start = len(rows) // 2
    previous = rows[start][2]
    for position, content, _ in rows[start:]:
        if position == start:
            content = content.replace('"kind":', '"note":"rewritten","kind":', 1)
        digest = link_hash(previous, content)
        await db_snapshot.execute(
            db_url,
            "update chain_entries set content = $1, previous_hash = $2, hash = $3"
            " where position = $4",
            content,
            previous,
            digest,
            position,
        )
        previous = digest
    await db_snapshot.execute(db_url, "update chain_head set hash = $1", previous)
    return start


async def test_a_rewritten_chain_is_flagged_and_an_untouched_one_is_not(
    net: Network, staff: str
) -> None:
    before = await generate(net, staff, "SERVICE_PLAN", "2025-07", "七月计划")
    untouched = await generate(net, staff, "SERVICE_PLAN", "2025-08", "八月计划")
    got = await verified(net, before, untouched)
    assert "CHAIN_REWRITTEN" not in codes(got[untouched])
    position = await rewrite_chain(node(net).db_url)
    after = await generate(net, staff, "SERVICE_PLAN", "2025-09", "九月计划")
    got = await verified(net, after)
    flag = next(f for f in got[after]["flags"] if f["code"] == "CHAIN_REWRITTEN")
    length = json.loads(await content_of(net, staff, untouched))["chain"]["length"]
    assert position < length and f"entry {length - 1} " in flag["detail"]
    # The next report extends the rewritten chain: that one is not flagged again.
    following = await generate(net, staff, "SERVICE_PLAN", "2025-10", "十月计划")
    assert "CHAIN_REWRITTEN" not in codes((await verified(net, following))[following])


async def content_of(net: Network, staff: str, report_id: str) -> str:
    mine = {r["id"]: r for r in await node_reports(net, staff)}
    return str(mine[report_id]["content"])


RECORDS = """{ serviceRecords(first: 100) { edges { node { id channel completedAt } } } }"""


async def test_figures_changed_behind_a_report_are_flagged(net: Network, staff: str) -> None:
    edges = (await node(net).ok(RECORDS, token=staff))["serviceRecords"]["edges"]
    zone = ZoneInfo("Asia/Shanghai")
    this_month = datetime.now(zone).strftime("%Y-%m")
    done = [
        e["node"]
        for e in edges
        if e["node"]["completedAt"]
        and datetime.fromisoformat(e["node"]["completedAt"]).astimezone(zone).strftime("%Y-%m")
        < this_month
    ]
    assert done, "the seeded node has service records completed in past months"
    record = done[0]
    period = datetime.fromisoformat(record["completedAt"]).astimezone(zone).strftime("%Y-%m")
    port = net.hub.port
    net.hub.stop()
    try:
        report = await generate(net, staff, "SERVICE_DATA", period)
        # After the report was written, the record's channel is changed in the node's database.
        flipped = "ONLINE" if record["channel"] == "OFFLINE" else "OFFLINE"
        key = parse_id(record["id"])[1]
        db_url = node(net).db_url
        await db_snapshot.execute(
            db_url,
            "update service_records set channel = $1 where id = $2",
            flipped,
            str(key) if db_url.startswith("sqlite") else key,
        )
    finally:
        net.hub.start(port=port)
    got = await verified(net, report)
    flag = next(f for f in got[report]["flags"] if f["code"] == "FIGURES_MISMATCH")
    assert "servicesOnline" in flag["detail"] and "servicesOffline" in flag["detail"]
    assert "servicesDelivered" not in flag["detail"]


async def test_a_report_whose_signature_does_not_hold_is_flagged(net: Network, staff: str) -> None:
    original = await generate(net, staff, "SERVICE_PLAN", "2025-11", "十一月计划")
    await verified(net, original)
    mine = {r["id"]: r for r in await node_reports(net, staff)}[original]
    settings = load_settings(node(net).data_dir)
    client = HubClient.of(settings)

    async def send(version: int, signature: Callable[[str], str]) -> str:
        content = json.loads(mine["content"])
        report_id = make_id(WINDOW.window_id, uuid.uuid4())
        content |= {"id": report_id, "version": version, "text": "十一月计划（改）"}
        text = canonical_json(content)
        payload = {"content": text, "signature": signature(text), "kid": client.key.kid}
        variables = {"id": str(uuid.uuid4()), "kind": "report", "payload": payload}
        answer = await client.execute(ACCEPT_MESSAGE, variables)
        assert not answer.get("errors"), answer
        return report_id

    # The content changed under the original signature: a forgery, or tampering on the way.
    forged = await send(90, lambda _: str(mine["signature"]))
    honest = await send(91, lambda text: sign(load_key(settings.key_path()), text))
    got = await verified(net, forged, honest)
    assert "BAD_SIGNATURE" in codes(got[forged])
    assert "BAD_SIGNATURE" not in codes(got[honest])


async def test_a_message_the_hub_refuses_for_good_does_not_hold_up_the_queue(
    net: Network, staff: str
) -> None:
    db_url = node(net).db_url
    # Behind the server's back: an outbox message of a kind no hub handles.
    async with open_node_db(db_url):
        async with in_transaction() as connection:
            await events.enqueue("test.no-such-kind", {"n": 1}, connection)
    behind = await generate(net, staff, "SERVICE_PLAN", "2025-12", "十二月计划")
    await verified(net, behind)
    done = smenet("node", "outbox", "--data", str(node(net).data_dir), "--failed")
    assert done.returncode == 0, done.stderr
    assert "test.no-such-kind" in done.stdout and "UNKNOWN_MESSAGE_KIND" in done.stdout
    pending = smenet("node", "outbox", "--data", str(node(net).data_dir))
    assert "0 pending messages" in pending.stdout


async def push(net: Network, content: dict[str, Any]) -> dict[str, Any]:
    """The hub's answer to a report of ``content`` signed with the window's key, pushed as
    its node would."""
    settings = load_settings(node(net).data_dir)
    client = HubClient.of(settings)
    text = canonical_json(content)
    payload = {"content": text, "signature": sign(load_key(settings.key_path()), text)}
    payload["kid"] = client.key.kid
    variables = {"id": str(uuid.uuid4()), "kind": "report", "payload": payload}
    return dict(await client.execute(ACCEPT_MESSAGE, variables))


_versions = itertools.count(1000)


async def honest_copies(
    net: Network, staff: str, count: int, **changes: Any
) -> list[dict[str, Any]]:
    """A report's content as the node wrote it, under new ids and versions, with ``changes``."""
    original = await generate(net, staff, "SERVICE_PLAN", "2026-01", "一月计划")
    content = json.loads(await content_of(net, staff, original))
    return [
        content
        | {"id": make_id(WINDOW.window_id, uuid.uuid4()), "version": next(_versions)}
        | changes
        for _ in range(count)
    ]


@pytest.mark.parametrize(
    "changes",
    [
        {"period": "2026-13"},
        {"period": "foo"},
        {"period": "2026-01", "to": "2026-12-31"},  # a later due date of its own choosing
        {"period": "2026-Q1", "from": "2026-01-01", "to": "2026-01-31"},
    ],
)
async def test_a_report_whose_period_is_not_one_or_not_its_days_is_refused(
    net: Network, staff: str, changes: dict[str, Any]
) -> None:
    [content] = await honest_copies(net, staff, 1, **changes)
    answer = await push(net, content)
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_INPUT"]
    assert content["id"] not in await hub_reports(net)


async def test_reports_the_node_cannot_check_end_unverifiable_and_hold_up_none(
    net: Network, staff: str
) -> None:
    # More than a round's batch of reports naming a figure the node's stats lack: the node
    # answers each with an error, and each check ends, flagged, rather than waiting for ever.
    stuck = []
    for content in await honest_copies(net, staff, 22, figures={"noSuchFigure": 1}):
        assert not (await push(net, content)).get("errors")
        stuck.append(content["id"])
    behind = await generate(net, staff, "SERVICE_PLAN", "2026-02", "二月计划")
    got = await verified(net, *stuck, behind)
    for report_id in stuck:
        flag = next(f for f in got[report_id]["flags"] if f["code"] == "UNVERIFIABLE")
        assert "noSuchFigure" in flag["detail"] and got[report_id]["verifyError"] is None
    assert "UNVERIFIABLE" not in codes(got[behind])


SUPERVISION = """query($w: ID!, $f: Date!, $t: Date!) {
  lateReports(fromDate: $f, toDate: $t) { id late window { id } }
  reportTimeliness(window: $w, fromDate: $f, toDate: $t) { due onTime late missing }
  missingReports(fromDate: $f, toDate: $t) { windowId kind period } }"""


async def test_the_hubs_report_views_are_for_hub_roles(net: Network, staff: str) -> None:
    anonymous = await net.hub.call(HUB_REPORTS, {"w": WINDOW.window_id})
    assert anonymous.codes == ["UNAUTHENTICATED"]
    monthly = {r["id"] for r in await node_reports(net, staff) if r["kind"] == "SERVICE_DATA"}
    variables = {"w": WINDOW.window_id, "f": "2020-01-01", "t": "2029-12-31"}
    data = await net.hub.ok(SUPERVISION, variables, token=net.admin)
    late = {r["id"] for r in data["lateReports"]}
    assert late and all(r["window"]["id"] == WINDOW.window_id for r in data["lateReports"])
    assert late <= {r["id"] for r in (await hub_reports(net)).values() if r["late"]}
    assert monthly & late  # the scheduled month's data report, due 0 days after the month
    # Connected today: no period that ended before is owed, and none has been due since.
    assert data["reportTimeliness"] == {"due": 0, "onTime": 0, "late": 0, "missing": 0}
    assert data["missingReports"] == []

    # A span past the calendar's end, of centuries or backwards is refused as input.
    for start, end in [("2000-01-01", "9999-12-31"), ("2029-12-31", "2020-01-01")]:
        for query, variables in [
            (TIMELINESS, {"w": WINDOW.window_id, "f": start, "t": end}),
            (MISSING, {"f": start, "t": end}),
        ]:
            answer = await net.hub.call(query, variables, token=net.admin)
            assert answer.codes == ["BAD_INPUT"], (query, start, end)


TIMELINESS = """query($w: ID!, $f: Date!, $t: Date!) {
  reportTimeliness(window: $w, fromDate: $f, toDate: $t) { due } }"""
MISSING = """query($f: Date!, $t: Date!) { missingReports(fromDate: $f, toDate: $t) { kind } }"""
