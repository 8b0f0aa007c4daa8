"""The financing plugin over GraphQL: the product catalogue, financing demands through every
transition, matching on constructed cases with known answers, roles, refused input that
changes nothing, core FINANCING demands arriving through events, and the indicators."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from node.domain.periods import local_today
from tests.support.factories import create_enterprise, create_service, staff_and_readonly
from tests.support.node_server import NodeServer

PRODUCT = """id name providerName providerKind agencyId amountMin amountMax termMinMonths
  termMaxMonths sizeClasses rateDescription active"""
DEMAND = """id enterpriseId amount termMonths purpose status approvedAmount declineReason
  coreDemandId createdBy product { id } transitions { fromStatus toStatus actor note at }"""
CREATE_PRODUCT = f"""mutation($i: FinancingProductInput!) {{ ext {{ financing {{
  createProduct(input: $i) {{ product {{ {PRODUCT} }} }} }} }} }}"""
UPDATE_PRODUCT = f"""mutation($id: ID!, $i: FinancingProductUpdateInput!) {{ ext {{ financing {{
  updateProduct(id: $id, input: $i) {{ product {{ {PRODUCT} }} }} }} }} }}"""
RETIRE_PRODUCT = f"""mutation($id: ID!) {{ ext {{ financing {{
  retireProduct(id: $id) {{ product {{ {PRODUCT} }} }} }} }} }}"""
PRODUCTS = f"""query($retired: Boolean!) {{ ext {{ financing {{
  products(includeRetired: $retired, first: 100) {{ totalCount edges {{ node {{ {PRODUCT} }} }} }}
}} }} }}"""
GET_PRODUCT = f"query($id: ID!) {{ ext {{ financing {{ product(id: $id) {{ {PRODUCT} }} }} }} }}"
CREATE_DEMAND = f"""mutation($i: FinancingDemandInput!) {{ ext {{ financing {{
  createDemand(input: $i) {{ demand {{ {DEMAND} }} }} }} }} }}"""
MATCH = f"""mutation($id: ID!, $product: ID!, $note: String) {{ ext {{ financing {{
  matchDemand(id: $id, productId: $product, note: $note) {{ demand {{ {DEMAND} }} }} }} }} }}"""
APPROVE = f"""mutation($id: ID!, $amount: Decimal!, $note: String) {{ ext {{ financing {{
  approveDemand(id: $id, approvedAmount: $amount, note: $note) {{ demand {{ {DEMAND} }} }}
}} }} }}"""
DECLINE = f"""mutation($id: ID!, $reason: String!) {{ ext {{ financing {{
  declineDemand(id: $id, reason: $reason) {{ demand {{ {DEMAND} }} }} }} }} }}"""
WITHDRAW = f"""mutation($id: ID!, $note: String) {{ ext {{ financing {{
  withdrawDemand(id: $id, note: $note) {{ demand {{ {DEMAND} }} }} }} }} }}"""
DEMANDS = """query($status: FinancingDemandStatus) { ext { financing {
  demands(status: $status, first: 100) { totalCount edges { node { id status } } } } } }"""
GET_DEMAND = f"query($id: ID!) {{ ext {{ financing {{ demand(id: $id) {{ {DEMAND} }} }} }} }}"
MATCHES = """query($id: ID!) { ext { financing { matches(demandId: $id) {
  product { id name } eligible centreDistance criteria { criterion passed reason } } } } }"""
PENDING = """{ ext { financing { pendingCoreDemands(first: 100) {
  edges { node { coreDemandId enterpriseId submittedBy receivedAt } } } } } }"""
SUBMIT_CORE = """mutation($i: SubmitDemandInput!) { submitDemand(input: $i) { demand { id } } }"""
STATS = """query($from: Date!, $to: Date!) { stats(from: $from, to: $to) { ext { financing {
  demandsReceived approvedCount approvedAmount declinedCount
  approvalRate { numerator denominator value } } } } }"""
CREATE_AGENCY = "mutation($i: AgencyInput!) { createAgency(input: $i) { agency { id } } }"
TAGS = "query($id: ID!) { service(id: $id) { tags } }"
MISSING = "sz-ns:01890000-0000-7000-8000-000000000000"

# The constructed matching case: five products (amounts in 万元, terms in months).
CATALOGUE = {
    "F1": ("F1 创业担保贷", "GUARANTEE", "10", "300", 6, 36, ["MICRO", "SMALL"]),
    "F2": ("F2 科技信用贷", "BANK", "100", "1000", 12, 36, ["SMALL", "MEDIUM"]),
    "F3": ("F3 小微快贷", "BANK", "50", "200", 1, 12, ["MICRO"]),
    "F4": ("F4 流动资金贷", "BANK", "500", "5000", 12, 60, ["MEDIUM", "LARGE"]),
    "F5": ("F5 知识产权质押融资", "OTHER", "200", "600", 12, 24, ["MICRO", "SMALL", "MEDIUM"]),
}


def product_input(**fields: Any) -> dict[str, Any]:
    return {
        "name": "科技型中小企业信用贷",
        "providerName": "招商银行深圳分行",
        "providerKind": "BANK",
        "amountMin": "100",
        "amountMax": "500",
        "termMinMonths": 6,
        "termMaxMonths": 36,
        "sizeClasses": ["SMALL", "MICRO"],
        "rateDescription": "LPR + 0.5%，担保费 1%",
        **fields,
    }


def _today() -> str:
    return local_today("Asia/Shanghai").isoformat()


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return {"ADMIN": admin, **await staff_and_readonly(node, admin, "fin")}


@pytest.fixture(scope="module")
async def enterprises(node: NodeServer, tokens: dict[str, str]) -> dict[str, str]:
    """A micro, a medium and an unclassified (industry section only) enterprise, by size."""
    staff = tokens["STAFF"]
    return {
        "MICRO": await create_enterprise(node, staff, employees=5, revenue="100"),
        "MEDIUM": await create_enterprise(node, staff, employees=500, revenue="5000"),
        "UNCLASSIFIED": await create_enterprise(node, staff, industryCode="F", employees=5),
    }


async def _product(node: NodeServer, token: str, **fields: Any) -> dict[str, Any]:
    data = await node.ok(CREATE_PRODUCT, {"i": product_input(**fields)}, token)
    return dict(data["ext"]["financing"]["createProduct"]["product"])


async def _demand(
    node: NodeServer, token: str, enterprise: str, amount: str, term: int, **fields: Any
) -> dict[str, Any]:
    demand = {
        "enterpriseId": enterprise,
        "amount": amount,
        "termMonths": term,
        "purpose": "购置生产设备",
        **fields,
    }
    data = await node.ok(CREATE_DEMAND, {"i": demand}, token)
    return dict(data["ext"]["financing"]["createDemand"]["demand"])


async def _move(node: NodeServer, token: str, mutation: str, **variables: Any) -> dict[str, Any]:
    data = await node.ok(mutation, variables, token)
    (payload,) = data["ext"]["financing"].values()
    return dict(payload["demand"])


async def _matches(node: NodeServer, token: str, demand: str, ours: set[str]) -> list[dict]:
    """The demand's matches among the products ``ours`` (other tests add their own)."""
    data = await node.ok(MATCHES, {"id": demand}, token)
    return [m for m in data["ext"]["financing"]["matches"] if m["product"]["id"] in ours]


