"""The public demand form: a plain HTML page whose submissions become demands carrying the
enterprise they claim, until staff confirm it; bad input shown again and nothing written."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.factories import create_enterprise, make_uscc, staff_and_readonly
from tests.support.node_server import NodeServer

# The form's rate limit has a node of its own (test_public_rate_limits): off for this module's.
NODE_ENV = {"SMENET_DEMAND_FORM_RATE_PER_MINUTE": "0"}
DEMAND = """query($id: ID!) { demand(id: $id) {
  status submittedBy enterprise { uscc }
  claim { name uscc regionCode industryCode contact { name phone } }
  transitions { actor } } }"""
CONFIRM = """mutation($id: ID!, $enterprise: ID!) {
  confirmDemandEnterprise(id: $id, enterpriseId: $enterprise) {
    demand { status enterprise { id uscc } claim { uscc } } warnings { code message } } }"""
ACCEPT = "mutation($id: ID!) { acceptDemand(id: $id) { demand { status } } }"
ESCALATE = "mutation($id: ID!) { escalateDemand(id: $id) { demand { status } } }"
REJECT = """mutation($id: ID!, $why: String!) {
  rejectDemand(id: $id, reason: $why) { demand { status } } }"""
ENTERPRISES = "query($k: String) { enterprises(filter: {keyword: $k}) { totalCount } }"
AUDIT = """query($o: String) { auditLog(filter: {operation: $o}) {
  edges { node { actor operation target result } } } }"""


def form_url(node: NodeServer) -> str:
    """The address of the node's public demand form."""
    return node.url.removesuffix("/graphql") + "/forms/demand"


def public_form(**fields: str) -> dict[str, str]:
    """A complete form for a new enterprise and its demand; ``fields`` override."""
    return {
        "name": "深圳市前海新材料科技有限公司",
        "uscc": make_uscc(),
        "region_code": "440305",
        "industry_code": "3985",
        "contact_name": "李华",
        "contact_phone": "13800138000",
        "category": "FINANCING",
        "title": "设备融资租赁咨询",
        "description": "计划购置生产线，需了解融资方案",
        **fields,
    }


