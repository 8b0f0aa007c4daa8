"""What the node's HTML pages share: the page wrapper, its headers and style, and form reading.

Every page is plain HTML with inline CSS: it works without JavaScript and without any external
asset. Each page adds its own rules to the common style, and picks its headers.
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from federation.forms import FormTooLarge, read_form
from federation.ratelimit import retry_after
from node.config import NodeSettings

__all__ = [
    "HEADERS",
    "NOINDEX_HEADERS",
    "FormTooLarge",
    "error_notice",
    "node_settings",
    "page",
    "read_form",
    "too_large",
    "too_many_posts",
]

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}
# For pages whose URL carries a secret: kept out of search engines as well.
NOINDEX_HEADERS = {**HEADERS, "X-Robots-Tag": "noindex"}
STYLE = """
body{margin:0;font:16px/1.6 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;
background:#f4f6f8;color:#1f2933}
main{max-width:32rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.3rem;margin:.5rem 0 1rem}
.card{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
input:not([type=radio]),select,textarea{box-sizing:border-box;width:100%;padding:.6rem;
font:inherit;border:1px solid #cbd2d9;border-radius:.5rem;background:#fff}
button{width:100%;margin-top:1rem;padding:.8rem;font:inherit;font-weight:600;color:#fff;
background:#1a73e8;border:0;border-radius:.5rem}
.error{color:#b42318;background:#fef3f2;padding:.6rem .75rem;border-radius:.5rem}
footer{margin-top:1rem;font-size:.85rem;color:#7b8794;text-align:center}
"""


def node_settings(request: Request) -> NodeSettings:
    """The window's settings, which the app keeps in its state."""
    found: NodeSettings = request.app.state.settings
    return found


def page(
    window: str,
    title: str,
    body_html: str,
    status: int = 200,
    *,
    style: str = "",
    headers: dict[str, str] = HEADERS,
) -> HTMLResponse:
    """A whole page: `title` as heading, `body_html` (already escaped) in a card, `window` below.

    `style` is added after the common rules, so it can override them.
    """
    window, title = html.escape(window), html.escape(title)
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title} - {window}</title><style>{STYLE}{style}</style></head>"
        f'<body><main><h1>{title}</h1><div class="card">{body_html}</div>'
        f"<footer>{window}</footer></main></body></html>"
    )
    return HTMLResponse(text, status_code=status, headers=headers)


def error_notice(message: str) -> str:
    """What went wrong, escaped, above a form; nothing when there is no message."""
    return f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""


def too_large(headers: dict[str, str] = HEADERS) -> Response:
    """The answer to FormTooLarge."""
    return Response("form too large", status_code=413, headers=headers)


def too_many_posts(
    window: str, wait: float, *, style: str = "", headers: dict[str, str] = HEADERS
) -> HTMLResponse:
    """429 with ``Retry-After``: this client address posted the form too often."""
    seconds = retry_after(wait)
    when = f"{seconds} 秒" if int(seconds) < 60 else f"{-(-int(seconds) // 60)} 分钟"
    # Refused before the form is read: what was typed is still on the page the browser left.
    body = (
        f"<p>您所在网络的提交过于频繁，请在 {when}后再试。</p>"
        "<p>您填写的内容仍在上一页：稍后点击浏览器的“返回”，再次提交即可。</p>"
    )
    return page(
        window,
        "提交过于频繁",
        body,
        429,
        style=style,
        headers={**headers, "Retry-After": seconds},
    )
