"""The one-time feedback page: an enterprise rates a service record from a link or QR code.

Plain HTML forms with inline CSS: it works without JavaScript and without any external asset.
The page names the service and its date, never the enterprise or a person. Its links are made
from the window's ``public_url``, never from a request's headers; posts are rate-limited per
client address.
"""

from __future__ import annotations

import html
from urllib.parse import quote
from zoneinfo import ZoneInfo

import qrcode  # type: ignore[import-untyped]  # no stubs shipped
from qrcode.image.svg import SvgPathImage  # type: ignore[import-untyped]
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from federation.errors import FeedbackExists, InputError, InvalidLink
from federation.ratelimit import RateLimiter, client_address, per_minute
from node.config import NodeSettings
from node.domain import feedback
from node.domain.feedback import LinkedService, LinkProblem
from node.web.page import (
    NOINDEX_HEADERS,
    FormTooLarge,
    error_notice,
    node_settings,
    page,
    read_form,
    too_large,
    too_many_posts,
)

PAGE_PATH = "/feedback/{token}"
QR_PATH = "/feedback/{token}/qr.svg"
# A rating and a comment of at most MAX_COMMENT characters fit easily.
MAX_FORM_BYTES = 32 * 1024
MAX_FORM_FIELDS = 10
TITLE = "服务满意度评价"
RATINGS = ((5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "非常不满意"))
# The token is in the URL: keep it out of caches, referrers and search engines.
HEADERS = NOINDEX_HEADERS
# Added to the common style of node.web.page.
STYLE = """
.service{margin:0 0 1rem;color:#52606d}.service strong{color:#1f2933}
fieldset{border:0;padding:0;margin:0 0 1rem}legend{font-weight:600;margin-bottom:.5rem}
label.rating{display:flex;align-items:center;gap:.6rem;padding:.6rem .75rem;margin:.4rem 0;
border:1px solid #cbd2d9;border-radius:.5rem}
label.rating input{width:1.2rem;height:1.2rem}
textarea{min-height:6rem}
"""


def _page(settings: NodeSettings, title: str, body: str, status: int = 200) -> HTMLResponse:
    return page(settings.name, title, body, status, style=STYLE, headers=HEADERS)


def _service_line(linked: LinkedService, settings: NodeSettings) -> str:
    name = html.escape(linked.service_name)
    when = ""
    if linked.completed_at is not None:
        day = linked.completed_at.astimezone(ZoneInfo(settings.timezone)).date()
        when = f"，完成于 {day.year}年{day.month}月{day.day}日"
    return f'<p class="service">服务项目：<strong>{name}</strong>{when}</p>'


def _form(
    linked: LinkedService,
    settings: NodeSettings,
    error: str = "",
    rating: int | None = None,
    comment: str = "",
) -> str:
    choices = "".join(
        f'<label class="rating"><input type="radio" name="rating" value="{value}" required'
        f"{' checked' if value == rating else ''}> {value} 分 · {label}</label>"
        for value, label in RATINGS
    )
    notice = error_notice(error)
    # No action attribute: the form posts back to its own URL, token included.
    return (
        f"{_service_line(linked, settings)}{notice}"
        '<form method="post">'
        f"<fieldset><legend>您对本次服务的满意度</legend>{choices}</fieldset>"
        '<label for="comment">意见和建议（选填）</label>'
        f'<textarea id="comment" name="comment" maxlength="{feedback.MAX_COMMENT}">'
        f"{html.escape(comment)}</textarea>"
        '<button type="submit">提交评价</button></form>'
    )


def _refused(settings: NodeSettings, error: InvalidLink | FeedbackExists) -> HTMLResponse:
    """404 for a link that never existed; 410 for one that is spent, expired or moot."""
    if isinstance(error, FeedbackExists):
        return _page(settings, "已评价", "<p>这项服务已经收到评价，感谢您的支持。</p>", 410)
    reason = error.extensions.get("reason")
    if reason == LinkProblem.USED:
        return _page(settings, "链接已使用", "<p>这个评价链接已经使用过，不能重复提交。</p>", 410)
    if reason == LinkProblem.EXPIRED:
        message = "<p>这个评价链接已过期。如需评价，请联系服务窗口获取新的链接。</p>"
        return _page(settings, "链接已过期", message, 410)
    return _page(settings, "链接无效", "<p>找不到这个评价链接，请核对链接是否完整。</p>", 404)


async def _read_rating(request: Request) -> tuple[int | None, str]:
    """The rating (None unless 1 to 5) and the comment of a posted form; FormTooLarge."""
    try:
        form = await read_form(request, MAX_FORM_BYTES, MAX_FORM_FIELDS)
    except ValueError:
        return None, ""
    raw = form.get("rating", "").strip()
    rating = int(raw) if raw in {"1", "2", "3", "4", "5"} else None
    return rating, form.get("comment", "")


async def feedback_page(request: Request, posts: RateLimiter) -> Response:
    """GET shows the form; POST records the rating and spends the link."""
    settings, token = node_settings(request), request.path_params["token"]
    if request.method == "POST" and (wait := posts.take(client_address(request))):
        return too_many_posts(settings.name, wait, style=STYLE, headers=HEADERS)
    try:
        linked = await feedback.describe_link(token)
    except (InvalidLink, FeedbackExists) as error:
        return _refused(settings, error)
    if request.method == "GET":
        return _page(settings, TITLE, _form(linked, settings))
    try:
        rating, comment = await _read_rating(request)
    except FormTooLarge:
        return too_large(HEADERS)
    if rating is None:
        form_html = _form(linked, settings, "请选择 1 到 5 分的满意度", comment=comment)
        return _page(settings, TITLE, form_html, 400)
    try:
        await feedback.submit_feedback_by_link(token, rating, comment)
    except (InvalidLink, FeedbackExists) as error:
        return _refused(settings, error)
    except InputError:
        # Ratings were checked above: what is left is a comment over the limit.
        error_text = f"意见和建议最多 {feedback.MAX_COMMENT} 字"
        return _page(settings, TITLE, _form(linked, settings, error_text, rating, comment), 400)
    thanks = f"{_service_line(linked, settings)}<p>您的评价已提交，感谢您对我们工作的支持！</p>"
    return _page(settings, "感谢您的评价", thanks)


async def qr_code(request: Request) -> Response:
    """The QR code of the page's absolute URL, for staff to print or show."""
    token = request.path_params["token"]
    try:
        await feedback.describe_link(token)
    except (InvalidLink, FeedbackExists) as error:
        return _refused(node_settings(request), error)
    svg = qrcode.make(page_url(node_settings(request), token), image_factory=SvgPathImage)
    return Response(svg.to_string(), media_type="image/svg+xml", headers=HEADERS)


def page_url(settings: NodeSettings, token: str) -> str:
    """The page's absolute URL, under the window's public base URL."""
    return settings.public_base_url() + PAGE_PATH.format(token=quote(token, safe=""))


def qr_url(settings: NodeSettings, token: str) -> str:
    return settings.public_base_url() + QR_PATH.format(token=quote(token, safe=""))


def routes(settings: NodeSettings) -> list[BaseRoute]:
    """The page and its QR code, with the page's own rate limit of posts (``feedback_*``)."""
    posts = per_minute("feedback", settings.feedback_rate_per_minute, settings.feedback_burst)

    async def page_endpoint(request: Request) -> Response:
        return await feedback_page(request, posts)

    return [
        Route(PAGE_PATH, page_endpoint, methods=["GET", "POST"]),
        Route(QR_PATH, qr_code, methods=["GET"]),
    ]