async def post_form(node: NodeServer, form: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(form_url(node), data=form)


def reference(page: httpx.Response) -> str:
    """The demand's ID the confirmation page shows."""
    assert page.status_code == 200, page.text
    return page.text.split('class="ref">')[1].split("<")[0]


async def submitted(node: NodeServer, **fields: str) -> str:
    """Post the form and return the new demand's ID."""
    return reference(await post_form(node, public_form(**fields)))


async def registered(node: NodeServer, token: str, uscc: str) -> int:
    return int((await node.ok(ENTERPRISES, {"k": uscc}, token))["enterprises"]["totalCount"])


async def test_public_form_is_a_plain_html_page(node: NodeServer) -> None:
    async with httpx.AsyncClient() as client:
        page = await client.get(form_url(node))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for name in ("uscc", "name", "region_code", "industry_code", "contact_name", "title"):
        assert f'name="{name}"' in page.text
    # Works offline and without JavaScript: no scripts, no external stylesheets or images.
    assert "<script" not in page.text and "<link" not in page.text and "src=" not in page.text


async def test_public_form_submits_a_demand_carrying_the_claimed_enterprise(
    node: NodeServer, admin: str
) -> None:
    form = public_form(uscc=make_uscc().lower())
    demand = (await node.ok(DEMAND, {"id": reference(await post_form(node, form))}, admin))[
        "demand"
    ]
    assert demand["submittedBy"] == "public" and demand["status"] == "SUBMITTED"
    assert demand["transitions"][0]["actor"] == "public"
    # Whose it is stays a claim, checked like an enterprise's fields: nothing is registered.
    assert demand["enterprise"] is None
    assert demand["claim"] == {
        "name": form["name"],
        "uscc": form["uscc"].upper(),
        "regionCode": "440305",
        "industryCode": "3985",
        "contact": {"name": "李华", "phone": "13800138000"},
    }
    assert await registered(node, admin, form["uscc"].upper()) == 0


async def test_public_form_answers_the_same_for_a_known_and_an_unknown_credit_code(
    node: NodeServer, admin: str
) -> None:
    known_uscc = make_uscc()
    await create_enterprise(node, admin, uscc=known_uscc)
    pages = []
    for uscc in (known_uscc, make_uscc()):
        # Under a name other than the registered one too: the form never looks the code up.
        page = await post_form(node, public_form(uscc=uscc, name="某某科技有限公司"))
        pages.append((page.status_code, re.sub(r'class="ref">[^<]*', "", page.text)))
    assert pages[0] == pages[1] and pages[0][0] == 200


async def test_a_squatted_credit_code_leaves_the_real_company_registrable_by_staff(
    node: NodeServer, admin: str
) -> None:
    uscc = make_uscc()
    squatted = await submitted(node, uscc=uscc, name="冒名顶替有限公司")
    again = await submitted(node, uscc=uscc, name="深圳市真实电子有限公司")
    # The real company registers with its code, and the squatter's demand names it only.
    real = await create_enterprise(node, admin, uscc=uscc, name="深圳市真实电子有限公司")
    assert await registered(node, admin, uscc) == 1
    demand = (await node.ok(DEMAND, {"id": squatted}, admin))["demand"]
    assert demand["enterprise"] is None and demand["claim"]["name"] == "冒名顶替有限公司"
    confirmed = (await node.ok(CONFIRM, {"id": again, "enterprise": real}, admin))[
        "confirmDemandEnterprise"
    ]
    assert confirmed["demand"]["enterprise"] == {"id": real, "uscc": uscc}
    assert confirmed["warnings"] == []


async def test_staff_confirm_the_claimed_enterprise_before_the_demand_moves_on(
    node: NodeServer, admin: str
) -> None:
    tokens = await staff_and_readonly(node, admin, "form")
    demand = await submitted(node)
    claim = (await node.ok(DEMAND, {"id": demand}, admin))["demand"]["claim"]
    for step in (ACCEPT, ESCALATE):
        result = await node.call(step, {"id": demand}, tokens["STAFF"])
        assert result.codes == ["INVALID_TRANSITION"]
        assert "confirmDemandEnterprise" in result.errors[0]["message"]
    enterprise = await create_enterprise(
        node, tokens["STAFF"], uscc=claim["uscc"], name=claim["name"]
    )
    before = await node.snapshot()
    refused = await node.call(CONFIRM, {"id": demand, "enterprise": enterprise}, tokens["READONLY"])
    assert refused.codes == ["FORBIDDEN"]
    assert await node.snapshot() == before
    confirmed = await node.ok(CONFIRM, {"id": demand, "enterprise": enterprise}, tokens["STAFF"])
    assert confirmed["confirmDemandEnterprise"]["demand"]["enterprise"]["id"] == enterprise
    # Kept as the form sent it, beside the enterprise staff confirmed.
    assert confirmed["confirmDemandEnterprise"]["demand"]["claim"] == {"uscc": claim["uscc"]}
    again = await node.call(CONFIRM, {"id": demand, "enterprise": enterprise}, tokens["STAFF"])
    assert again.codes == ["INVALID_TRANSITION"]
    accepted = await node.ok(ACCEPT, {"id": demand}, tokens["STAFF"])
    assert accepted["acceptDemand"]["demand"]["status"] == "ACCEPTED"
    entries = (await node.ok(AUDIT, {"o": "confirmDemandEnterprise"}, admin))["auditLog"]["edges"]
    assert [(e["node"]["actor"], e["node"]["result"]) for e in entries][:3] == [
        ("staff-form", "INVALID_TRANSITION"),  # newest first
        ("staff-form", "OK"),
        ("readonly-form", "FORBIDDEN"),
    ]


async def test_confirming_an_enterprise_other_than_the_claimed_one_warns(
    node: NodeServer, admin: str
) -> None:
    demand = await submitted(node, name="深圳市前海新材料科技公司")
    other = await create_enterprise(node, admin)
    confirmed = (await node.ok(CONFIRM, {"id": demand, "enterprise": other}, admin))[
        "confirmDemandEnterprise"
    ]
    assert [w["code"] for w in confirmed["warnings"]] == ["CLAIM_MISMATCH", "CLAIM_MISMATCH"]


async def test_a_rejected_claim_is_never_confirmed(node: NodeServer, admin: str) -> None:
    demand = await submitted(node)
    rejected = await node.ok(REJECT, {"id": demand, "why": "虚假信息"}, admin)
    assert rejected["rejectDemand"]["demand"]["status"] == "REJECTED"
    enterprise = await create_enterprise(node, admin)
    result = await node.call(CONFIRM, {"id": demand, "enterprise": enterprise}, admin)
    assert result.codes == ["INVALID_TRANSITION"]


async def test_a_claims_contact_person_is_personal_data(node: NodeServer, admin: str) -> None:
    tokens = await staff_and_readonly(node, admin, "claim")
    demand = await submitted(node)
    result = await node.call(DEMAND, {"id": demand}, tokens["READONLY"])
    assert result.codes == ["FORBIDDEN"]
    assert result.data is not None and result.data["demand"]["claim"] is None
    public = "query($id: ID!) { demand(id: $id) { claim { name uscc } } }"
    assert (await node.ok(public, {"id": demand}, tokens["READONLY"]))["demand"]["claim"]["name"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"uscc": "91440305MA5XXXXXX1"}, "统一社会信用代码有误"),
        ({"region_code": "999999"}, "行政区划代码有误"),
        ({"contact_phone": ""}, "contact"),
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title is longer than 200"),
        ({"category": "<b>NOPE</b>"}, "&lt;b&gt;NOPE&lt;/b&gt;"),
    ],
)
async def test_public_form_shows_bad_input_again_and_writes_nothing(
    node: NodeServer, fields: dict[str, str], message: str
) -> None:
    before = await node.snapshot()
    page = await post_form(node, public_form(**fields, description="<script>alert(1)</script>"))
    assert page.status_code == 400
    assert message in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert await node.snapshot() == before
