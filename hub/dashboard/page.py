"""The dashboard's HTML: server-rendered, the charts' data embedded as JSON that
``static/dashboard.js`` draws with the Chart.js the hub serves itself (no CDN, no inline script)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from starlette.responses import HTMLResponse

from federation.accounts import Actor
from federation.labels import WINDOW_FAILURE_LABELS, label
from hub.dashboard.data import Dashboard, Table, WindowIndicators

__all__ = ["HEADERS", "STATIC", "dashboard_page", "login_page", "message_page"]

STATIC = "/static/dashboard"
HEADERS = {
    "Cache-Control": "no-store",
    # Not no-referrer: with it a browser posts the pages' forms with "Origin: null", and the
    # hub checks the origin of a login or logout.
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
TITLE = "监管看板"
STATUS = {
    "APPLIED": "已申报",
    "UNDER_REVIEW": "评审中",
    "REJECTED": "未通过",
    "APPROVED": "已批准",
    "IN_PUBLICITY": "公示中",
    "CONNECTED": "已接入",
    "RECTIFYING": "整改中",
    "SUSPENDED": "已暂停",
    "REVOKED": "已撤销",
}
CIRCUIT = {"CLOSED": "正常", "HALF_OPEN": "恢复探测中", "OPEN": "不可用"}


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)} - smenet 枢纽平台</title>"
        f'<link rel="stylesheet" href="{STATIC}/dashboard.css"></head>'
        f"<body>{body}</body></html>"
    )
    return HTMLResponse(text, status_code=status, headers=HEADERS)


def login_page(error: str = "", username: str = "", status: int = 200) -> HTMLResponse:
    notice = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        f'<main class="narrow"><h1>{TITLE} · 登录</h1><div class="card">{notice}'
        '<form method="post" action="/dashboard/login" id="login">'
        '<label>用户名<input name="username" autocomplete="username" required '
        f'value="{escape(username)}"></label>'
        '<label>密码<input name="password" type="password" autocomplete="current-password" '
        'required></label><button type="submit">登录</button></form></div></main>'
    )
    return _page("登录", body, status)


def message_page(title: str, message: str, status: int) -> HTMLResponse:
    body = (
        f'<main class="narrow"><h1>{escape(title)}</h1><div class="card">'
        f'<p role="alert">{escape(message)}</p>{_logout()}</div></main>'
    )
    return _page(title, body, status)


def _logout() -> str:
    return (
        '<form method="post" action="/dashboard/logout" class="logout">'
        '<button type="submit">退出登录</button></form>'
    )


def _table(table: Table, empty: str = "暂无数据") -> str:
    if not table.rows:
        return f'<p class="empty">{empty}</p>'
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{'' if c is None else escape(str(c))}</td>" for c in row) + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _windows(board: Dashboard) -> str:
    rows = [
        (
            w.name,
            w.window_id,
            w.region_code,
            STATUS.get(w.status, w.status),
            "—"
            if w.circuit is None
            else f"{CIRCUIT.get(w.circuit, w.circuit)}"
            + (f"（连续失败 {w.failures} 次）" if w.failures else ""),
        )
        for w in board.windows
    ]
    return _table(Table(("窗口", "窗口编号", "行政区划", "状态", "节点健康"), list(rows)))


def _window_indicators(window: WindowIndicators) -> str:
    name, wid = escape(window.name), escape(window.window_id)
    if window.months is None:
        code = window.failure.code if window.failure else "WINDOW_ERROR"
        reason = escape(label(WINDOW_FAILURE_LABELS, code))
        code = escape(code)
        return (
            f'<section class="window unavailable" data-window="{wid}"><h3>{name}</h3>'
            f'<p class="error">暂不可用：{reason}（{code}），其他窗口的数据不受影响。</p></section>'
        )
    return (
        f'<section class="window" data-window="{wid}"><h3>{name}</h3><div class="charts">'
        f'<figure><canvas id="services-{wid}" data-chart="services" data-window="{wid}" '
        f'role="img" aria-label="{name} 每月服务量"></canvas><figcaption>每月服务量</figcaption>'
        f'</figure><figure><canvas id="satisfaction-{wid}" data-chart="satisfaction" '
        f'data-window="{wid}" role="img" aria-label="{name} 每月满意度"></canvas>'
        "<figcaption>每月满意度（%）</figcaption></figure></div></section>"
    )


def chart_data(board: Dashboard) -> dict[str, Any]:
    """What the charts draw: windows per city, and per window its months' services delivered and
    satisfaction in percent (null where nobody rated)."""
    windows = []
    for window in board.indicators:
        if window.months is None:
            continue
        satisfaction = []
        for month in window.months:
            rate = month.figures["satisfactionRate"]
            satisfaction.append(None if rate is None else round(float(rate) * 100, 1))
        windows.append(
            {
                "id": window.window_id,
                "name": window.name,
                "months": [m.month for m in window.months],
                "services": [m.figures["servicesDelivered"] for m in window.months],
                "satisfaction": satisfaction,
            }
        )
    return {
        "regions": {
            "labels": [prefix for prefix, _ in board.regions],
            "counts": [count for _, count in board.regions],
        },
        "windows": windows,
    }


def _json_script(data: dict[str, Any]) -> str:
    # "<" escaped: no value can close the script element.
    text = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="dashboard-data">{text}</script>'


def _section(title: str, inner: str, anchor: str) -> str:
    return f'<section class="card" id="{anchor}"><h2>{escape(title)}</h2>{inner}</section>'


def _exports() -> str:
    links = [
        ("indicators", "csv", "指标 CSV"),
        ("indicators", "xlsx", "指标 XLSX"),
        ("assessments", "csv", "考核结果 CSV"),
        ("assessments", "xlsx", "考核结果 XLSX"),
    ]
    return "".join(
        f'<a class="export" href="/dashboard/export/{what}.{fmt}" download>{label}</a>'
        for what, fmt, label in links
    )


def dashboard_page(board: Dashboard, actor: Actor) -> HTMLResponse:
    regions = Table(("城市区划前缀", "在网窗口数"), [(p, n) for p, n in board.regions])
    period = f"{board.months[0].label} 至 {board.months[-1].label}" if board.months else ""
    indicators = "".join(_window_indicators(w) for w in board.indicators) or (
        '<p class="empty">暂无在网窗口</p>'
    )
    roles = "、".join(sorted(actor.roles))
    body = (
        f'<header><h1>{TITLE}</h1><span class="who">{escape(actor.username)}（{escape(roles)}）'
        f"</span>{_logout()}</header><main>"
        + _section("窗口", _windows(board), "windows")
        + _section(
            "区域分布",
            '<div class="chart-box"><canvas id="regions" data-chart="regions" role="img" '
            'aria-label="各城市在网窗口数"></canvas></div>' + _table(regions),
            "regions-section",
        )
        + _section(f"各窗口指标（{period}）", indicators, "indicators")
        + _section("考核结果", _table(board.assessments), "assessments")
        + _section("逾期报送", _table(board.late_reports), "late-reports")
        + _section("数据差异", _table(board.discrepancies), "discrepancies")
        + _section("需求调度队列", _table(board.routing_queue), "routing-queue")
        + _section("导出", _exports(), "exports")
        + "</main>"
        + _json_script(chart_data(board))
        + f'<script src="{STATIC}/chart.umd.min.js"></script>'
        + f'<script src="{STATIC}/dashboard.js"></script>'
    )
    return _page(TITLE, body)
