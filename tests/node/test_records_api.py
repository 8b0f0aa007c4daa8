"""Service records over GraphQL: lifecycle into the hash chain, refusals that change nothing."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.factories import create_enterprise, create_service, staff_and_readonly
from tests.support.node_server import NodeServer

RECORD = """
id status channel staff outcome fee agencyId startedAt completedAt
enterprise { id } service { id } demand { id status } voucher { id status }
history { position kind actor content previousHash hash serviceRecordId }
"""
START = f"""
mutation($i: StartServiceRecordInput!) {{ startServiceRecord(input: $i) {{ serviceRecord {{ {RECORD} }} }} }}
"""
COMPLETE = f"""
mutation($id: ID!, $i: CompleteServiceRecordInput!) {{
  completeServiceRecord(id: $id, input: $i) {{ serviceRecord {{ {RECORD} }} }}
}}
"""
CORRECT = f"""
mutation($id: ID!, $i: CorrectServiceRecordInput!) {{
  correctServiceRecord(id: $id, input: $i) {{ serviceRecord {{ {RECORD} }} }}
}}
"""
GET = f"query($id: ID!) {{ serviceRecord(id: $id) {{ {RECORD} }} }}"
LIST = """
query($f: ServiceRecordFilter, $first: Int! = 50, $after: String) {
  serviceRecords(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id } }
  }
}
"""
ENTRY = "query($p: Int!) { chainEntry(position: $p) { position kind hash previousHash content } }"
NODE_INFO = "{ nodeInfo { chainHead chainLength } }"
OUTCOME = "出具检测报告一份，整改建议三条"
ENTERPRISE = {
    "name": "深圳市南山区精测仪器有限公司",
    "industryCode": "4014",
    "contact": {"name": "李秀英", "phone": "13800138000"},
}


@dataclass
class Setup:
    enterprise: str
    service: str
    agency: str


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return await staff_and_readonly(node, admin, "rec")


@pytest.fixture(scope="module")
async def shared(node: NodeServer, admin: str) -> Setup:
    """A published service and an enterprise, for tests that look at one record only."""
    return await service(node, admin)


async def enterprise(node: NodeServer, admin: str) -> str:
    """An enterprise whose contact person must never reach the hashed content."""
    return await create_enterprise(node, admin, **ENTERPRISE)


async def service(node: NodeServer, admin: str, publish: bool = True, **fields: Any) -> Setup:
    """A service of a new agency (published unless told otherwise) and a new enterprise."""
    agency = await node.ok(
        'mutation { createAgency(input: {name: "深圳市计量质量检测研究院"}) { agency { id } } }',
        None,
        admin,
    )
    agency_id = str(agency["createAgency"]["agency"]["id"])
    status = "PUBLISHED" if publish else "DRAFT"
    service_id = await create_service(node, admin, status, agencyId=agency_id, **fields)
    return Setup(await enterprise(node, admin), service_id, agency_id)


async def start(node: NodeServer, token: str, setup: Setup, **fields: Any) -> dict[str, Any]:
    data = await node.ok(
        START,
        {"i": {"enterpriseId": setup.enterprise, "serviceId": setup.service, **fields}},
        token,
    )
    return dict(data["startServiceRecord"]["serviceRecord"])


async def complete(node: NodeServer, token: str, record: str, **fields: Any) -> dict[str, Any]:
    data = await node.ok(COMPLETE, {"id": record, "i": {"outcome": OUTCOME, **fields}}, token)
    return dict(data["completeServiceRecord"]["serviceRecord"])


async def refused(
    node: NodeServer, query: str, variables: dict[str, Any], token: str | None, code: str
) -> None:
    """The call gets ``code`` and no table changes (the audit log aside)."""
    before = await node.snapshot()
    result = await node.call(query, variables, token)
    assert result.codes == [code], result.errors
    assert await node.snapshot() == before


async def test_record_starts_completes_and_is_corrected_into_linked_history(
    node: NodeServer, admin: str, tokens: dict[str, str]
) -> None:
    setup = await service(node, admin, publicWelfare=False)
    started = await start(node, tokens["STAFF"], setup, channel="OFFLINE")
    assert started["status"] == "IN_PROGRESS" and started["staff"] == "staff-rec"
    assert started["agencyId"] == setup.agency  # the service's agency by default
    assert started["enterprise"]["id"] == setup.enterprise
    done = await complete(node, tokens["STAFF"], started["id"], fee="1500.50")
    assert done["status"] == "COMPLETED" and done["outcome"] == OUTCOME
    assert Decimal(done["fee"]) == Decimal("1500.50") and done["completedAt"]
    corrected = await node.ok(
        CORRECT,
        {"id": started["id"], "i": {"reason": "收费录入错误", "fee": "1200", "channel": "ONLINE"}},
        admin,
    )
    record = corrected["correctServiceRecord"]["serviceRecord"]
    assert Decimal(record["fee"]) == 1200 and record["channel"] == "ONLINE"
    assert record["outcome"] == OUTCOME and record["status"] == "COMPLETED"

    history = record["history"]
    assert [e["kind"] for e in history] == ["STARTED", "COMPLETED", "CORRECTED"]
    assert [e["actor"] for e in history] == ["staff-rec", "staff-rec", "admin"]
    assert {e["serviceRecordId"] for e in history} == {started["id"]}
    positions = [e["position"] for e in history]
    assert positions == list(range(positions[0], positions[0] + 3))
    for before, after in itertools.pairwise(history):
        assert after["previousHash"] == before["hash"]
    correction = json.loads(history[2]["content"])
    assert correction["reason"] == "收费录入错误"
    assert correction["changes"] == {"fee": "1200", "channel": "ONLINE"}
    completion = json.loads(history[1]["content"])
    assert completion["fee"] == "1500.5" and completion["outcome"] == OUTCOME
    info = (await node.ok(NODE_INFO))["nodeInfo"]
    assert info["chainLength"] == positions[-1] + 1
    assert info["chainHead"] == history[-1]["hash"]
    again = await node.call(GET, {"id": started["id"]}, tokens["READONLY"])
    # A READONLY user reads the history; the staff member's name is personal data.
    assert again.codes == ["FORBIDDEN"] and again.errors[0]["path"] == ["serviceRecord", "staff"]
    assert again.data["serviceRecord"]["history"] == history


async def test_staff_name_and_enterprise_contact_stay_out_of_the_hashed_content(
    node: NodeServer, admin: str, shared: Setup
) -> None:
    started = await start(node, admin, shared, channel="ONLINE", staff="  王建国 ")
    assert started["staff"] == "王建国"
    done = await complete(node, admin, started["id"])
    for entry in done["history"]:
        content = json.loads(entry["content"])
        assert "staff" not in content
        assert "王建国" not in entry["content"] and "李秀英" not in entry["content"]
        assert "13800138000" not in entry["content"]


async def test_chain_entry_is_found_by_position_and_null_past_the_end(
    node: NodeServer, admin: str, shared: Setup
) -> None:
    started = await start(node, admin, shared, channel="ONLINE")
    entry = started["history"][0]
    found = await node.ok(ENTRY, {"p": entry["position"]}, admin)
    assert found["chainEntry"]["hash"] == entry["hash"]
    assert found["chainEntry"]["content"] == entry["content"]
    length = (await node.ok(NODE_INFO))["nodeInfo"]["chainLength"]
    assert (await node.ok(ENTRY, {"p": length}, admin))["chainEntry"] is None
    result = await node.call(ENTRY, {"p": -1}, admin)
    assert result.codes == ["BAD_INPUT"]


async def test_each_change_writes_one_event_and_one_chain_entry(
    node: NodeServer, admin: str, shared: Setup
) -> None:

    async def one_event_and_entry(query: str, variables: dict[str, Any], kind: str) -> None:
        before = await node.snapshot()
        await node.ok(query, variables, admin)
        after = await node.snapshot()
        added = {
            table: set(rows) - set(before.get(table, []))
            for table, rows in after.items()
            if set(rows) - set(before.get(table, []))
        }
        assert len(added["domain_events"]) == 1 and len(added["chain_entries"]) == 1, added
        assert kind in added["domain_events"].pop()

    started = await start(node, admin, shared, channel="ONLINE")
    assert started["history"][0]["kind"] == "STARTED"
    await one_event_and_entry(
        COMPLETE, {"id": started["id"], "i": {"outcome": OUTCOME}}, "service_record.completed"
    )
    correction = {"id": started["id"], "i": {"reason": "补充", "outcome": "补充说明"}}
    await one_event_and_entry(CORRECT, correction, "service_record.corrected")
    other = {"enterpriseId": shared.enterprise, "serviceId": shared.service, "channel": "ONLINE"}
    await one_event_and_entry(START, {"i": other}, "service_record.started")


async def test_record_cannot_be_completed_twice(
    node: NodeServer, admin: str, shared: Setup
) -> None:
    record = (await start(node, admin, shared, channel="ONLINE"))["id"]
    await complete(node, admin, record)
    variables = {"id": record, "i": {"outcome": "再次完成"}}
    await refused(node, COMPLETE, variables, admin, "INVALID_TRANSITION")


async def test_record_cannot_be_corrected_before_it_is_completed(
    node: NodeServer, admin: str, shared: Setup
) -> None:
    record = (await start(node, admin, shared, channel="ONLINE"))["id"]
    variables = {"id": record, "i": {"reason": "录错", "outcome": "改"}}
    await refused(node, CORRECT, variables, admin, "INVALID_TRANSITION")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"reason": "  ", "outcome": "新结果"}, "BAD_INPUT"),
        ({"reason": "无变化"}, "BAD_INPUT"),
        ({"reason": "同值", "outcome": OUTCOME, "channel": "ONLINE"}, "BAD_INPUT"),
        ({"reason": "负数", "fee": "-1"}, "BAD_INPUT"),
    ],
)
async def test_bad_correction_changes_nothing(
    node: NodeServer, admin: str, shared: Setup, change: dict[str, Any], code: str
) -> None:
    record = (await start(node, admin, shared, channel="ONLINE"))["id"]
    await complete(node, admin, record)
    await refused(node, CORRECT, {"id": record, "i": change}, admin, code)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"outcome": "   "}, "BAD_INPUT"),
        ({"fee": "-0.01"}, "BAD_INPUT"),
        ({"fee": "NaN"}, "BAD_INPUT"),
        ({"fee": "1e10"}, "BAD_INPUT"),
        ({"voucherId": "sz-ns:01a20000-0000-7000-8000-000000000000"}, "NOT_FOUND"),
    ],
)
async def test_bad_completion_changes_nothing(
    node: NodeServer, admin: str, shared: Setup, fields: dict[str, Any], code: str
) -> None:
    record = (await start(node, admin, shared, channel="ONLINE"))["id"]
    variables = {"id": record, "i": {"outcome": OUTCOME, **fields}}
    await refused(node, COMPLETE, variables, admin, code)


async def test_unknown_record_is_not_found(node: NodeServer, admin: str) -> None:
    missing = "sz-ns:01a20000-0000-7000-8000-000000000000"
    await refused(node, COMPLETE, {"id": missing, "i": {"outcome": "x"}}, admin, "NOT_FOUND")
    await refused(
        node, CORRECT, {"id": missing, "i": {"reason": "x", "outcome": "y"}}, admin, "NOT_FOUND"
    )
    assert (await node.ok(GET, {"id": missing}, admin))["serviceRecord"] is None


async def test_record_starts_only_on_a_published_service(node: NodeServer, admin: str) -> None:
    draft = await service(node, admin, publish=False)
    variables = {
        "i": {"enterpriseId": draft.enterprise, "serviceId": draft.service, "channel": "ONLINE"}
    }
    await refused(node, START, variables, admin, "BAD_INPUT")
    retired = await service(node, admin)
    await node.ok(
        "mutation($id: ID!) { retireService(id: $id) { service { id } } }",
        {"id": retired.service},
        admin,
    )
    variables["i"]["serviceId"] = retired.service
    await refused(node, START, variables, admin, "BAD_INPUT")


@pytest.mark.parametrize("missing", ["enterpriseId", "serviceId", "agencyId"])
async def test_start_with_an_unknown_reference_is_not_found(
    node: NodeServer, admin: str, shared: Setup, missing: str
) -> None:
    fields = {"enterpriseId": shared.enterprise, "serviceId": shared.service, "channel": "OFFLINE"}
    fields[missing] = "sz-ns:01a20000-0000-7000-8000-000000000000"
    await refused(node, START, {"i": fields}, admin, "NOT_FOUND")


async def test_staff_name_longer_than_its_column_is_refused(
    node: NodeServer, admin: str, shared: Setup
) -> None:
    fields = {"enterpriseId": shared.enterprise, "serviceId": shared.service, "channel": "ONLINE"}
    await refused(node, START, {"i": {**fields, "staff": "名" * 101}}, admin, "BAD_INPUT")


async def test_readonly_user_cannot_start_complete_or_correct_records(
    node: NodeServer, admin: str, shared: Setup, tokens: dict[str, str]
) -> None:
    readonly = tokens["READONLY"]
    fields = {"enterpriseId": shared.enterprise, "serviceId": shared.service, "channel": "ONLINE"}
    await refused(node, START, {"i": fields}, readonly, "FORBIDDEN")
    record = (await start(node, admin, shared, channel="ONLINE"))["id"]
    await refused(node, COMPLETE, {"id": record, "i": {"outcome": "x"}}, readonly, "FORBIDDEN")
    await complete(node, admin, record)
    correction = {"id": record, "i": {"reason": "x", "outcome": "y"}}
    await refused(node, CORRECT, correction, readonly, "FORBIDDEN")
    await refused(node, CORRECT, correction, None, "UNAUTHENTICATED")


async def test_readonly_user_reads_records_and_anonymous_cannot(
    node: NodeServer, admin: str, tokens: dict[str, str]
) -> None:
    setup = await service(node, admin)
    record = (await start(node, admin, setup, channel="ONLINE"))["id"]
    page = await node.ok(LIST, {"f": {"enterpriseId": setup.enterprise}}, tokens["READONLY"])
    assert [e["node"]["id"] for e in page["serviceRecords"]["edges"]] == [record]
    position = (await node.ok(GET, {"id": record}, admin))["serviceRecord"]["history"][0]
    for query, variables in (
        (LIST, {}),
        (GET, {"id": record}),
        (ENTRY, {"p": position["position"]}),
    ):
        result = await node.call(query, variables)
        assert result.codes == ["UNAUTHENTICATED"], query


async def test_records_filter_by_enterprise_service_agency_channel_and_period(
    node: NodeServer, admin: str
) -> None:
    one, two = await service(node, admin), await service(node, admin)
    a = (await start(node, admin, one, channel="ONLINE"))["id"]
    b = (await start(node, admin, one, channel="OFFLINE"))["id"]
    c = (await start(node, admin, two, channel="ONLINE"))["id"]

    async def ids(**f: Any) -> list[str]:
        data = await node.ok(LIST, {"f": f}, admin)
        return [e["node"]["id"] for e in data["serviceRecords"]["edges"]]

    assert await ids(enterpriseId=one.enterprise) == [b, a]  # newest first
    assert await ids(serviceId=two.service) == [c]
    assert await ids(agencyId=one.agency) == [b, a]
    assert await ids(enterpriseId=one.enterprise, channel="OFFLINE") == [b]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    assert await ids(serviceId=one.service, fromDate=str(today), toDate=str(today)) == [b, a]
    assert await ids(serviceId=one.service, toDate=str(yesterday)) == []
    assert await ids(serviceId=one.service, fromDate=str(tomorrow)) == []
    page = await node.ok(LIST, {"f": {"enterpriseId": one.enterprise}, "first": 1}, admin)
    connection = page["serviceRecords"]
    assert connection["totalCount"] == 2 and connection["pageInfo"]["hasNextPage"]
    rest = await node.ok(
        LIST,
        {
            "f": {"enterpriseId": one.enterprise},
            "first": 1,
            "after": connection["pageInfo"]["endCursor"],
        },
        admin,
    )
    assert [e["node"]["id"] for e in rest["serviceRecords"]["edges"]] == [a]
    backwards = {"fromDate": str(today), "toDate": str(yesterday)}
    result = await node.call(LIST, {"f": backwards}, admin)
    assert result.codes == ["BAD_INPUT"]


async def test_completing_with_a_voucher_redeems_it_once(node: NodeServer, admin: str) -> None:
    setup = await service(node, admin, publicWelfare=False)
    valid_until = str(date.today() + timedelta(days=30))
    issued = await node.ok(
        "mutation($i: IssueVoucherInput!) { issueVoucher(input: $i) { voucher { id } } }",
        {
            "i": {
                "enterpriseId": setup.enterprise,
                "amount": "800",
                "validUntil": valid_until,
                "categories": ["QUALITY_TESTING"],
            }
        },
        admin,
    )
    voucher = issued["issueVoucher"]["voucher"]["id"]
    record = (await start(node, admin, setup, channel="OFFLINE"))["id"]
    done = await complete(node, admin, record, fee="2000", voucherId=voucher)
    assert done["voucher"] == {"id": voucher, "status": "REDEEMED"}
    assert json.loads(done["history"][-1]["content"])["voucher"] == voucher.split(":", 1)[1]
    second = (await start(node, admin, setup, channel="OFFLINE"))["id"]
    variables = {"id": second, "i": {"outcome": OUTCOME, "voucherId": voucher}}
    await refused(node, COMPLETE, variables, admin, "ALREADY_REDEEMED")


DEMAND_SUBMIT = """
mutation($i: SubmitDemandInput!) { submitDemand(input: $i) { demand { id } } }
"""


async def matched_demand(node: NodeServer, admin: str, setup: Setup, match: bool = True) -> str:
    data = await node.ok(
        DEMAND_SUBMIT,
        {
            "i": {
                "title": "出口产品需做质量检测",
                "category": "QUALITY_TESTING",
                "enterpriseId": setup.enterprise,
            }
        },
        admin,
    )
    demand = str(data["submitDemand"]["demand"]["id"])
    await node.ok(
        "mutation($id: ID!) { acceptDemand(id: $id) { demand { id } } }", {"id": demand}, admin
    )
    if match:
        await node.ok(
            "mutation($id: ID!, $s: ID!) { matchDemand(id: $id, serviceId: $s) { demand { id } } }",
            {"id": demand, "s": setup.service},
            admin,
        )
    return demand


async def test_record_for_a_demand_moves_it_in_service_then_completed(
    node: NodeServer, admin: str
) -> None:
    setup = await service(node, admin)
    demand = await matched_demand(node, admin, setup)
    started = await start(node, admin, setup, channel="OFFLINE", demandId=demand)
    assert started["demand"] == {"id": demand, "status": "IN_SERVICE"}
    assert json.loads(started["history"][0]["content"])["demand"] == demand.split(":", 1)[1]
    done = await complete(node, admin, started["id"])
    assert done["demand"] == {"id": demand, "status": "COMPLETED"}


async def test_record_refuses_an_unmatched_or_another_enterprises_demand(
    node: NodeServer, admin: str
) -> None:
    setup = await service(node, admin)
    unmatched = await matched_demand(node, admin, setup, match=False)
    fields = {"enterpriseId": setup.enterprise, "serviceId": setup.service, "channel": "ONLINE"}
    await refused(
        node, START, {"i": {**fields, "demandId": unmatched}}, admin, "INVALID_TRANSITION"
    )
    theirs = await matched_demand(node, admin, setup)
    other = await enterprise(node, admin)
    variables = {"i": {**fields, "enterpriseId": other, "demandId": theirs}}
    await refused(node, START, variables, admin, "BAD_INPUT")


async def test_names_and_free_texts_are_personal_data_hidden_from_readonly_users(
    node: NodeServer, admin: str, tokens: dict[str, str], shared: Setup
) -> None:
    record = await start(node, admin, shared, staff="李丽", channel="OFFLINE")
    query = "query($id: ID!) { serviceRecord(id: $id) { id staff } }"
    assert (await node.ok(query, {"id": record["id"]}, admin))["serviceRecord"]["staff"] == "李丽"
    hidden = await node.call(query, {"id": record["id"]}, tokens["READONLY"])
    assert hidden.codes == ["FORBIDDEN"]
    assert hidden.data == {"serviceRecord": {"id": record["id"], "staff": None}}
