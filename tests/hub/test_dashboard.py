"""The supervisor's dashboard (DESIGN §7) against a real hub and real window nodes, on both
databases: in headless Chromium (login through the form, every window's name, each chart's data
points equal to the nodes' own stats, a screenshot kept under test-artifacts/), and over HTTP
(who may see it, the session cookie, logout, exports read back, a window that is down)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jwt
import pytest
from openpyxl import load_workbook

from federation.labels import REPORT_KIND_LABELS
from federation.testing import ADMIN_PASSWORD
from tests.conftest import DATABASES
from tests.support.chromium import Chromium, artifact_dir
from tests.support.factories import create_enterprise
from tests.support.network import Network, WindowSpec, make_network
from tests.support.waiting import eventually

CITY = WindowSpec("gz-city", "广州市中小企业公共服务窗口", "440100", "comprehensive")
PARK = WindowSpec(
    "gz-hp-bio", "广州市黄埔区生物医药产业集群窗口", "440112", "industry", industries=("C27",)
)
# Onboarded, then its node stopped: the dashboard must show it unavailable and still render.
DOWN = WindowSpec("hz-bl", "惠州市博罗县中小企业服务窗口", "441322", "comprehensive")
SPECS = [CITY, PARK, DOWN]
UP = [CITY, PARK]
COOKIE = "smenet_dashboard"
SUBMIT = """mutation($i: SubmitDemandInput!) { submitDemand(input: $i) { demand { id } } }"""
ESCALATE = "mutation($id: ID!) { escalateDemand(id: $id) { demand { status } } }"
FIGURES = (
    "servicesDelivered",
    "servicesOnline",
    "servicesOffline",
    "enterprisesServed",
    "feedbackCount",
    "satisfiedFeedback",
    "satisfactionRate",
)
ROLES = {"supervisor": "SUPERVISOR", "hubops": "HUB_OPERATOR", "reviewer": "EXPERT_REVIEWER"}


@pytest.fixture(scope="module", params=DATABASES)
async def net(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_db_url: Callable[[str], str],
) -> AsyncIterator[Network]:
    network = await make_network(
        tmp_path_factory.mktemp("dashboard"),
        SPECS,
        # Last month's reports, which each node writes when it starts, are late at once.
        hub_env={"SMENET_NODE_TIMEOUT_SECONDS": "3", "SMENET_REPORT_DUE_DAYS_MONTHLY": "0"},
        db_url=lambda: make_db_url(request.param),
    )
    try:
        for username, role in ROLES.items():
            await network.hub.create_user(network.admin, username, role)
        network.nodes[DOWN.window_id].stop()
        yield network
    finally:
        network.stop()


def hub_url(net: Network) -> str:
    return f"http://127.0.0.1:{net.hub.port}"


def last_twelve_months() -> list[tuple[date, date]]:
    """The months the dashboard covers, oldest first, in the nodes' time zone."""
    first = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
    months = []
    for _ in range(12):
        next_month = (first + timedelta(days=32)).replace(day=1)
        months.append((first, next_month - timedelta(days=1)))
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


async def node_months(net: Network, window_id: str) -> dict[str, dict[str, Any]]:
    """The window's own stats per month, asked of its node by its admin: month → figures."""
    node = net.nodes[window_id]
    fields = " ".join(FIGURES)
    parts = " ".join(
        f'm{i}: stats(from: "{a}", to: "{b}") {{ {fields} }}'
        for i, (a, b) in enumerate(last_twelve_months())
    )
    data = await node.ok(f"{{ {parts} }}", token=await node.login())
    return {f"{a:%Y-%m}": data[f"m{i}"] for i, (a, _) in enumerate(last_twelve_months())}


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


