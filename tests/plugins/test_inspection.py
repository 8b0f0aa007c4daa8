"""The inspection plugin over GraphQL: test orders through their lifecycle, refused moves and
input with their codes, roles, the turnaround indicators of constructed periods, the service tag."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from node.config import NodeSettings
from node.domain.periods import local_today
from node.plugins.manager import PluginHost
from plugins.inspection.config import InspectionConfig
from tests.support.factories import create_enterprise, create_service, staff_and_readonly
from tests.support.node_server import NodeServer

ORDER = """id enterpriseId enterpriseName labId labName serviceId sampleDescription
  sampleQuantity standard receivedOn dueOn status testingStartedAt cancelledAt cancelReason
  report { number conclusion summary reportedAt }"""
CREATE = f"""mutation($i: InspectionOrderInput!) {{ ext {{ inspection {{
  createOrder(input: $i) {{ order {{ {ORDER} }} }} }} }} }}"""
START = f"""mutation($id: ID!) {{ ext {{ inspection {{
  startTesting(id: $id) {{ order {{ {ORDER} }} }} }} }} }}"""
REPORT = f"""mutation($id: ID!, $i: InspectionReportInput!) {{ ext {{ inspection {{
  reportOrder(id: $id, input: $i) {{ order {{ {ORDER} }} }} }} }} }}"""
CANCEL = f"""mutation($id: ID!, $reason: String!) {{ ext {{ inspection {{
  cancelOrder(id: $id, reason: $reason) {{ order {{ {ORDER} }} }} }} }} }}"""
LIST = """query($f: InspectionOrderFilter, $first: Int!, $after: String) { ext { inspection {
  orders(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id status } } } } } }"""
GET = f"""query($id: ID!) {{ ext {{ inspection {{ order(id: $id) {{ {ORDER} }} }} }} }}"""
STATS = """query($from: Date!, $to: Date!) { stats(from: $from, to: $to) { ext { inspection {
  ordersReceived ordersReported reportedOnTime onTimeRate medianTurnaroundDays overdueOpen
} } } }"""
CREATE_AGENCY = "mutation($i: AgencyInput!) { createAgency(input: $i) { agency { id } } }"
TAGS = "query($id: ID!) { service(id: $id) { tags } }"
MISSING = "sz-ns:01890000-0000-7000-8000-000000000000"
# The plugin's default turnaround (no [plugins.inspection] section on the test node).
TURNAROUND_DAYS = 7


def _today() -> date:
    return local_today("Asia/Shanghai")


def _day(offset: int) -> str:
    return (_today() + timedelta(days=offset)).isoformat()


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return {"ADMIN": admin, **await staff_and_readonly(node, admin, "insp")}


@pytest.fixture(scope="module")
async def parties(node: NodeServer, tokens: dict[str, str]) -> dict[str, str]:
    """An enterprise, two labs, a testing service and a training service."""
    admin = tokens["ADMIN"]
    labs = {}
    for key, name in (("lab", "深圳市计量质量检测研究院"), ("lab2", "华南检测认证中心")):
        data = await node.ok(
            CREATE_AGENCY, {"i": {"name": name, "categories": ["QUALITY_TESTING"]}}, admin
        )
        labs[key] = data["createAgency"]["agency"]["id"]
    return {
        "enterprise": await create_enterprise(node, admin),
        **labs,
        "testing": await create_service(node, admin),
        "training": await create_service(node, admin, name="质量管理培训", category="TRAINING"),
    }


def _input(parties: dict[str, str], **fields: Any) -> dict[str, Any]:
    return {
        "enterpriseId": parties["enterprise"],
        "labId": parties["lab"],
        "sampleDescription": "LED 驱动电源 型号 PD-60",
        "standard": "GB/T 2423.1-2008",
        **fields,
    }


def _report(number: str, conclusion: str = "PASS") -> dict[str, str]:
    return {"number": number, "conclusion": conclusion, "summary": "低温试验 -25 ℃ 16 h，功能正常"}


async def _order(
    node: NodeServer, token: str, parties: dict[str, str], **fields: Any
) -> dict[str, Any]:
    data = await node.ok(CREATE, {"i": _input(parties, **fields)}, token)
    return dict(data["ext"]["inspection"]["createOrder"]["order"])


async def _move(node: NodeServer, token: str, order: str, step: str, **variables: Any) -> Any:
    query = {"start": START, "report": REPORT, "cancel": CANCEL}[step]
    return await node.call(query, {"id": order, **variables}, token)


async def _reported(
    node: NodeServer, token: str, parties: dict[str, str], number: str, **fields: Any
) -> dict[str, Any]:
    order = await _order(node, token, parties, **fields)
    assert not (await _move(node, token, order["id"], "start")).errors
    result = await _move(node, token, order["id"], "report", i=_report(number))
    assert not result.errors, result.errors
    return dict(result.data["ext"]["inspection"]["reportOrder"]["order"])


async def _stats(node: NodeServer, token: str, start: int, end: int) -> dict[str, Any]:
    data = await node.ok(STATS, {"from": _day(start), "to": _day(end)}, token)
    return dict(data["stats"]["ext"]["inspection"])


# First in the module: every order so far is one of these, so the figures are known exactly.
async def test_turnaround_indicators_of_constructed_periods(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    # Reported today: (received, due) days from today → turnaround days, on time or not.
    await _reported(node, staff, parties, "S-LATE", receivedOn=_day(-10), dueOn=_day(-3))  # 10
    await _reported(node, staff, parties, "S-DUE", receivedOn=_day(-5), dueOn=_day(0))  # 5 ok
    await _reported(node, staff, parties, "S-EARLY", receivedOn=_day(-2), dueOn=_day(5))  # 2 ok
    await _reported(node, staff, parties, "S-3", receivedOn=_day(-3), dueOn=_day(1))  # 3 ok
    overdue = await _order(node, staff, parties, receivedOn=_day(-20), dueOn=_day(-1))
    assert not (await _move(node, staff, overdue["id"], "start")).errors
    cancelled = await _order(node, staff, parties, receivedOn=_day(-20), dueOn=_day(-1))
    assert not (await _move(node, staff, cancelled["id"], "cancel", reason="样品破损")).errors
    await _order(node, staff, parties, receivedOn=_day(-1), dueOn=_day(0))  # due today: not late
    fresh = await _order(node, staff, parties)
    assert (fresh["receivedOn"], fresh["dueOn"]) == (_day(0), _day(TURNAROUND_DAYS))

    reader = tokens["READONLY"]
    # Today: the four reports, 3 on time (one on its due day), median of 2, 3, 5, 10 days;
    # open past due: only the one due yesterday still in testing (cancelled is not open).
    assert await _stats(node, reader, 0, 0) == {
        "ordersReceived": 1,
        "ordersReported": 4,
        "reportedOnTime": 3,
        "onTimeRate": 0.75,
        "medianTurnaroundDays": 4.0,
        "overdueOpen": 1,
    }
    # Up to yesterday: nothing reported yet; at its end the late one, the one still testing
    # and the one cancelled only today were open past their due days.
    assert await _stats(node, reader, -20, -1) == {
        "ordersReceived": 7,
        "ordersReported": 0,
        "reportedOnTime": 0,
        "onTimeRate": None,
        "medianTurnaroundDays": None,
        "overdueOpen": 3,
    }
    # Both ends of the period are days of it: received on day -19 or -2 counts, -20 or -1 not;
    # at the end of day -2 an order due on day -1 is not overdue yet.
    assert await _stats(node, reader, -19, -2) == {
        "ordersReceived": 4,
        "ordersReported": 0,
        "reportedOnTime": 0,
        "onTimeRate": None,
        "medianTurnaroundDays": None,
        "overdueOpen": 1,
    }
    whole = await _stats(node, reader, -20, 0)
    assert (whole["ordersReceived"], whole["ordersReported"], whole["overdueOpen"]) == (8, 4, 1)
    # An odd count: the middle value, 5 of 2, 3, 5, 10 and 20.
    await _reported(node, staff, parties, "S-ODD", receivedOn=_day(-20), dueOn=_day(-15))
    today = await _stats(node, reader, 0, 0)
    assert (today["medianTurnaroundDays"], today["reportedOnTime"]) == (5.0, 3)
    assert today["onTimeRate"] == pytest.approx(3 / 5)


async def test_order_lifecycle(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    created = await _order(
        node,
        staff,
        parties,
        serviceId=parties["testing"],
        sampleQuantity=3,
        standard="  GB/T 2423.2-2008  ",
        receivedOn=_day(-1),
        dueOn=_day(4),
    )
    assert created["status"] == "RECEIVED" and created["report"] is None
    assert created["standard"] == "GB/T 2423.2-2008" and created["sampleQuantity"] == 3
    assert (created["receivedOn"], created["dueOn"]) == (_day(-1), _day(4))
    assert created["serviceId"] == parties["testing"]
    assert created["labId"] == parties["lab"] and created["labName"] == "深圳市计量质量检测研究院"
    assert created["enterpriseId"] == parties["enterprise"] and created["enterpriseName"]
    order = created["id"]

    testing = (await _move(node, staff, order, "start")).data["ext"]["inspection"]
    assert testing["startTesting"]["order"]["status"] == "TESTING"
    assert testing["startTesting"]["order"]["testingStartedAt"] is not None
    result = await _move(node, tokens["ADMIN"], order, "report", i=_report("NS-2024-0001", "FAIL"))
    reported = result.data["ext"]["inspection"]["reportOrder"]["order"]
    assert reported["status"] == "REPORTED"
    report = reported["report"]
    assert (report["number"], report["conclusion"]) == ("NS-2024-0001", "FAIL")
    assert report["summary"].startswith("低温试验") and report["reportedAt"] is not None

    # Everyone of the window reads it, READONLY included.
    shown = await node.ok(GET, {"id": order}, tokens["READONLY"])
    assert shown["ext"]["inspection"]["order"] == reported
    missing = await node.ok(GET, {"id": MISSING}, tokens["READONLY"])
    assert missing["ext"]["inspection"]["order"] is None

    cancelled = await _order(node, staff, parties, labId=parties["lab2"])
    result = await _move(node, staff, cancelled["id"], "cancel", reason="  委托方撤回  ")
    gone = result.data["ext"]["inspection"]["cancelOrder"]["order"]
    assert gone["status"] == "CANCELLED" and gone["cancelReason"] == "委托方撤回"
    assert gone["cancelledAt"] is not None and gone["report"] is None


async def test_orders_list_filters_and_pages_newest_first(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    made = [(await _order(node, staff, parties, labId=parties["lab2"]))["id"] for _ in range(3)]
    assert not (await _move(node, staff, made[0], "start")).errors

    async def listed(token: str = staff, **variables: Any) -> dict[str, Any]:
        data = await node.ok(LIST, {"first": 100, **variables}, token)
        return dict(data["ext"]["inspection"]["orders"])

    page = await listed(f={"labId": parties["lab2"]}, first=2)
    assert [e["node"]["id"] for e in page["edges"]] == [made[2], made[1]]
    assert page["pageInfo"]["hasNextPage"]
    rest = await listed(f={"labId": parties["lab2"]}, after=page["pageInfo"]["endCursor"])
    ids = [e["node"]["id"] for e in rest["edges"]]
    assert ids[0] == made[0] and not rest["pageInfo"]["hasNextPage"]
    testing = await listed(tokens["READONLY"], f={"status": "TESTING", "labId": parties["lab2"]})
    assert [e["node"]["id"] for e in testing["edges"]] == [made[0]]
    assert (await listed(f={"labId": parties["lab2"]}))["totalCount"] == len(ids) + 2
    received = await listed(f={"status": "RECEIVED"})
    assert {e["node"]["status"] for e in received["edges"]} == {"RECEIVED"}


# Each refused move, from each state it does not start from.
REFUSED = {
    "RECEIVED": ["report"],
    "TESTING": ["start"],
    "REPORTED": ["start", "report", "cancel"],
    "CANCELLED": ["start", "report", "cancel"],
}
ARGUMENTS = {"start": {}, "report": {"i": _report("NEVER-USED")}, "cancel": {"reason": "撤回"}}


@pytest.mark.parametrize("state", sorted(REFUSED))
async def test_out_of_order_transitions_are_refused(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str], state: str
) -> None:
    staff = tokens["STAFF"]
    order = (await _order(node, staff, parties))["id"]
    steps = {
        "RECEIVED": [],
        "TESTING": ["start"],
        "REPORTED": ["start", "report"],
        "CANCELLED": ["cancel"],
    }[state]
    for step in steps:
        variables = {"i": _report(f"R-{order}")} if step == "report" else ARGUMENTS[step]
        assert not (await _move(node, staff, order, step, **variables)).errors
    before = await node.snapshot()
    for step in REFUSED[state]:
        result = await _move(node, staff, order, step, **ARGUMENTS[step])
        assert result.codes == ["INVALID_TRANSITION"], (state, step)
    assert await node.snapshot() == before
    shown = await node.ok(GET, {"id": order}, staff)
    assert shown["ext"]["inspection"]["order"]["status"] == state


async def test_unknown_order_is_not_found(node: NodeServer, tokens: dict[str, str]) -> None:
    for step in ("start", "report", "cancel"):
        result = await _move(node, tokens["STAFF"], MISSING, step, **ARGUMENTS[step])
        assert result.codes == ["NOT_FOUND"], step


async def test_duplicate_report_number_is_refused(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    await _reported(node, staff, parties, "NS-DUP-1")
    order = (await _order(node, staff, parties))["id"]
    assert not (await _move(node, staff, order, "start")).errors
    before = await node.snapshot()
    result = await _move(node, staff, order, "report", i=_report("  NS-DUP-1 "))
    assert result.codes == ["INSPECTION_DUPLICATE_REPORT_NUMBER"]
    assert await node.snapshot() == before
    # The order is still waiting for its report, and takes a new number.
    assert not (await _move(node, staff, order, "report", i=_report("NS-DUP-2"))).errors


async def test_concurrent_moves_apply_once(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    order = (await _order(node, staff, parties))["id"]
    started = await asyncio.gather(*(_move(node, staff, order, "start") for _ in range(4)))
    assert sorted(r.codes for r in started) == [[]] + [["INVALID_TRANSITION"]] * 3
    # Two orders racing for one report number: one gets it, the other is told it is taken.
    other = (await _order(node, staff, parties))["id"]
    assert not (await _move(node, staff, other, "start")).errors
    reports = await asyncio.gather(
        *(_move(node, staff, key, "report", i=_report("NS-RACE")) for key in (order, other))
    )
    assert sorted(r.codes for r in reports) == [[], ["INSPECTION_DUPLICATE_REPORT_NUMBER"]]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"receivedOn": "-2", "dueOn": "-3"}, "BAD_INPUT"),  # due before received
        ({"receivedOn": "1"}, "BAD_INPUT"),  # received in the future
        ({"standard": "   "}, "BAD_INPUT"),
        ({"sampleDescription": ""}, "BAD_INPUT"),
        ({"standard": "x" * 201}, "BAD_INPUT"),
        ({"sampleQuantity": 0}, "BAD_INPUT"),
        ({"service": "training"}, "BAD_INPUT"),  # not a QUALITY_TESTING service
        ({"enterpriseId": MISSING}, "NOT_FOUND"),
        ({"labId": MISSING}, "NOT_FOUND"),
        ({"serviceId": MISSING}, "NOT_FOUND"),
        ({"labId": "not-an-id"}, "INVALID_ID"),
    ],
)
async def test_bad_order_input_changes_nothing(
    node: NodeServer,
    tokens: dict[str, str],
    parties: dict[str, str],
    fields: dict[str, Any],
    code: str,
) -> None:
    values = dict(fields)
    for name in ("receivedOn", "dueOn"):
        if name in values:
            values[name] = _day(int(values[name]))
    if "service" in values:
        values["serviceId"] = parties[values.pop("service")]
    before = await node.snapshot()
    result = await node.call(CREATE, {"i": _input(parties, **values)}, tokens["STAFF"])
    assert result.codes == [code]
    assert await node.snapshot() == before


async def test_bad_report_and_cancel_input_changes_nothing(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    order = (await _order(node, staff, parties))["id"]
    assert not (await _move(node, staff, order, "start")).errors
    before = await node.snapshot()
    for report in ({**_report("NS-X"), "number": " "}, {**_report("NS-X"), "summary": ""}):
        assert (await _move(node, staff, order, "report", i=report)).codes == ["BAD_INPUT"]
    assert (await _move(node, staff, order, "cancel", reason="  ")).codes == ["BAD_INPUT"]
    assert await node.snapshot() == before


async def test_writes_need_staff_and_reads_a_login(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    order = (await _order(node, tokens["STAFF"], parties))["id"]
    before = await node.snapshot()
    for token, code in ((tokens["READONLY"], "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        assert (await node.call(CREATE, {"i": _input(parties)}, token)).codes == [code]
        for step in ("start", "report", "cancel"):
            assert (await _move(node, token, order, step, **ARGUMENTS[step])).codes == [code]
    assert await node.snapshot() == before
    assert (await node.call(LIST, {"first": 1})).codes == ["UNAUTHENTICATED"]
    assert (await node.call(GET, {"id": order})).codes == ["UNAUTHENTICATED"]
    assert (await node.call(STATS, {"from": _day(0), "to": _day(0)})).codes == ["UNAUTHENTICATED"]
    # WINDOW_ADMIN writes as well as STAFF.
    assert not (await _move(node, tokens["ADMIN"], order, "start")).errors


async def test_testing_services_are_tagged(
    node: NodeServer, tokens: dict[str, str], parties: dict[str, str]
) -> None:
    testing = await node.ok(TAGS, {"id": parties["testing"]}, tokens["READONLY"])
    assert "inspection:test-orders" in testing["service"]["tags"]
    training = await node.ok(TAGS, {"id": parties["training"]}, tokens["READONLY"])
    assert not [t for t in training["service"]["tags"] if t.startswith("inspection:")]


def test_turnaround_is_configured_in_its_section() -> None:
    def loaded(section: dict[str, Any]) -> Any:
        settings = NodeSettings(
            window_id="sz-ns",
            name="窗口",
            region_code="440305",
            plugins_enabled=["inspection"],
            plugins={"inspection": section},
        )
        return PluginHost(settings).load().plugins["inspection"]

    assert loaded({}).config == InspectionConfig(turnaround_days=TURNAROUND_DAYS)
    assert loaded({"turnaround_days": 3}).config == InspectionConfig(turnaround_days=3)
    assert "turnaround_days must be between 0 and 365" in loaded({"turnaround_days": -1}).load_error
    assert "must be a whole number" in loaded({"turnaround_days": "7"}).load_error
