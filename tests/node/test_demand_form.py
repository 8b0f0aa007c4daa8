"""The public demand form: a plain HTML page whose submissions become demands, bad input shown
again and nothing written."""

from __future__ import annotations

import httpx
import pytest

from tests.support.factories import make_uscc
from tests.support.node_server import NodeServer

DEMAND = """query($id: ID!) { demand(id: $id) {
  status submittedBy enterprise { uscc } transitions { actor } } }"""


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


async def test_public_form_is_a_plain_html_page(node: NodeServer) -> None:
    async with httpx.AsyncClient() as client:
        page = await client.get(form_url(node))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for name in ("uscc", "name", "region_code", "industry_code", "contact_name", "title"):
        assert f'name="{name}"' in page.text
    # Works offline and without JavaScript: no scripts, no external stylesheets or images.
    assert "<script" not in page.text and "<link" not in page.text and "src=" not in page.text


async def test_public_form_submits_a_demand_for_a_new_enterprise(
    node: NodeServer, admin: str
) -> None:
    form = public_form()
    async with httpx.AsyncClient() as client:
        page = await client.post(form_url(node), data=form)
    assert page.status_code == 200, page.text
    reference = page.text.split('class="ref">')[1].split("<")[0]
    demand = (await node.ok(DEMAND, {"id": reference}, admin))["demand"]
    assert demand["submittedBy"] == "public"
    assert demand["status"] == "SUBMITTED"
    assert demand["enterprise"]["uscc"] == form["uscc"]
    assert demand["transitions"][0]["actor"] == "public"
    # The same enterprise again: found by its credit code, not registered twice.
    async with httpx.AsyncClient() as client:
        again = await client.post(form_url(node), data={**form, "title": "第二个需求"})
    assert again.status_code == 200
    data = await node.ok(
        "query($k: String) { enterprises(filter: {keyword: $k}) { totalCount } }",
        {"k": form["uscc"]},
        admin,
    )
    assert data["enterprises"]["totalCount"] == 1


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
    form = public_form(**fields, description="<script>alert(1)</script>")
    async with httpx.AsyncClient() as client:
        page = await client.post(form_url(node), data=form)
    assert page.status_code == 400
    assert message in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert await node.snapshot() == before


async def test_public_form_refuses_a_known_credit_code_under_another_name(
    node: NodeServer,
) -> None:
    form = public_form()
    async with httpx.AsyncClient() as client:
        assert (await client.post(form_url(node), data=form)).status_code == 200
        before = await node.snapshot()
        page = await client.post(form_url(node), data={**form, "name": "另一家公司"})
    assert page.status_code == 400
    assert await node.snapshot() == before
