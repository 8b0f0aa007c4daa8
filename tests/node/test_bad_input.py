"""Bad input at a node, on SQLite and PostgreSQL: malformed entity representations, search terms
over the limit, text that is not Unicode, values longer than their column and long IDs are each
refused with an input error code (BAD_INPUT or one under it), quote at most a bounded prefix of
the input, and change nothing — never an INTERNAL_ERROR."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from federation.inputs import SEARCH_LIMIT
from tests.support.bad_input import INPUT_CODES, LONG, UNSTORABLE, post_escaped, refused
from tests.support.factories import (
    CREATE_ENTERPRISE,
    CREATE_USER,
    PASSWORD,
    create_enterprise,
    create_service,
    enterprise_input,
    make_uscc,
)
from tests.support.node_server import NodeServer

ENTITIES = """query($r: [_Any!]!) {
  _entities(representations: $r) { __typename ... on Service { id name } } }"""
SEARCHES = {
    "services": "query($k: String) { services(filter: {keyword: $k}) { edges { node { id } } } }",
    "agencies": "query($k: String) { agencies(filter: {keyword: $k}) { edges { node { id } } } }",
    "experts": "query($k: String) { experts(filter: {specialty: $k}) { edges { node { id } } } }",
    "enterprises": """query($k: String) {
      enterprises(filter: {keyword: $k}) { edges { node { id } } } }""",
}
CREATE_AGENCY = "mutation($i: AgencyInput!) { createAgency(input: $i) { agency { id } } }"
CREATE_EXPERT = "mutation($i: ExpertInput!) { createExpert(input: $i) { expert { id } } }"
AUDIT = """query($o: String) { auditLog(filter: {operation: $o}) {
  edges { node { operation } } } }"""


async def test_malformed_entity_representations_are_bad_input_each_at_its_index(
    node: NodeServer, admin: str
) -> None:
    service = await create_service(node, admin, name="企业诊断服务")
    malformed: list[object] = [
        {},
        {"id": service},  # no __typename
        {"__typename": "Nope", "id": service},
        {"__typename": "NodeInfo"},  # a type, but no entity
        {"__typename": "Service"},  # no key
        {"__typename": "Service", "id": 5},
        {"__typename": "Service", "id": service, "name": "x"},  # more than the key
        {"__typename": "Service", "id": LONG},
        "Service",
    ]
    result = await node.call(
        ENTITIES, {"r": [*malformed, {"__typename": "Service", "id": service}]}
    )
    assert result.data is not None
    found = {"__typename": "Service", "id": service, "name": "企业诊断服务"}
    assert result.data["_entities"] == [None] * len(malformed) + [found]
    codes = {e["path"][1]: e["extensions"]["code"] for e in result.errors}
    assert sorted(codes) == list(range(len(malformed))), result.errors
    assert set(codes.values()) <= INPUT_CODES, result.errors
    assert codes[7] == "INVALID_ID"
    assert all(LONG[:100] not in e["message"] for e in result.errors)


@pytest.mark.parametrize("field", sorted(SEARCHES))
async def test_a_search_term_over_the_limit_is_limit_exceeded(
    node: NodeServer, admin: str, field: str
) -> None:
    error = refused(await node.call(SEARCHES[field], {"k": LONG}, admin))
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert str(SEARCH_LIMIT) in error["message"]
    # Up to the limit a term is searched, and finds nothing here.
    data = await node.ok(SEARCHES[field], {"k": "y" * SEARCH_LIMIT}, admin)
    assert data[field]["edges"] == []


async def test_an_enterprise_keyword_longer_than_a_credit_code_finds_the_name(
    node: NodeServer, admin: str
) -> None:
    name = "深圳市南山区智能制造与工业互联网创新研究院有限公司"
    enterprise = await create_enterprise(node, admin, name=name)
    data = await node.ok(SEARCHES["enterprises"], {"k": name[2:]}, admin)
    assert data["enterprises"]["edges"] == [{"node": {"id": enterprise}}]


@pytest.mark.parametrize("text", UNSTORABLE)
@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        pytest.param(CREATE_AGENCY, lambda t: {"i": {"name": t}}, id="agency-name"),
        pytest.param(
            CREATE_EXPERT,
            lambda t: {"i": {"name": "李工", "specialties": ["质量管理", t]}},
            id="expert-specialty",
        ),
        pytest.param(CREATE_ENTERPRISE, lambda t: {"i": enterprise_input(name=t)}, id="enterprise"),
        pytest.param(
            CREATE_USER,
            lambda t: {"i": {"username": t, "password": PASSWORD, "roles": ["STAFF"]}},
            id="username",
        ),
        pytest.param(SEARCHES["services"], lambda t: {"k": t}, id="search-term"),
    ],
)
async def test_text_no_database_can_hold_is_bad_input_and_stores_nothing(
    node: NodeServer,
    admin: str,
    operation: str,
    variables: Callable[[str], dict[str, Any]],
    text: str,
) -> None:
    before = await node.snapshot()
    refused(await post_escaped(node, operation, variables(text), admin))
    assert await node.snapshot() == before


async def test_a_nul_written_in_the_query_itself_is_bad_input(node: NodeServer, admin: str) -> None:
    before = await node.snapshot()
    mutation = 'mutation { createAgency(input: {name: "南山\\u0000窗口"}) { agency { id } } }'
    refused(await node.call(mutation, token=admin))
    assert await node.snapshot() == before


async def test_a_nul_posted_in_the_public_form_is_kept_as_a_replacement_character(
    node: NodeServer,
) -> None:
    form = {
        "name": "深圳市前海新材料科技有限公司",
        "uscc": make_uscc(),
        "region_code": "440305",
        "industry_code": "3985",
        "contact_name": "李华",
        "contact_phone": "13800138000",
        "category": "FINANCING",
        "title": "设备\x00融资",
        "description": "计划购置生产线",
    }
    async with httpx.AsyncClient() as client:
        page = await client.post(node.url.removesuffix("/graphql") + "/forms/demand", data=form)
    assert page.status_code == 200, page.text
    assert "设备\ufffd融资" in page.text


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param(AUDIT, {"o": LONG}, id="audit-operation"),  # longer than its column
        pytest.param("query($id: ID!) { service(id: $id) { id } }", {"id": LONG}, id="id"),
        pytest.param(
            "query($id: ID!) { enterprise(id: $id) { id } }", {"id": f"sz-ns:{LONG}"}, id="uuid"
        ),
        pytest.param(
            "query($a: String) { services(after: $a) { edges { node { id } } } }",
            {"a": LONG},
            id="cursor",
        ),
        pytest.param(
            """query($c: String) {
              enterprises(filter: {industryCode: $c}) { edges { node { id } } } }""",
            {"c": LONG},
            id="industry-code",
        ),
        pytest.param(
            "query($p: String) { reports(period: $p) { id } }",
            {"p": f"2026-11-{LONG}"},
            id="period",
        ),
    ],
)
async def test_a_long_value_is_refused_quoting_only_its_beginning(
    node: NodeServer, admin: str, query: str, variables: dict[str, Any]
) -> None:
    refused(await node.call(query, variables, admin))
