"""The catalogue over GraphQL on a real node: agencies, experts, services, filters and pages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.support.factories import create_user
from tests.support.node_server import NodeServer

CREATE_SERVICE = """
mutation($input: ServiceInput!) { createService(input: $input) { service { id status } } }
"""
PUBLISH = "mutation($id: ID!) { publishService(id: $id) { service { id status publishedAt } } }"
RETIRE = "mutation($id: ID!) { retireService(id: $id) { service { id status } } }"
SERVICES = """
query($filter: ServiceFilter, $first: Int! = 20, $after: String) {
  services(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name category status mode publicWelfare agency { id name } } }
  }
}
"""
FULL = {
    "function": "对送检样品开展理化性能检测并出具报告",
    "process": "线上预约—送样—检测—出具报告",
    "standard": "GB/T 2828.1-2012",
    "fee": "免费（公益性）",
    "timeLimitDays": 7,
}


async def _service(node: NodeServer, token: str, **fields: Any) -> str:
    data = await node.ok(
        CREATE_SERVICE, {"input": {"category": "QUALITY_TESTING", **fields}}, token
    )
    return str(data["createService"]["service"]["id"])


async def test_service_is_created_as_draft_and_published_with_full_disclosures(
    node: NodeServer, admin: str
) -> None:
    agency = await node.ok(
        'mutation { createAgency(input: {name: "深圳市计量质量检测研究院", '
        "categories: [QUALITY_TESTING]}) { agency { id } } }",
        token=admin,
    )
    agency_id = agency["createAgency"]["agency"]["id"]
    service_id = await _service(node, admin, name="电子产品可靠性检测", agencyId=agency_id, **FULL)
    assert service_id.startswith(f"{node.window_id}:")
    published = await node.ok(PUBLISH, {"id": service_id}, admin)
    assert published["publishService"]["service"]["status"] == "PUBLISHED"
    page = await node.ok(SERVICES, {"filter": {"keyword": "可靠性"}})
    edge = page["services"]["edges"][0]["node"]
    assert edge["agency"] == {"id": agency_id, "name": "深圳市计量质量检测研究院"}


@pytest.mark.parametrize("missing", ["function", "process", "standard", "fee", "timeLimitDays"])
async def test_service_cannot_be_published_while_a_disclosure_is_empty(
    node: NodeServer, admin: str, missing: str
) -> None:
    fields = {k: v for k, v in FULL.items() if k != missing}
    service_id = await _service(node, admin, name=f"缺少{missing}的服务", **fields)
    before = await node.snapshot()
    result = await node.call(PUBLISH, {"id": service_id}, admin)
    assert result.codes == ["INCOMPLETE_DISCLOSURE"]
    assert await node.snapshot() == before


async def test_status_moves_only_draft_published_retired(node: NodeServer, admin: str) -> None:
    service_id = await _service(node, admin, name="企业管理诊断", **FULL)
    before = await node.snapshot()
    assert (await node.call(RETIRE, {"id": service_id}, admin)).codes == ["INVALID_TRANSITION"]
    assert await node.snapshot() == before
    await node.ok(PUBLISH, {"id": service_id}, admin)
    assert (await node.call(PUBLISH, {"id": service_id}, admin)).codes == ["INVALID_TRANSITION"]
    await node.ok(RETIRE, {"id": service_id}, admin)
    before = await node.snapshot()
    update = 'mutation($id: ID!) { updateService(id: $id, input: {name: "x"}) { service { id } } }'
    assert (await node.call(update, {"id": service_id}, admin)).codes == ["INVALID_TRANSITION"]
    assert (await node.call(PUBLISH, {"id": service_id}, admin)).codes == ["INVALID_TRANSITION"]
    assert await node.snapshot() == before


async def test_anonymous_callers_see_only_published_services(node: NodeServer, admin: str) -> None:
    draft = await _service(node, admin, name="草稿中的融资服务", category="FINANCING", **FULL)
    anonymous = await node.ok(SERVICES, {"filter": {"keyword": "草稿中的融资"}})
    assert anonymous["services"]["totalCount"] == 0
    assert (await node.ok("query($id: ID!) { service(id: $id) { id } }", {"id": draft}))[
        "service"
    ] is None
    staff_view = await node.ok(SERVICES, {"filter": {"keyword": "草稿中的融资"}}, admin)
    assert [e["node"]["id"] for e in staff_view["services"]["edges"]] == [draft]


async def test_filters_by_category_welfare_mode_and_chinese_keyword(
    node: NodeServer, admin: str
) -> None:
    made = {
        "paid_online": await _service(
            node,
            admin,
            name="跨境电商运营培训",
            category="TRAINING",
            publicWelfare=False,
            mode="ONLINE",
            **FULL,
        ),
        "free_offline": await _service(
            node, admin, name="安全生产标准化培训", category="TRAINING", mode="OFFLINE", **FULL
        ),
    }
    for service_id in made.values():
        await node.ok(PUBLISH, {"id": service_id}, admin)

    async def ids(filter: dict[str, Any]) -> set[str]:
        data = await node.ok(SERVICES, {"filter": {"category": "TRAINING", **filter}})
        return {e["node"]["id"] for e in data["services"]["edges"]}

    assert await ids({}) == set(made.values())
    assert await ids({"publicWelfare": False}) == {made["paid_online"]}
    assert await ids({"mode": "OFFLINE"}) == {made["free_offline"]}
    assert await ids({"keyword": "电商"}) == {made["paid_online"]}
    assert await ids({"keyword": "标准化"}) == {made["free_offline"]}


async def test_pages_are_newest_first_and_stable_under_inserts(
    node: NodeServer, admin: str
) -> None:
    created = [
        await _service(node, admin, name=f"分页测试服务{i}", category="OTHER") for i in range(7)
    ]
    filter = {"keyword": "分页测试服务"}
    first = await node.ok(SERVICES, {"filter": filter, "first": 3}, admin)
    page1 = first["services"]
    assert [e["node"]["id"] for e in page1["edges"]] == created[::-1][:3]
    assert page1["totalCount"] == 7 and page1["pageInfo"]["hasNextPage"] is True
    # A service created between pages must not shift the next page.
    await _service(node, admin, name="分页测试服务-新增", category="OTHER")
    after = page1["pageInfo"]["endCursor"]
    second = await node.ok(SERVICES, {"filter": filter, "first": 3, "after": after}, admin)
    assert [e["node"]["id"] for e in second["services"]["edges"]] == created[::-1][3:6]
    last = await node.ok(
        SERVICES,
        {"filter": filter, "first": 3, "after": second["services"]["pageInfo"]["endCursor"]},
        admin,
    )
    assert [e["node"]["id"] for e in last["services"]["edges"]] == created[:1]
    assert last["services"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 101}, "LIMIT_EXCEEDED"),
        ({"first": -1}, "BAD_INPUT"),
        ({"after": "not-a-cursor!"}, "INVALID_CURSOR"),
        ({"filter": {"agencyId": "no-colon"}}, "INVALID_ID"),
    ],
)
async def test_bad_page_arguments_get_their_code(
    node: NodeServer, variables: dict[str, Any], code: str
) -> None:
    assert (await node.call(SERVICES, variables)).codes == [code]


async def test_bad_catalogue_input_changes_nothing(node: NodeServer, admin: str) -> None:
    before = await node.snapshot()
    cases = [
        (
            'mutation { createAgency(input: {name: "某机构", uscc: "91350100M000100Y44"}) '
            "{ agency { id } } }",
            "INVALID_USCC",
        ),
        ('mutation { createAgency(input: {name: "   "}) { agency { id } } }', "BAD_INPUT"),
        (
            'mutation { createService(input: {name: "x", category: OTHER, timeLimitDays: 0}) '
            "{ service { id } } }",
            "BAD_INPUT",
        ),
        (
            'mutation { createService(input: {name: "x", category: OTHER, '
            f'agencyId: "{node.window_id}:01a20000-0000-7000-8000-000000000000"}}) '
            "{ service { id } } }",
            "NOT_FOUND",
        ),
        (
            'mutation { publishService(id: "other-window:01a20000-0000-7000-8000-000000000000") '
            "{ service { id } } }",
            "NOT_FOUND",
        ),
    ]
    for mutation, code in cases:
        assert (await node.call(mutation, token=admin)).codes == [code], mutation
    assert await node.snapshot() == before


async def test_duplicate_agency_credit_code_is_refused(node: NodeServer, admin: str) -> None:
    create = 'mutation { createAgency(input: {name: "华南会计师事务所", uscc: "91110000600037341L"}) { agency { id } } }'
    await node.ok(create, token=admin)
    before = await node.snapshot()
    assert (await node.call(create, token=admin)).codes == ["DUPLICATE_USCC"]
    assert await node.snapshot() == before


async def test_expert_contact_details_are_hidden_from_anonymous_callers(
    node: NodeServer, admin: str
) -> None:
    await node.ok(
        'mutation { createExpert(input: {name: "李建华", title: "高级工程师", organisation: "华南理工大学", '
        'specialties: ["智能制造", "工业互联网"], phone: "13800138000", email: "li@example.cn"}) '
        "{ expert { id } } }",
        token=admin,
    )
    query = '{ experts(filter: {specialty: "智能制造"}) { edges { node { name phone email } } } }'
    public = (await node.ok(query))["experts"]["edges"][0]["node"]
    assert public == {"name": "李建华", "phone": None, "email": None}
    staff = (await node.ok(query, token=admin))["experts"]["edges"][0]["node"]
    assert staff["phone"] == "13800138000"


@pytest.mark.parametrize(
    "mutation",
    [
        'createAgency(input: {name: "x"}) { agency { id } }',
        'createExpert(input: {name: "x"}) { expert { id } }',
        'createService(input: {name: "x", category: OTHER}) { service { id } }',
    ],
)
async def test_anonymous_callers_cannot_change_the_catalogue(
    node: NodeServer, mutation: str
) -> None:
    before = await node.snapshot()
    assert (await node.call(f"mutation {{ {mutation} }}")).codes == ["UNAUTHENTICATED"]
    assert await node.snapshot() == before


@pytest.fixture(scope="module")
async def readonly(node: NodeServer, admin: str) -> str:
    return await create_user(node, admin, "catalogue-viewer", "READONLY")


async def test_readonly_users_cannot_change_the_catalogue(
    node: NodeServer, admin: str, readonly: str
) -> None:
    service_id = await _service(node, admin, name="只读用户边界测试", **FULL)
    agency = await node.ok(
        'mutation { createAgency(input: {name: "只读边界机构"}) { agency { id } } }', token=admin
    )
    expert = await node.ok(
        'mutation { createExpert(input: {name: "只读边界专家"}) { expert { id } } }', token=admin
    )
    agency_id = agency["createAgency"]["agency"]["id"]
    expert_id = expert["createExpert"]["expert"]["id"]
    before = await node.snapshot()
    attempts = [
        ('mutation { createAgency(input: {name: "x"}) { agency { id } } }', {}),
        (
            'mutation($id: ID!) { updateAgency(id: $id, input: {name: "x"}) { agency { id } } }',
            {"id": agency_id},
        ),
        ('mutation { createExpert(input: {name: "x"}) { expert { id } } }', {}),
        (
            'mutation($id: ID!) { updateExpert(id: $id, input: {name: "x"}) { expert { id } } }',
            {"id": expert_id},
        ),
        (CREATE_SERVICE, {"input": {"name": "x", "category": "OTHER"}}),
        (
            'mutation($id: ID!) { updateService(id: $id, input: {name: "x"}) { service { id } } }',
            {"id": service_id},
        ),
        (PUBLISH, {"id": service_id}),
        (RETIRE, {"id": service_id}),
    ]
    for mutation, variables in attempts:
        assert (await node.call(mutation, variables, readonly)).codes == ["FORBIDDEN"], mutation
    assert await node.snapshot() == before


async def test_bad_updates_change_nothing(node: NodeServer, admin: str) -> None:
    agency = await node.ok(
        'mutation { createAgency(input: {name: "更新校验机构"}) { agency { id } } }', token=admin
    )
    expert = await node.ok(
        'mutation { createExpert(input: {name: "更新校验专家"}) { expert { id } } }', token=admin
    )
    service_id = await _service(node, admin, name="更新校验服务", **FULL)
    await node.ok(PUBLISH, {"id": service_id}, admin)
    before = await node.snapshot()
    cases = [
        (
            'mutation($id: ID!) { updateAgency(id: $id, input: {uscc: "123"}) { agency { id } } }',
            agency["createAgency"]["agency"]["id"],
            "INVALID_USCC",
        ),
        (
            'mutation($id: ID!) { updateAgency(id: $id, input: {name: " "}) { agency { id } } }',
            agency["createAgency"]["agency"]["id"],
            "BAD_INPUT",
        ),
        (
            'mutation($id: ID!) { updateExpert(id: $id, input: {name: ""}) { expert { id } } }',
            expert["createExpert"]["expert"]["id"],
            "BAD_INPUT",
        ),
        # A published service keeps all five disclosures.
        (
            'mutation($id: ID!) { updateService(id: $id, input: {fee: ""}) { service { id } } }',
            service_id,
            "INCOMPLETE_DISCLOSURE",
        ),
    ]
    for mutation, record_id, code in cases:
        assert (await node.call(mutation, {"id": record_id}, admin)).codes == [code], mutation
    assert await node.snapshot() == before


async def test_concurrent_update_never_undoes_a_publication(node: NodeServer, admin: str) -> None:
    update = 'mutation($id: ID!) { updateService(id: $id, input: {standard: "GB/T 19001-2016"}) { service { id } } }'
    for i in range(8):
        service_id = await _service(node, admin, name=f"并发发布测试{i}", **FULL)
        await asyncio.gather(
            node.ok(update, {"id": service_id}, admin), node.ok(PUBLISH, {"id": service_id}, admin)
        )
        data = await node.ok(
            "query($id: ID!) { service(id: $id) { status standard } }", {"id": service_id}, admin
        )
        assert data["service"] == {"status": "PUBLISHED", "standard": "GB/T 19001-2016"}


async def test_text_longer_than_its_column_is_bad_input(node: NodeServer, admin: str) -> None:
    before = await node.snapshot()
    long_name = "长" * 201
    for mutation in [
        f'mutation {{ createAgency(input: {{name: "{long_name}"}}) {{ agency {{ id }} }} }}',
        f'mutation {{ createService(input: {{name: "{long_name}", category: OTHER}}) {{ service {{ id }} }} }}',
    ]:
        result = await node.call(mutation, token=admin)
        assert result.codes == ["BAD_INPUT"] and "name" in result.errors[0]["message"]
    assert await node.snapshot() == before


async def test_an_empty_page_continues_from_its_cursor(node: NodeServer, admin: str) -> None:
    for i in range(2):
        await _service(node, admin, name=f"空页测试{i}", category="OTHER")
    filter = {"keyword": "空页测试"}
    first = await node.ok(SERVICES, {"filter": filter, "first": 1}, admin)
    cursor = first["services"]["pageInfo"]["endCursor"]
    empty = await node.ok(SERVICES, {"filter": filter, "first": 0, "after": cursor}, admin)
    assert empty["services"]["edges"] == []
    assert empty["services"]["pageInfo"] == {"hasNextPage": True, "endCursor": cursor}


@pytest.mark.parametrize(
    "mutation",
    [
        'updateAgency(id: "ID", input: {name: "x"}) { agency { id } }',
        'updateExpert(id: "ID", input: {name: "x"}) { expert { id } }',
        'updateService(id: "ID", input: {name: "x"}) { service { id } }',
        'publishService(id: "ID") { service { id } }',
        'retireService(id: "ID") { service { id } }',
    ],
)
async def test_updates_of_unknown_records_are_not_found_and_anonymous_ones_unauthenticated(
    node: NodeServer, admin: str, mutation: str
) -> None:
    missing = f"{node.window_id}:01a20000-0000-7000-8000-00000000abcd"
    before = await node.snapshot()
    assert (
        await node.call(f"mutation {{ {mutation.replace('ID', missing)} }}", token=admin)
    ).codes == ["NOT_FOUND"]
    assert (await node.call(f"mutation {{ {mutation.replace('ID', missing)} }}")).codes == [
        "UNAUTHENTICATED"
    ]
    assert await node.snapshot() == before