def _failures(match: dict[str, Any]) -> dict[str, str]:
    return {c["criterion"]: c["reason"] for c in match["criteria"] if not c["passed"]}


# The catalogue


async def test_product_is_created_listed_publicly_updated_and_retired(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    admin, staff = tokens["ADMIN"], tokens["STAFF"]
    agency = await node.ok(CREATE_AGENCY, {"i": {"name": "深圳市中小企业融资担保有限公司"}}, admin)
    agency_id = agency["createAgency"]["agency"]["id"]
    product = await _product(
        node,
        staff,
        name="  创业担保贷款  ",
        providerKind="GUARANTEE",
        agencyId=agency_id,
        amountMin="10.5",
        sizeClasses=["MICRO", "SMALL", "MICRO"],
    )
    assert product["name"] == "创业担保贷款" and product["agencyId"] == agency_id
    assert product["amountMin"] == "10.50" and product["amountMax"] == "500.00"
    # Stored once each, largest first, whatever the order given.
    assert product["sizeClasses"] == ["SMALL", "MICRO"] and product["active"] is True

    listed = await node.ok(PRODUCTS, {"retired": False})  # anonymous: the public catalogue
    ids = [e["node"]["id"] for e in listed["ext"]["financing"]["products"]["edges"]]
    assert product["id"] in ids
    shown = await node.ok(GET_PRODUCT, {"id": product["id"]})
    assert shown["ext"]["financing"]["product"]["providerName"] == "招商银行深圳分行"

    changed = await node.ok(
        UPDATE_PRODUCT, {"id": product["id"], "i": {"amountMax": "800", "termMaxMonths": 60}}, admin
    )
    updated = changed["ext"]["financing"]["updateProduct"]["product"]
    assert (updated["amountMax"], updated["termMaxMonths"]) == ("800.00", 60)
    assert updated["amountMin"] == "10.50" and updated["name"] == "创业担保贷款"

    retired = await node.ok(RETIRE_PRODUCT, {"id": product["id"]}, staff)
    assert retired["ext"]["financing"]["retireProduct"]["product"]["active"] is False
    # Out of the public catalogue; the window's users still see it.
    public = await node.ok(PRODUCTS, {"retired": False})
    assert product["id"] not in [
        e["node"]["id"] for e in public["ext"]["financing"]["products"]["edges"]
    ]
    hidden = await node.ok(GET_PRODUCT, {"id": product["id"]})
    assert hidden["ext"]["financing"]["product"] is None
    everything = await node.ok(PRODUCTS, {"retired": True}, tokens["READONLY"])
    edges = everything["ext"]["financing"]["products"]["edges"]
    assert {e["node"]["id"]: e["node"]["active"] for e in edges}[product["id"]] is False
    shown = await node.ok(GET_PRODUCT, {"id": product["id"]}, tokens["READONLY"])
    assert shown["ext"]["financing"]["product"]["active"] is False

    # Retired is final.
    for mutation, variables in (
        (RETIRE_PRODUCT, {"id": product["id"]}),
        (UPDATE_PRODUCT, {"id": product["id"], "i": {"name": "新名称"}}),
    ):
        result = await node.call(mutation, variables, staff)
        assert result.codes == ["FINANCING_PRODUCT_RETIRED"]


async def test_service_of_category_financing_is_tagged_for_matchmaking(
    node: NodeServer, tokens: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    financing = await create_service(node, staff, name="融资对接服务", category="FINANCING")
    testing = await create_service(node, staff)
    assert "financing:matchmaking" in (await node.ok(TAGS, {"id": financing}))["service"]["tags"]
    assert not any(
        tag.startswith("financing:")
        for tag in (await node.ok(TAGS, {"id": testing}))["service"]["tags"]
    )


# Matching on constructed cases with known answers


@pytest.fixture(scope="module")
async def catalogue(node: NodeServer, tokens: dict[str, str]) -> dict[str, str]:
    """The products of CATALOGUE, by key → ID."""
    ids = {}
    for key, (name, kind, low, high, term_min, term_max, classes) in CATALOGUE.items():
        product = await _product(
            node,
            tokens["STAFF"],
            name=name,
            providerKind=kind,
            amountMin=low,
            amountMax=high,
            termMinMonths=term_min,
            termMaxMonths=term_max,
            sizeClasses=classes,
        )
        ids[key] = product["id"]
    return ids


async def test_micro_enterprise_matches_the_micro_products_closest_fit_first(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    staff = tokens["STAFF"]
    demand = await _demand(node, staff, enterprises["MICRO"], "150", 12)
    found = await _matches(node, tokens["READONLY"], demand["id"], set(catalogue.values()))
    by_id = {v: k for k, v in catalogue.items()}
    # Eligible: F1 (150 is 5/290 of its width from the centre 155) before F3 (25/150 from 125);
    # then one failure each, by name: F2 (size), F5 (amount); then F4 with two failures.
    assert [by_id[m["product"]["id"]] for m in found] == ["F1", "F3", "F2", "F5", "F4"]
    assert [m["eligible"] for m in found] == [True, True, False, False, False]
    assert found[0]["centreDistance"] == pytest.approx(5 / 290)
    assert found[1]["centreDistance"] == pytest.approx(25 / 150)
    assert all(m["centreDistance"] is None for m in found[2:])
    assert found[0]["criteria"] == [
        {"criterion": "AMOUNT", "passed": True, "reason": "amount 150 万元 within 10–300 万元"},
        {"criterion": "TERM", "passed": True, "reason": "term 12 months within 6–36 months"},
        {
            "criterion": "SIZE_CLASS",
            "passed": True,
            "reason": "size class MICRO served (SMALL, MICRO)",
        },
    ]
    assert _failures(found[2]) == {"SIZE_CLASS": "size class MICRO not served (MEDIUM, SMALL)"}
    assert _failures(found[3]) == {"AMOUNT": "amount 150 万元 below the minimum 200 万元"}
    assert _failures(found[4]) == {
        "AMOUNT": "amount 150 万元 below the minimum 500 万元",
        "SIZE_CLASS": "size class MICRO not served (LARGE, MEDIUM)",
    }


async def test_medium_enterprise_ranks_by_fit_not_by_name(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    staff = tokens["STAFF"]
    demand = await _demand(node, staff, enterprises["MEDIUM"], "550", 24)
    found = await _matches(node, staff, demand["id"], set(catalogue.values()))
    by_id = {v: k for k, v in catalogue.items()}
    # F2: 550 is its centre (0); F5: 150/400 from 400 (0.375); F4: 2200/4500 from 2750.
    assert [by_id[m["product"]["id"]] for m in found] == ["F2", "F5", "F4", "F1", "F3"]
    assert [m["centreDistance"] for m in found[:3]] == [
        0.0,
        pytest.approx(0.375),
        pytest.approx(2200 / 4500),
    ]
    assert _failures(found[3]) == {
        "AMOUNT": "amount 550 万元 above the maximum 300 万元",
        "SIZE_CLASS": "size class MEDIUM not served (SMALL, MICRO)",
    }
    assert _failures(found[4]) == {
        "AMOUNT": "amount 550 万元 above the maximum 200 万元",
        "TERM": "term 24 months above the maximum 12 months",
        "SIZE_CLASS": "size class MEDIUM not served (MICRO)",
    }
    # F5's term range ends at 24: the edge is inside.
    assert found[1]["criteria"][1]["reason"] == "term 24 months within 12–24 months"


async def test_unclassified_enterprise_fails_every_size_criterion_with_why(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    staff = tokens["STAFF"]
    demand = await _demand(node, staff, enterprises["UNCLASSIFIED"], "200", 12)
    found = await _matches(node, staff, demand["id"], set(catalogue.values()))
    by_id = {v: k for k, v in catalogue.items()}
    # Nothing eligible; one failure (size) each for F1, F2, F3, F5 by name, then F4 with two.
    assert [by_id[m["product"]["id"]] for m in found] == ["F1", "F2", "F3", "F5", "F4"]
    assert not any(m["eligible"] for m in found)
    for match in found:
        reason = _failures(match)["SIZE_CLASS"]
        assert reason.startswith("size class UNCLASSIFIED: the enterprise cannot be classified")
        assert "industry code is too coarse" in reason
    assert list(_failures(found[4])) == ["AMOUNT", "SIZE_CLASS"]
    result = await node.call(MATCH, {"id": demand["id"], "product": catalogue["F1"]}, staff)
    assert result.codes == ["FINANCING_PRODUCT_NOT_ELIGIBLE"]
    (reason,) = result.errors[0]["extensions"]["reasons"]
    assert reason.startswith("size class UNCLASSIFIED")


async def test_range_edges_are_inside_and_one_step_beyond_is_outside(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    product = await _product(node, staff, name="边界测试贷", sizeClasses=["MICRO"])
    ours = {product["id"]}
    micro = enterprises["MICRO"]
    cases = [
        ("100", 6, None),
        ("500", 36, None),
        ("100.00", 36, None),
        ("99.99", 6, ("AMOUNT", "amount 99.99 万元 below the minimum 100 万元")),
        ("500.01", 6, ("AMOUNT", "amount 500.01 万元 above the maximum 500 万元")),
        ("300", 5, ("TERM", "term 5 months below the minimum 6 months")),
        ("300", 37, ("TERM", "term 37 months above the maximum 36 months")),
    ]
    for amount, term, failure in cases:
        demand = await _demand(node, staff, micro, amount, term)
        (match,) = await _matches(node, staff, demand["id"], ours)
        if failure is None:
            # At either end of the amount range: half the width from its centre.
            assert match["eligible"] and match["centreDistance"] == pytest.approx(0.5), amount
            matched = await _move(node, staff, MATCH, id=demand["id"], product=product["id"])
            assert matched["status"] == "MATCHED" and matched["product"] == {"id": product["id"]}
        else:
            assert not match["eligible"] and _failures(match) == dict([failure]), amount
            result = await node.call(MATCH, {"id": demand["id"], "product": product["id"]}, staff)
            assert result.codes == ["FINANCING_PRODUCT_NOT_ELIGIBLE"]
            assert result.errors[0]["extensions"]["reasons"] == [failure[1]]
    exact = await _product(
        node, staff, name="单点额度贷", amountMin="200", amountMax="200", sizeClasses=["MICRO"]
    )
    demand = await _demand(node, staff, micro, "200", 12)
    (match,) = await _matches(node, staff, demand["id"], {exact["id"]})
    assert match["eligible"] and match["centreDistance"] == 0.0
    assert match["criteria"][0]["reason"] == "amount 200 万元 within 200–200 万元"


async def test_retired_product_is_left_out_of_matches_and_cannot_be_matched(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    product = await _product(node, staff, name="即将下架贷")
    demand = await _demand(node, staff, enterprises["MICRO"], "200", 12)
    await node.ok(RETIRE_PRODUCT, {"id": product["id"]}, staff)
    assert await _matches(node, staff, demand["id"], {product["id"]}) == []
    result = await node.call(MATCH, {"id": demand["id"], "product": product["id"]}, staff)
    assert result.codes == ["FINANCING_PRODUCT_RETIRED"]
    result = await node.call(MATCH, {"id": demand["id"], "product": MISSING}, staff)
    assert result.codes == ["NOT_FOUND"]


# Outcome tracking


async def test_demand_is_tracked_through_every_transition(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    staff, admin = tokens["STAFF"], tokens["ADMIN"]
    micro, f1 = enterprises["MICRO"], catalogue["F1"]
    approved = await _demand(node, staff, micro, "150", 12)
    assert approved["status"] == "OPEN" and approved["createdBy"] == "staff-fin"
    assert approved["amount"] == "150.00" and approved["product"] is None
    matched = await _move(node, staff, MATCH, id=approved["id"], product=f1, note="  推荐  ")
    assert matched["status"] == "MATCHED" and matched["product"] == {"id": f1}
    done = await _move(node, admin, APPROVE, id=approved["id"], amount="150", note="全额")
    assert done["status"] == "APPROVED" and done["approvedAmount"] == "150.00"
    steps = [(t["fromStatus"], t["toStatus"], t["actor"], t["note"]) for t in done["transitions"]]
    assert steps == [
        (None, "OPEN", "staff-fin", None),
        ("OPEN", "MATCHED", "staff-fin", "推荐"),
        ("MATCHED", "APPROVED", "admin", "全额"),
    ]
    times = [t["at"] for t in done["transitions"]]
    assert times == sorted(times)

    declined = await _demand(node, staff, micro, "100", 12)
    await _move(node, staff, MATCH, id=declined["id"], product=f1)
    declined = await _move(node, staff, DECLINE, id=declined["id"], reason=" 征信记录不足 ")
    assert declined["status"] == "DECLINED" and declined["declineReason"] == "征信记录不足"
    assert declined["transitions"][-1]["note"] == "征信记录不足"

    withdrawn_open = await _demand(node, staff, micro, "100", 12)
    withdrawn_open = await _move(node, staff, WITHDRAW, id=withdrawn_open["id"], note="已自筹")
    assert [t["toStatus"] for t in withdrawn_open["transitions"]] == ["OPEN", "WITHDRAWN"]
    withdrawn_matched = await _demand(node, staff, micro, "100", 12)
    await _move(node, staff, MATCH, id=withdrawn_matched["id"], product=f1)
    withdrawn_matched = await _move(node, staff, WITHDRAW, id=withdrawn_matched["id"])
    assert [t["toStatus"] for t in withdrawn_matched["transitions"]] == [
        "OPEN",
        "MATCHED",
        "WITHDRAWN",
    ]

    listed = await node.ok(DEMANDS, {"status": "DECLINED"}, tokens["READONLY"])
    edges = listed["ext"]["financing"]["demands"]["edges"]
    assert declined["id"] in [e["node"]["id"] for e in edges]
    assert {e["node"]["status"] for e in edges} == {"DECLINED"}
    shown = await node.ok(GET_DEMAND, {"id": approved["id"]}, tokens["READONLY"])
    assert shown["ext"]["financing"]["demand"]["transitions"] == done["transitions"]

    # Every move out of order, from each status, is refused and changes nothing.
    open_demand = await _demand(node, staff, micro, "100", 12)
    out_of_order: dict[str, list[tuple[str, dict[str, Any], str]]] = {
        open_demand["id"]: [
            (APPROVE, {"amount": "10"}, "APPROVED"),
            (DECLINE, {"reason": "x"}, "DECLINED"),
        ],
        approved["id"]: [
            (MATCH, {"product": f1}, "MATCHED"),
            (APPROVE, {"amount": "10"}, "APPROVED"),
            (DECLINE, {"reason": "x"}, "DECLINED"),
            (WITHDRAW, {}, "WITHDRAWN"),
        ],
        declined["id"]: [
            (MATCH, {"product": f1}, "MATCHED"),
            (APPROVE, {"amount": "10"}, "APPROVED"),
            (WITHDRAW, {}, "WITHDRAWN"),
        ],
        withdrawn_matched["id"]: [
            (MATCH, {"product": f1}, "MATCHED"),
            (APPROVE, {"amount": "10"}, "APPROVED"),
            (DECLINE, {"reason": "x"}, "DECLINED"),
            (WITHDRAW, {}, "WITHDRAWN"),
        ],
    }
    before = await node.snapshot()
    for demand_id, moves in out_of_order.items():
        for mutation, variables, to in moves:
            result = await node.call(mutation, {"id": demand_id, **variables}, staff)
            assert result.codes == ["INVALID_TRANSITION"], (demand_id, to)
            assert result.errors[0]["extensions"]["toStatus"] == to
    matched_again = await node.call(MATCH, {"id": matched["id"], "product": f1}, staff)
    assert matched_again.codes == ["INVALID_TRANSITION"]
    assert await node.snapshot() == before


async def test_approval_beyond_the_requested_amount_is_refused(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    staff = tokens["STAFF"]
    demand = await _demand(node, staff, enterprises["MICRO"], "120.50", 12)
    await _move(node, staff, MATCH, id=demand["id"], product=catalogue["F1"])
    before = await node.snapshot()
    result = await node.call(APPROVE, {"id": demand["id"], "amount": "120.51"}, staff)
    assert result.codes == ["FINANCING_APPROVAL_EXCEEDS_REQUEST"]
    for amount in ("0", "-5"):
        assert (await node.call(APPROVE, {"id": demand["id"], "amount": amount}, staff)).codes == [
            "BAD_INPUT"
        ]
    assert (await node.call(DECLINE, {"id": demand["id"], "reason": "  "}, staff)).codes == [
        "BAD_INPUT"
    ]
    assert await node.snapshot() == before
    # Less than requested is the usual outcome.
    approved = await _move(node, staff, APPROVE, id=demand["id"], amount="80")
    assert approved["status"] == "APPROVED" and approved["approvedAmount"] == "80.00"


# Roles


async def test_only_the_windows_users_read_demands_and_only_staff_write(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    readonly = tokens["READONLY"]
    demand = await _demand(node, tokens["STAFF"], enterprises["MICRO"], "150", 12)
    anonymous_reads = [
        (DEMANDS, {"status": None}),
        (GET_DEMAND, {"id": demand["id"]}),
        (MATCHES, {"id": demand["id"]}),
        (PENDING, None),
        (PRODUCTS, {"retired": True}),
        (STATS, {"from": _today(), "to": _today()}),
    ]
    for query, variables in anonymous_reads:
        assert (await node.call(query, variables)).codes == ["UNAUTHENTICATED"], query
    for query, variables in anonymous_reads:
        assert not (await node.call(query, variables, readonly)).errors, query
    writes = [
        (CREATE_PRODUCT, {"i": product_input()}),
        (UPDATE_PRODUCT, {"id": catalogue["F1"], "i": {"name": "改名"}}),
        (RETIRE_PRODUCT, {"id": catalogue["F1"]}),
        (
            CREATE_DEMAND,
            {
                "i": {
                    "enterpriseId": enterprises["MICRO"],
                    "amount": "1",
                    "termMonths": 1,
                    "purpose": "周转",
                }
            },
        ),
        (MATCH, {"id": demand["id"], "product": catalogue["F1"]}),
        (WITHDRAW, {"id": demand["id"]}),
    ]
    before = await node.snapshot()
    for mutation, variables in writes:
        assert (await node.call(mutation, variables)).codes == ["UNAUTHENTICATED"], mutation
        assert (await node.call(mutation, variables, readonly)).codes == ["FORBIDDEN"], mutation
    assert await node.snapshot() == before


# Refused input


async def test_bad_input_is_refused_with_its_code_and_changes_nothing(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    staff = tokens["STAFF"]
    micro = enterprises["MICRO"]
    demand = await _demand(node, staff, micro, "150", 12)
    bad_products: list[tuple[dict[str, Any], str]] = [
        ({"amountMin": "600"}, "BAD_INPUT"),  # above amountMax 500
        ({"amountMin": "0", "amountMax": "0"}, "BAD_INPUT"),
        ({"amountMax": "-1"}, "BAD_INPUT"),
        ({"amountMax": "1e12"}, "BAD_INPUT"),
        ({"termMinMonths": 40}, "BAD_INPUT"),  # above termMaxMonths 36
        ({"termMinMonths": 0}, "BAD_INPUT"),
        ({"termMaxMonths": 601}, "BAD_INPUT"),
        ({"sizeClasses": []}, "BAD_INPUT"),
        ({"name": "   "}, "BAD_INPUT"),
        ({"providerName": "行" * 201}, "BAD_INPUT"),
        ({"rateDescription": "x" * 2001}, "BAD_INPUT"),
        ({"agencyId": MISSING}, "NOT_FOUND"),
        ({"agencyId": "not-an-id"}, "INVALID_ID"),
        ({"sizeClasses": ["UNCLASSIFIED"]}, "GRAPHQL_VALIDATION_FAILED"),
    ]
    demand_input = {"enterpriseId": micro, "amount": "100", "termMonths": 12, "purpose": "周转"}
    bad_demands: list[tuple[dict[str, Any], str]] = [
        ({"amount": "0"}, "BAD_INPUT"),
        ({"amount": "-10"}, "BAD_INPUT"),
        ({"termMonths": 0}, "BAD_INPUT"),
        ({"termMonths": 601}, "BAD_INPUT"),
        ({"purpose": " "}, "BAD_INPUT"),
        ({"enterpriseId": MISSING}, "NOT_FOUND"),
        ({"coreDemandId": MISSING}, "NOT_FOUND"),  # no such core FINANCING demand arrived
    ]
    before = await node.snapshot()
    for fields, code in bad_products:
        result = await node.call(CREATE_PRODUCT, {"i": product_input(**fields)}, staff)
        assert result.codes == [code], fields
    for fields, code in bad_demands:
        result = await node.call(CREATE_DEMAND, {"i": {**demand_input, **fields}}, staff)
        assert result.codes == [code], fields
    for mutation, variables, code in [
        (UPDATE_PRODUCT, {"id": catalogue["F1"], "i": {"amountMin": "301"}}, "BAD_INPUT"),
        (UPDATE_PRODUCT, {"id": catalogue["F1"], "i": {"termMaxMonths": 5}}, "BAD_INPUT"),
        (UPDATE_PRODUCT, {"id": catalogue["F1"], "i": {"sizeClasses": []}}, "BAD_INPUT"),
        (UPDATE_PRODUCT, {"id": MISSING, "i": {"name": "x"}}, "NOT_FOUND"),
        (RETIRE_PRODUCT, {"id": MISSING}, "NOT_FOUND"),
        (MATCH, {"id": MISSING, "product": catalogue["F1"]}, "NOT_FOUND"),
        (MATCH, {"id": demand["id"], "product": catalogue["F4"]}, "FINANCING_PRODUCT_NOT_ELIGIBLE"),
        (MATCH, {"id": demand["id"], "product": "other-window:" + MISSING[6:]}, "NOT_FOUND"),
        (APPROVE, {"id": MISSING, "amount": "1"}, "NOT_FOUND"),
        (WITHDRAW, {"id": MISSING}, "NOT_FOUND"),
    ]:
        assert (await node.call(mutation, variables, staff)).codes == [code], variables
    assert await node.snapshot() == before
    assert (await node.call(MATCHES, {"id": MISSING}, staff)).codes == ["NOT_FOUND"]
    missing = await node.ok(GET_DEMAND, {"id": MISSING}, staff)
    assert missing["ext"]["financing"]["demand"] is None


# Core FINANCING demands arriving through events


async def _pending(node: NodeServer, token: str) -> list[dict[str, Any]]:
    data = await node.ok(PENDING, None, token)
    return [e["node"] for e in data["ext"]["financing"]["pendingCoreDemands"]["edges"]]


async def _wait_for(
    node: NodeServer, token: str, core_demand: str, timeout: float = 10
) -> list[dict[str, Any]]:
    """Pending entries of ``core_demand``, polled until one shows (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        found = [p for p in await _pending(node, token) if p["coreDemandId"] == core_demand]
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.2)


async def _sql(node: NodeServer, statement: str) -> Any:
    """Run one statement behind the node's back; the first column of the first row if any."""
    if node.db_url.startswith("sqlite://"):
        with sqlite3.connect(node.db_url.removeprefix("sqlite://")) as conn:
            row = conn.execute(statement).fetchone()
        return None if row is None else row[0]
    pg = await asyncpg.connect(node.db_url)
    try:
        return await pg.fetchval(statement)
    finally:
        await pg.close()


async def test_core_financing_demand_arrives_once_and_is_taken_in(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    micro, medium = enterprises["MICRO"], enterprises["MEDIUM"]
    submitted = {}
    for category in ("FINANCING", "TRAINING"):
        core = {"title": "申请设备贷款", "category": category, "enterpriseId": micro}
        data = await node.ok(SUBMIT_CORE, {"i": core}, staff)
        submitted[category] = data["submitDemand"]["demand"]["id"]
    core_id = submitted["FINANCING"]

    (pending,) = await _wait_for(node, tokens["READONLY"], core_id)
    assert pending["enterpriseId"] == micro and pending["submittedBy"] == "staff-fin"
    # Only category FINANCING arrives here.
    assert submitted["TRAINING"] not in [p["coreDemandId"] for p in await _pending(node, staff)]

    # Delivered again (as after a crash before the delivery was recorded): still once.
    key = core_id.split(":", 1)[1]
    event_id = await _sql(node, f"select id from domain_events where subject_id = '{key}'")
    ours = f"event_deliveries where event_id = '{event_id}' and plugin = 'financing'"
    await _sql(node, f"delete from {ours}")
    await _sql(node, f"update domain_events set dispatched_at = null where id = '{event_id}'")
    redelivered = f"select count(*) from {ours} and delivered_at is not null"
    deadline = time.monotonic() + 10
    while await _sql(node, redelivered) == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert await _sql(node, redelivered) == 1
    assert [p["coreDemandId"] for p in await _pending(node, staff)].count(core_id) == 1

    async def take_in(enterprise: str, core_demand: str) -> list[str]:
        demand = {"enterpriseId": enterprise, "amount": "100", "termMonths": 12, "purpose": "设备"}
        result = await node.call(
            CREATE_DEMAND, {"i": {**demand, "coreDemandId": core_demand}}, staff
        )
        return result.codes

    assert await take_in(medium, core_id) == ["BAD_INPUT"]  # another enterprise's
    assert await take_in(micro, submitted["TRAINING"]) == ["NOT_FOUND"]  # not a financing one
    # Taken in by staff: linked, and no longer pending; a second time is refused.
    demand = await _demand(node, staff, micro, "100", 12, coreDemandId=core_id)
    assert demand["coreDemandId"] == core_id
    assert core_id not in [p["coreDemandId"] for p in await _pending(node, staff)]
    assert await take_in(micro, core_id) == ["FINANCING_CORE_DEMAND_TAKEN"]


# Indicators


async def _stats(node: NodeServer, token: str, start: str, end: str) -> dict[str, Any]:
    data = await node.ok(STATS, {"from": start, "to": end}, token)
    return dict(data["stats"]["ext"]["financing"])


async def test_indicators_count_demands_and_outcomes_of_the_period(
    node: NodeServer, tokens: dict[str, str], enterprises: dict[str, str], catalogue: dict
) -> None:
    staff, today = tokens["STAFF"], _today()
    before = await _stats(node, tokens["READONLY"], today, today)
    micro, f1 = enterprises["MICRO"], catalogue["F1"]
    approved = [await _demand(node, staff, micro, amount, 12) for amount in ("120.50", "80")]
    declined = await _demand(node, staff, micro, "100", 12)
    await _demand(node, staff, micro, "100", 12)  # still open
    for demand, amount in zip(approved, ("100.25", "80"), strict=True):
        await _move(node, staff, MATCH, id=demand["id"], product=f1)
        await _move(node, staff, APPROVE, id=demand["id"], amount=amount)
    await _move(node, staff, MATCH, id=declined["id"], product=f1)
    await _move(node, staff, DECLINE, id=declined["id"], reason="经营流水不足")

    after = await _stats(node, tokens["READONLY"], today, today)
    assert after["demandsReceived"] - before["demandsReceived"] == 4
    assert after["approvedCount"] - before["approvedCount"] == 2
    assert Decimal(after["approvedAmount"]) - Decimal(before["approvedAmount"]) == Decimal("180.25")
    assert after["declinedCount"] - before["declinedCount"] == 1
    rate = after["approvalRate"]
    assert rate["numerator"] == after["approvedCount"]
    assert rate["denominator"] == after["approvedCount"] + after["declinedCount"]
    assert rate["value"] == pytest.approx(rate["numerator"] / rate["denominator"])

    # A period before any of it: nothing, and no rate.
    past = local_today("Asia/Shanghai") - timedelta(days=400)
    empty = await _stats(node, staff, past.isoformat(), (past + timedelta(days=30)).isoformat())
    assert empty == {
        "demandsReceived": 0,
        "approvedCount": 0,
        "approvedAmount": "0.00",
        "declinedCount": 0,
        "approvalRate": {"numerator": 0, "denominator": 0, "value": None},
    }
