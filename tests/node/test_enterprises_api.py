"""Enterprises over GraphQL: real code validation, size class, and personal data behind roles."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import enterprise_input, make_uscc, staff_and_readonly
from tests.support.node_server import NodeServer

CREATE = """
mutation($input: EnterpriseInput!) {
  createEnterprise(input: $input) {
    enterprise { id uscc regionCode industryCode sizeClass }
    warnings { code message }
  }
}
"""
UPDATE = """
mutation($id: ID!, $input: EnterpriseUpdateInput!) {
  updateEnterprise(id: $id, input: $input) { enterprise { id sizeClass contact { name phone } } }
}
"""
DETAILS = {
    "employees": 120,
    "revenue": "8000",
    "assets": "5000",
    "contact": {"name": "王小明", "phone": "13912345678", "email": "wang@example.cn"},
}


def enterprise(**fields: Any) -> dict[str, Any]:
    """An ``EnterpriseInput`` with figures (a SMALL manufacturer) and a contact; ``fields`` override."""
    return enterprise_input(**(DETAILS | fields))


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return await staff_and_readonly(node, admin, "ent")


async def test_valid_enterprise_is_created_with_its_size_class(
    node: NodeServer, admin: str
) -> None:
    code = make_uscc().lower()
    data = await node.ok(CREATE, {"input": enterprise(uscc=f"  {code} ")}, admin)
    payload = data["createEnterprise"]
    assert payload["enterprise"]["uscc"] == code.upper()
    assert (
        payload["enterprise"]["sizeClass"] == "SMALL"
    )  # industry: 20–300 staff, 300–2000万 revenue
    assert payload["warnings"] == []


async def test_size_class_is_recomputed_when_figures_change(node: NodeServer, admin: str) -> None:
    data = await node.ok(CREATE, {"input": enterprise(employees=10, revenue="100")}, admin)
    created = data["createEnterprise"]["enterprise"]
    assert created["sizeClass"] == "MICRO"
    grown = await node.ok(
        UPDATE, {"id": created["id"], "input": {"employees": 400, "revenue": "30000"}}, admin
    )
    assert grown["updateEnterprise"]["enterprise"]["sizeClass"] == "MEDIUM"
    coarse = await node.ok(UPDATE, {"id": created["id"], "input": {"industryCode": "F"}}, admin)
    assert coarse["updateEnterprise"]["enterprise"]["sizeClass"] == "UNCLASSIFIED"


async def test_retired_region_code_is_accepted_with_a_warning(node: NodeServer, admin: str) -> None:
    data = await node.ok(
        CREATE, {"input": enterprise(uscc=make_uscc("110103"), regionCode="110103")}, admin
    )
    warnings = data["createEnterprise"]["warnings"]
    assert [w["code"] for w in warnings] == ["RETIRED_REGION_CODE"]
    assert "崇文区" in warnings[0]["message"]


@pytest.mark.parametrize(
    ("fields", "code", "reason"),
    [
        ({"uscc": "91440305MA5F"}, "INVALID_USCC", "18 characters"),
        ({"uscc": "91440305MA5FXXXXXO"}, "INVALID_USCC", "not allowed"),
        ({"uscc": "B1440305MA0000001X"}, "INVALID_USCC", "authority"),
        ({"uscc": "94440305MA0000001X"}, "INVALID_USCC", "category"),
        ({"uscc": "check"}, "INVALID_USCC", "18 characters"),
        ({"regionCode": "449999"}, "INVALID_REGION_CODE", "449999"),
        ({"regionCode": "44030"}, "INVALID_REGION_CODE", ""),
        ({"industryCode": "6510"}, "INVALID_INDUSTRY_CODE", "6511"),
        ({"industryCode": "Z"}, "INVALID_INDUSTRY_CODE", ""),
        ({"employees": -1}, "BAD_INPUT", "negative"),
        ({"name": "  "}, "BAD_INPUT", "name"),
    ],
)
async def test_bad_enterprise_input_gets_its_code_and_changes_nothing(
    node: NodeServer, admin: str, fields: dict[str, Any], code: str, reason: str
) -> None:
    before = await node.snapshot()
    result = await node.call(CREATE, {"input": enterprise(**fields)}, admin)
    assert result.codes == [code]
    assert reason in result.errors[0]["message"]
    assert await node.snapshot() == before


async def test_wrong_check_character_is_explained(node: NodeServer, admin: str) -> None:
    good = make_uscc()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    result = await node.call(CREATE, {"input": enterprise(uscc=bad)}, admin)
    assert result.codes == ["INVALID_USCC"]
    assert f"should be '{good[-1]}'" in result.errors[0]["message"]


async def test_credit_code_is_unique_per_node(node: NodeServer, admin: str) -> None:
    code = make_uscc()
    first = await node.ok(CREATE, {"input": enterprise(uscc=code)}, admin)
    before = await node.snapshot()
    assert (await node.call(CREATE, {"input": enterprise(uscc=code.lower())}, admin)).codes == [
        "DUPLICATE_USCC"
    ]
    other = await node.ok(CREATE, {"input": enterprise()}, admin)
    before = await node.snapshot()
    result = await node.call(
        UPDATE,
        {"id": other["createEnterprise"]["enterprise"]["id"], "input": {"uscc": code}},
        admin,
    )
    assert result.codes == ["DUPLICATE_USCC"]
    assert await node.snapshot() == before
    assert first["createEnterprise"]["enterprise"]["uscc"] == code


async def test_contact_person_only_for_staff_and_admins(
    node: NodeServer, admin: str, tokens: dict[str, str]
) -> None:
    await node.ok(CREATE, {"input": enterprise(name="联系人可见性测试有限公司")}, admin)
    query = '{ enterprises(filter: {keyword: "联系人可见性"}) { edges { node { name contact { name phone } } } } }'
    staff = await node.ok(query, token=tokens["STAFF"])
    assert staff["enterprises"]["edges"][0]["node"]["contact"] == {
        "name": "王小明",
        "phone": "13912345678",
    }
    readonly = await node.call(query, token=tokens["READONLY"])
    assert readonly.codes == ["FORBIDDEN"]
    assert readonly.errors[0]["path"] == ["enterprises", "edges", 0, "node", "contact"]
    assert readonly.data["enterprises"]["edges"][0]["node"] == {
        "name": "联系人可见性测试有限公司",
        "contact": None,
    }
    assert (await node.call(query)).codes == ["UNAUTHENTICATED"]


async def test_contact_person_can_be_erased(node: NodeServer, admin: str) -> None:
    data = await node.ok(CREATE, {"input": enterprise()}, admin)
    erased = await node.ok(
        UPDATE,
        {
            "id": data["createEnterprise"]["enterprise"]["id"],
            "input": {"contact": {"name": "", "phone": "", "email": ""}},
        },
        admin,
    )
    assert erased["updateEnterprise"]["enterprise"]["contact"] is None


async def test_readonly_users_cannot_change_enterprises(
    node: NodeServer, admin: str, tokens: dict[str, str]
) -> None:
    data = await node.ok(CREATE, {"input": enterprise()}, admin)
    before = await node.snapshot()
    assert (await node.call(CREATE, {"input": enterprise()}, tokens["READONLY"])).codes == [
        "FORBIDDEN"
    ]
    result = await node.call(
        UPDATE,
        {"id": data["createEnterprise"]["enterprise"]["id"], "input": {"employees": 1}},
        tokens["READONLY"],
    )
    assert result.codes == ["FORBIDDEN"]
    assert await node.snapshot() == before


async def test_filter_by_region_prefix_and_size_class(node: NodeServer, admin: str) -> None:
    await node.ok(
        CREATE,
        {
            "input": enterprise(
                name="宝安区筛选测试公司",
                uscc=make_uscc("440306"),
                regionCode="440306",
                employees=5,
                revenue="50",
            )
        },
        admin,
    )
    query = """query($f: EnterpriseFilter) { enterprises(filter: $f, first: 100) {
        edges { node { name regionCode sizeClass } } } }"""
    by_region = await node.ok(query, {"f": {"regionCode": "440306"}}, admin)
    assert [e["node"]["name"] for e in by_region["enterprises"]["edges"]] == ["宝安区筛选测试公司"]
    micro = await node.ok(query, {"f": {"regionCode": "4403", "sizeClass": "MICRO"}}, admin)
    assert all(e["node"]["sizeClass"] == "MICRO" for e in micro["enterprises"]["edges"])
    assert "宝安区筛选测试公司" in {e["node"]["name"] for e in micro["enterprises"]["edges"]}


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"revenue": "NaN"}, "BAD_INPUT"),
        ({"revenue": "999999999999.995"}, "BAD_INPUT"),
        ({"assets": "-0.01"}, "BAD_INPUT"),
        ({"revenue": "abc"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"name": "名" * 201}, "BAD_INPUT"),
        ({"contact": {"name": "名" * 101}}, "BAD_INPUT"),
    ],
)
async def test_bad_figures_and_overlong_text_are_refused(
    node: NodeServer, admin: str, variables: dict[str, Any], code: str
) -> None:
    before = await node.snapshot()
    assert (await node.call(CREATE, {"input": enterprise(**variables)}, admin)).codes == [code]
    assert await node.snapshot() == before


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"uscc": "91440305MA5F"}, "INVALID_USCC"),
        ({"regionCode": "449999"}, "INVALID_REGION_CODE"),
        ({"industryCode": "6510"}, "INVALID_INDUSTRY_CODE"),
        ({"employees": -5}, "BAD_INPUT"),
    ],
)
async def test_bad_updates_change_nothing(
    node: NodeServer, admin: str, fields: dict[str, Any], code: str
) -> None:
    data = await node.ok(CREATE, {"input": enterprise()}, admin)
    before = await node.snapshot()
    result = await node.call(
        UPDATE, {"id": data["createEnterprise"]["enterprise"]["id"], "input": fields}, admin
    )
    assert result.codes == [code]
    assert await node.snapshot() == before


async def test_unknown_enterprise_and_anonymous_changes_are_refused(
    node: NodeServer, admin: str
) -> None:
    missing = f"{node.window_id}:01a20000-0000-7000-8000-00000000abcd"
    before = await node.snapshot()
    assert (await node.call(UPDATE, {"id": missing, "input": {"employees": 3}}, admin)).codes == [
        "NOT_FOUND"
    ]
    assert (await node.call(UPDATE, {"id": missing, "input": {"employees": 3}})).codes == [
        "UNAUTHENTICATED"
    ]
    assert (await node.call(CREATE, {"input": enterprise()})).codes == ["UNAUTHENTICATED"]
    assert await node.snapshot() == before


@pytest.mark.parametrize("written", ["C39", "39", "C", "c3981"])
async def test_industry_filter_takes_every_written_form(
    node: NodeServer, admin: str, written: str
) -> None:
    await node.ok(
        CREATE,
        {"input": enterprise(name=f"行业筛选（{written}）测试公司", industryCode="3981")},
        admin,
    )
    query = """query($f: EnterpriseFilter) { enterprises(filter: $f, first: 100) { edges { node { name industryCode } } } }"""
    data = await node.ok(
        query, {"f": {"industryCode": written, "keyword": f"行业筛选（{written}）"}}, admin
    )
    assert [e["node"]["industryCode"] for e in data["enterprises"]["edges"]] == ["3981"]