@contextlib.asynccontextmanager
async def logged_in(net: Network, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client holding the session cookie of ``username``, logged in through the form."""
    async with httpx.AsyncClient(base_url=hub_url(net)) as client:
        answer = await client.post(
            "/dashboard/login", data={"username": username, "password": ADMIN_PASSWORD}
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/dashboard"
        yield client


# --- in the browser -----------------------------------------------------------------------

CHARTS = """JSON.stringify(Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')]
  .map(c => { const chart = Chart.getChart(c);
    return [c.id, { labels: chart.data.labels,
                    datasets: chart.data.datasets.map(d => ({ label: d.label, data: d.data })) }];
  })))"""


async def test_the_dashboard_in_chromium_shows_every_window_and_its_charts(
    net: Network,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = hub_url(net)
    async with Chromium.launch(tmp_path / "profile") as browser:
        # Not logged in: the login page.
        await browser.goto(f"{base}/dashboard", lands_on=f"{base}/dashboard/login")
        await browser.evaluate(
            f"""document.querySelector('input[name=username]').value = 'supervisor';
            document.querySelector('input[name=password]').value = {ADMIN_PASSWORD!r};
            document.querySelector('#login button[type=submit]').click()"""
        )
        await browser.landed(f"{base}/dashboard")
        await browser.wait_for("document.body.dataset.chartsReady === 'true'")

        text = await browser.evaluate("document.body.innerText")
        for spec in SPECS:
            assert spec.name in text
        # Every script and stylesheet came from the hub itself, and the session cookie is
        # out of the page's reach (HttpOnly).
        assets = await browser.evaluate(
            "[...document.scripts].map(s => s.src).filter(Boolean)"
            ".concat([...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href))"
        )
        assert len(assets) == 3 and all(a.startswith(f"{base}/static/dashboard/") for a in assets)
        assert COOKIE not in await browser.evaluate("document.cookie")

        charts = json.loads(await browser.evaluate(CHARTS))
        assert charts["regions"]["labels"] == ["4401", "4413"]
        assert charts["regions"]["datasets"][0]["data"] == [2, 1]
        months = [f"{a:%Y-%m}" for a, _ in last_twelve_months()]
        for spec in UP:
            own = await node_months(net, spec.window_id)
            assert sum(m["servicesDelivered"] for m in own.values()) > 0, "the seed delivers"
            services = charts[f"services-{spec.window_id}"]
            assert services["labels"] == months
            assert services["datasets"][0]["data"] == [own[m]["servicesDelivered"] for m in months]
            satisfaction = charts[f"satisfaction-{spec.window_id}"]
            assert satisfaction["labels"] == months
            assert satisfaction["datasets"][0]["data"] == [
                percent(own[m]["satisfactionRate"]) for m in months
            ]
        # The window whose node is down has no charts, and says why.
        assert not any(DOWN.window_id in chart_id for chart_id in charts)
        down = await browser.evaluate(
            f"document.querySelector('section[data-window=\"{DOWN.window_id}\"]').innerText"
        )
        assert "WINDOW_UNAVAILABLE" in down
        assert set(charts) == {"regions"} | {
            f"{kind}-{spec.window_id}" for spec in UP for kind in ("services", "satisfaction")
        }

        shot = artifact_dir() / f"dashboard-{request.node.callspec.id}.png"
        shot.write_bytes(await browser.screenshot())
    assert shot.read_bytes().startswith(b"\x89PNG")
    with capsys.disabled():  # shown also when the test passes
        print(f"\ndashboard screenshot: {shot}")


# --- over HTTP ----------------------------------------------------------------------------


async def test_without_a_session_the_dashboard_and_exports_send_to_the_login_page(
    net: Network,
) -> None:
    async with httpx.AsyncClient(base_url=hub_url(net)) as client:
        for path in ("/dashboard", "/dashboard/export/indicators.csv"):
            answer = await client.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/dashboard/login"
        login = await client.get("/dashboard/login")
        assert login.status_code == 200
        assert 'name="password"' in login.text


@pytest.mark.parametrize("username", ["supervisor", "admin", "hubops"])
async def test_supervisors_admins_and_operators_see_the_dashboard(
    net: Network, username: str
) -> None:
    async with logged_in(net, username) as client:
        answer = await client.get("/dashboard")
        assert answer.status_code == 200
        assert all(spec.name in answer.text for spec in SPECS)


async def test_other_hub_roles_get_forbidden(net: Network) -> None:
    async with logged_in(net, "reviewer") as client:
        for path in ("/dashboard", "/dashboard/export/assessments.xlsx"):
            answer = await client.get(path)
            assert answer.status_code == 403
            assert "FORBIDDEN" in answer.text
            assert CITY.name not in answer.text


async def test_login_sets_an_http_only_strict_cookie_and_is_audited(net: Network) -> None:
    async with httpx.AsyncClient(base_url=hub_url(net)) as client:
        answer = await client.post(
            "/dashboard/login", data={"username": "supervisor", "password": ADMIN_PASSWORD}
        )
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith(f"{COOKIE}=")
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/dashboard" in cookie
    data = await net.hub.ok(
        '{ auditLog(operation: "dashboardLogin", first: 100) { edges { node { actor result } } } }',
        token=net.admin,
    )
    entries = [e["node"] for e in data["auditLog"]["edges"]]
    assert {"actor": "supervisor", "result": "OK"} in entries


async def test_a_wrong_password_gets_the_form_again_without_a_session(net: Network) -> None:
    async with httpx.AsyncClient(base_url=hub_url(net)) as client:
        answer = await client.post(
            "/dashboard/login", data={"username": "hubops", "password": "not-the-password"}
        )
        assert answer.status_code == 401
        assert "INVALID_CREDENTIALS" in answer.text
        assert COOKIE not in client.cookies
        assert (await client.get("/dashboard")).status_code == 303


async def test_a_cookie_not_signed_by_the_hub_is_no_session(net: Network) -> None:
    async with logged_in(net, "supervisor") as client:
        genuine = client.cookies[COOKIE]
        claims = jwt.decode(genuine, options={"verify_signature": False})
    forged = jwt.encode(claims, "a-secret-of-32-bytes-not-the-hubs", algorithm="HS256")
    for cookie, status in ((genuine, 200), (forged, 303)):
        async with httpx.AsyncClient(base_url=hub_url(net), cookies={COOKIE: cookie}) as client:
            assert (await client.get("/dashboard")).status_code == status


async def test_logout_ends_the_session_even_for_a_copied_cookie(net: Network) -> None:
    await net.hub.create_user(net.admin, "leaving", "SUPERVISOR")
    async with logged_in(net, "leaving") as client:
        copied = {COOKIE: client.cookies[COOKIE]}
        async with httpx.AsyncClient(base_url=hub_url(net), cookies=copied) as other:
            assert (await other.get("/dashboard")).status_code == 200  # until the logout
            answer = await client.post("/dashboard/logout")
            assert answer.status_code == 303
            assert answer.headers["location"] == "/dashboard/login"
            assert COOKIE not in client.cookies
            assert (await client.get("/dashboard")).status_code == 303
            assert (await other.get("/dashboard")).status_code == 303


async def test_a_login_posted_from_another_site_is_refused(net: Network) -> None:
    async with httpx.AsyncClient(base_url=hub_url(net)) as client:
        answer = await client.post(
            "/dashboard/login",
            data={"username": "supervisor", "password": ADMIN_PASSWORD},
            headers={"Origin": "https://elsewhere.example"},
        )
        assert answer.status_code == 403
        assert COOKIE not in client.cookies


async def test_a_window_that_is_down_shows_as_unavailable_and_the_page_still_renders(
    net: Network,
) -> None:
    async with logged_in(net, "supervisor") as client:
        page = (await client.get("/dashboard")).text
    assert f'class="window unavailable" data-window="{DOWN.window_id}"' in page
    assert "WINDOW_UNAVAILABLE" in page
    for spec in UP:
        assert f'id="services-{spec.window_id}"' in page


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    # A read-only sheet leaves out a row's empty cells at its end.
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) for row in rows]


async def test_indicator_exports_read_back_equal_the_nodes_stats(net: Network) -> None:
    async with logged_in(net, "supervisor") as client:
        as_csv = await client.get("/dashboard/export/indicators.csv")
        as_xlsx = await client.get("/dashboard/export/indicators.xlsx")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    csv_rows, xlsx_rows = read_csv(as_csv.content), read_xlsx(as_xlsx.content)
    header = ["windowId", "window", "month", *FIGURES, "unavailable"]
    assert csv_rows[0] == header and xlsx_rows[0] == header

    expected: list[list[Any]] = []
    for spec in UP:
        own = await node_months(net, spec.window_id)
        for month, figures in own.items():
            expected.append(
                [spec.window_id, spec.name, month, *(figures[f] for f in FIGURES), None]
            )
    expected.append(
        [DOWN.window_id, DOWN.name, *([None] * (1 + len(FIGURES))), "WINDOW_UNAVAILABLE"]
    )
    # The order of the windows is the network's (connection order): compare as sets of rows.
    key = lambda row: (row[0], row[2] or "")  # noqa: E731
    assert sorted(xlsx_rows[1:], key=key) == sorted(expected, key=key)
    as_text = [["" if v is None else str(v) for v in row] for row in expected]
    assert sorted(csv_rows[1:], key=key) == sorted(as_text, key=key)


def section(page: str, anchor: str) -> str:
    match = re.search(rf'<section class="card" id="{anchor}">(.*?)</section>', page, re.S)
    assert match is not None, anchor
    return match.group(1)


async def test_late_reports_and_the_routing_queue_are_the_hubs(net: Network) -> None:
    node = net.nodes[CITY.window_id]
    token = await node.login()
    enterprise = await create_enterprise(node, token)
    demand = {
        "title": "出口产品电磁兼容检测",
        "category": "QUALITY_TESTING",
        "enterpriseId": enterprise,
    }
    submitted = await node.ok(SUBMIT, {"i": demand}, token)
    await node.ok(ESCALATE, {"id": submitted["submitDemand"]["demand"]["id"]}, token)

    async with logged_in(net, "supervisor") as client:

        async def shown() -> bool:
            page = (await client.get("/dashboard")).text
            late, queue = section(page, "late-reports"), section(page, "routing-queue")
            return all(f"<td>{escape(w.name)}</td>" in late for w in UP) and (
                "出口产品电磁兼容检测" in queue and f"<td>{escape(CITY.name)}</td>" in queue
            )

        await eventually(shown)
        page = section((await client.get("/dashboard")).text, "late-reports")
    # Each report the hub itself calls late is on the page (the stopped window's too, if its
    # node sent them before it stopped).
    late = await net.hub.ok("{ lateReports { window { name } kind period } }", token=net.operator)
    for report in late["lateReports"]:
        kind = REPORT_KIND_LABELS[report["kind"]]
        row = [report["window"]["name"], kind, report["period"]]
        assert "".join(f"<td>{escape(cell)}</td>" for cell in row) in page


async def test_assessment_exports_are_the_hubs_assessments(net: Network) -> None:
    # Last here: a FAIL would put the window in rectification.
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    assess = """mutation($w: ID!, $y: Int!) { assessWindow(windowId: $w, year: $y) { id } }"""
    await net.hub.ok(assess, {"w": CITY.window_id, "y": year}, token=net.operator)
    listed = await net.hub.ok(
        """{ assessments(agencies: true) { agencyName year kind grade computedGrade total
             window { name } } }""",
        token=net.operator,
    )
    expected = [
        [a["window"]["name"], a["agencyName"], a["year"], a["kind"], a["grade"]]
        + [a["computedGrade"], round(a["total"], 1), None]
        for a in listed["assessments"]
    ]
    assert len(expected) >= 1 and expected[0][0] == CITY.name
    async with logged_in(net, "supervisor") as client:
        as_csv = await client.get("/dashboard/export/assessments.csv")
        as_xlsx = await client.get("/dashboard/export/assessments.xlsx")
        missing = await client.get("/dashboard/export/secrets.csv")
    header = ["窗口", "服务机构", "年度", "类型", "结果", "计算结果", "得分", "改判理由"]
    assert read_xlsx(as_xlsx.content) == [header, *expected]
    as_text = [["" if v is None else str(v) for v in row] for row in expected]
    assert read_csv(as_csv.content) == [header, *as_text]
    assert missing.status_code == 404
