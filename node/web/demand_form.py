"""The public demand form: an enterprise submits a demand without an account.

A plain HTML form with inline CSS: it works without JavaScript and without any external asset.
Bad input shows the form again, filled in as sent, with what was wrong; nothing is written. The
demand carries the enterprise as the form names it until staff confirm it, so the answer never
tells whether a credit code is registered. Posts are rate-limited per client address.
"""

from __future__ import annotations

import dataclasses
import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from federation.errors import InputError
from federation.ids import make_id
from federation.labels import CATEGORY_LABELS
from federation.ratelimit import RateLimiter, client_address, per_minute
from node.config import NodeSettings
from node.domain import demands
from node.domain.catalogue import ServiceCategory
from node.web.page import (
    FormTooLarge,
    error_notice,
    node_settings,
    page,
    read_form,
    too_large,
    too_many_posts,
)

PATH = "/forms/demand"
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 20
TITLE = "提交服务需求"
# (form field, label, input type, maxlength, hint); every field is required but the description.
FIELDS = (
    ("name", "企业名称", "text", 200, ""),
    ("uscc", "统一社会信用代码", "text", 18, "18 位，见营业执照"),
    ("region_code", "所在地行政区划代码", "text", 6, "6 位数字，如 440305"),
    ("industry_code", "国民经济行业代码", "text", 5, "GB/T 4754-2017，如 3981"),
    ("contact_name", "联系人", "text", 100, ""),
    ("contact_phone", "联系电话", "tel", 64, ""),
)
# What went wrong, in the enterprise's words, by error code; the detail follows in brackets.
PROBLEMS = {
    "INVALID_USCC": "统一社会信用代码有误",
    "INVALID_REGION_CODE": "行政区划代码有误",
    "INVALID_INDUSTRY_CODE": "行业代码有误",
}
# Added to the common style of node.web.page.
STYLE = """
main{max-width:34rem}h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
small{display:block;color:#7b8794}
textarea{min-height:7rem}
button{margin-top:1.25rem}
.ref{font-family:ui-monospace,monospace;word-break:break-all;background:#f4f6f8;padding:.5rem}
"""


def _page(settings: NodeSettings, title: str, body: str, status: int = 200) -> HTMLResponse:
    return page(settings.name, title, body, status, style=STYLE)  # indexable: no secret in it


def _input(name: str, label: str, kind: str, maxlength: int, hint: str, value: str) -> str:
    note = f"<small>{html.escape(hint)}</small>" if hint else ""
    return (
        f'<label for="{name}">{label}</label>{note}'
        f'<input id="{name}" name="{name}" type="{kind}" maxlength="{maxlength}" required'
        f' value="{html.escape(value)}">'
    )


def _form(values: dict[str, str], error: str = "") -> str:
    notice = error_notice(error)
    enterprise = "".join(_input(*f, values.get(f[0], "")) for f in FIELDS)
    chosen = values.get("category", "")
    options = "".join(
        f'<option value="{c.value}"{" selected" if c.value == chosen else ""}>{label}</option>'
        for c in ServiceCategory
        if (label := CATEGORY_LABELS.get(c.value))
    )
    return (
        f'{notice}<form method="post" action="{PATH}">'
        f"<h2>企业信息</h2>{enterprise}"
        "<h2>需求内容</h2>"
        f'<label for="category">需求类别</label><select id="category" name="category" required>'
        f'<option value="">请选择</option>{options}</select>'
        '<label for="title">需求标题</label>'
        f'<input id="title" name="title" maxlength="{demands.TITLE_MAX}" required'
        f' value="{html.escape(values.get("title", ""))}">'
        '<label for="description">需求描述</label><small>希望解决的问题、时间要求等</small>'
        f'<textarea id="description" name="description" maxlength="{demands.DESCRIPTION_MAX}">'
        f"{html.escape(values.get('description', ''))}</textarea>"
        '<button type="submit">提交需求</button></form>'
    )


def _problem(error: InputError) -> str:
    prefix = PROBLEMS.get(error.code, "提交的内容有误")
    return f"{prefix}（{error.message}）"


async def demand_form(request: Request, posts: RateLimiter) -> Response:
    """GET shows the empty form; POST submits the demand and confirms it with its reference."""
    settings = node_settings(request)
    if request.method == "GET":
        return _page(settings, TITLE, _form({"region_code": settings.region_code}))
    if wait := posts.take(client_address(request)):
        return too_many_posts(settings.name, wait, style=STYLE)
    try:
        values = await read_form(request, MAX_FORM_BYTES, MAX_FORM_FIELDS)
    except FormTooLarge:
        return too_large()
    except ValueError:
        return _page(settings, TITLE, _form({}, "提交的内容有误"), 400)
    form = demands.PublicDemand(
        **{f.name: values.get(f.name, "") for f in dataclasses.fields(demands.PublicDemand)}
    )
    try:
        demand = await demands.submit_public_demand(form)
    except InputError as error:
        return _page(settings, TITLE, _form(values, _problem(error)), 400)
    reference = html.escape(make_id(settings.window_id, demand.id))
    confirmation = (
        f"<p>您的需求“{html.escape(demand.title)}”已提交，窗口工作人员将尽快与您联系。</p>"
        f'<p>需求编号（查询时请提供）：</p><p class="ref">{reference}</p>'
    )
    return _page(settings, "需求已提交", confirmation)


def routes(settings: NodeSettings) -> list[BaseRoute]:
    """The form's route, with its own rate limit of posts (``demand_form_*`` settings)."""
    posts = per_minute(
        "demand_form", settings.demand_form_rate_per_minute, settings.demand_form_burst
    )

    async def endpoint(request: Request) -> Response:
        return await demand_form(request, posts)

    return [Route(PATH, endpoint, methods=["GET", "POST"])]
