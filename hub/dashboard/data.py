"""What the supervisor's dashboard shows, one provider function per section (DESIGN §7): the
registry with each window's health, windows per city, each window's indicators month by month
(asked of its node through the hub's gatherer), and the supervision records.

The page and the exports read only these functions, so a section is wired by filling its provider.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from federation.accounts import Actor
from federation.errors import WindowError
from federation.gather import Call, Failure, Target, WindowResult
from federation.labels import CATEGORY_LABELS, REPORT_KIND_LABELS, label
from hub.domain import assessment, calendar, registry, reports, routing
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.models import Assessment, Window

__all__ = [
    "FIGURES",
    "Dashboard",
    "Month",
    "MonthFigures",
    "Table",
    "WindowIndicators",
    "WindowOverview",
    "assessments",
    "dashboard",
    "discrepancies",
    "indicators",
    "last_months",
    "late_reports",
    "regions",
    "routing_queue",
    "windows",
]

MONTHS = 12
# The routing queue shows this many: those that have waited longest.
QUEUE_ROWS = 100
# A city's region code: the first four digits of a county's ("440306" → "4403").
CITY_DIGITS = 4
# The indicators asked per month, as the core contract's ``Stats`` names them; counts, then the
# one rate (null when nobody rated).
COUNTS = (
    "servicesDelivered",
    "servicesOnline",
    "servicesOffline",
    "enterprisesServed",
    "feedbackCount",
    "satisfiedFeedback",
)
FIGURES = (*COUNTS, "satisfactionRate")


@dataclass(frozen=True)
class Table:
    """A section shown as a table (and exported): column headings and rows of cells."""

    columns: tuple[str, ...]
    rows: list[tuple[str | int | float | None, ...]]


@dataclass(frozen=True)
class WindowOverview:
    window_id: str
    name: str
    kind: str
    region_code: str
    status: str
    # The hub's circuit breaker for its node (CLOSED, OPEN, HALF_OPEN) and failures in a row;
    # None for a window off the network, which the hub does not call.
    circuit: str | None
    failures: int


@dataclass(frozen=True)
class Month:
    first: date
    last: date

    @property
    def label(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def alias(self) -> str:
        return f"m{self.first:%Y_%m}"


@dataclass(frozen=True)
class MonthFigures:
    month: str
    figures: dict[str, int | float | None]


@dataclass(frozen=True)
class WindowIndicators:
    window_id: str
    name: str
    months: list[MonthFigures] | None  # None: the window's node gave no usable answer
    failure: Failure | None = None


@dataclass(frozen=True)
class Dashboard:
    windows: list[WindowOverview]
    regions: list[tuple[str, int]]
    months: list[Month]
    indicators: list[WindowIndicators]
    assessments: Table
    late_reports: Table
    discrepancies: Table
    routing_queue: Table


async def windows(network: Network) -> list[WindowOverview]:
    """Every window in the registry, by window id, with its node's health as this hub process
    saw it lately (``Gatherer.health``)."""
    found = []
    for row in await registry.list_windows():
        on_network = row.status in registry.ON_NETWORK
        circuit, failures = network.gatherer.health(row.window_id)
        found.append(
            WindowOverview(
                window_id=row.window_id,
                name=row.name,
                kind=row.kind,
                region_code=row.region_code,
                status=row.status,
                circuit=circuit.value if on_network else None,
                failures=failures if on_network else 0,
            )
        )
    return found


def regions(overview: list[WindowOverview]) -> list[tuple[str, int]]:
    """Windows on the network per city-level region prefix, by prefix."""
    counts = Counter(
        w.region_code[:CITY_DIGITS] for w in overview if w.status in registry.ON_NETWORK
    )
    return sorted(counts.items())


def last_months(today: date, count: int = MONTHS) -> list[Month]:
    """The ``count`` calendar months up to and including today's, oldest first."""
    months: list[Month] = []
    first = today.replace(day=1)
    for _ in range(count):
        following = (first + timedelta(days=32)).replace(day=1)
        months.append(Month(first, following - timedelta(days=1)))
        first = (first - timedelta(days=1)).replace(day=1)
    return months[::-1]


def _stats_query(months: list[Month]) -> str:
    """One operation asking ``stats`` once per month, each under its own alias."""
    fields = " ".join(FIGURES)
    parts = (
        f'{m.alias}: stats(from: "{m.first.isoformat()}", to: "{m.last.isoformat()}") '
        f"{{ {fields} }}"
        for m in months
    )
    return "query DashboardIndicators { " + " ".join(parts) + " }"


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_rate(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _months_of(result: WindowResult, months: list[Month]) -> list[MonthFigures] | None:
    """A node's answer as figures per month; None when it is not what the contract says."""
    found = []
    for month in months:
        stats = (result.data or {}).get(month.alias)
        if not isinstance(stats, dict):
            return None
        if not all(_is_count(stats.get(n)) for n in COUNTS):
            return None
        if not _is_rate(stats.get("satisfactionRate")):
            return None
        found.append(MonthFigures(month.label, {n: stats[n] for n in FIGURES}))
    return found


async def indicators(
    network: Network, trust: HubTrust, actor: Actor, months: list[Month]
) -> list[WindowIndicators]:
    """Each window on the network's indicators for ``months``: one request per window, asked
    at once, with the hub's token on behalf of ``actor`` (supervision for the dashboard's
    roles). A window that fails is reported with its failure; the others are not held up."""
    view = await network.view()
    rows: list[Window] = list(view.windows.values())
    query = _stats_query(months)
    calls = [
        Call(Target(row.window_id, row.endpoint, trust.token_maker(row.window_id, actor)), query)
        for row in rows
    ]
    results = await network.gatherer.gather(calls)
    network.notice(view, results)
    found = []
    for row, result in zip(rows, results, strict=True):
        failure = result.failure
        figures = _months_of(result, months) if failure is None else None
        if figures is None and failure is None:
            failure = WindowError(
                f"window {row.window_id} answered indicators that do not fit the contract",
                windowId=row.window_id,
            )
        found.append(WindowIndicators(row.window_id, row.name, figures, failure))
    return found


# The supervision records of the other parts of DESIGN §7, read from the hub's own tables.


async def assessments(actor: Actor) -> Table:
    """The assessments, newest first: windows' and their agencies', with the grade in force
    (an override's, when there is one) beside the computed one."""
    found = await assessment.list_assessments(actor, agencies=True)
    await Assessment.fetch_for_list(found, "window")
    return Table(
        ("窗口", "服务机构", "年度", "类型", "结果", "计算结果", "得分", "改判理由"),
        [
            (
                a.window.name,
                a.agency_name or None,
                a.year,
                a.kind,
                assessment.effective_grade(a).value,
                a.grade,
                round(a.total, 1),
                a.override_reason or None,
            )
            for a in found
        ],
    )


def _when(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(calendar.zone()).strftime("%Y-%m-%d %H:%M")


def _kind(kind: str) -> str:
    return label(REPORT_KIND_LABELS, kind)


async def late_reports(months: list[Month]) -> Table:
    """Reports of the dashboard's months received after their due date, and those due and not
    received at all."""
    start, end = months[0].first, months[-1].last
    late = await reports.late_reports(start, end)
    missing = await reports.missing_reports(start, end)
    return Table(
        ("窗口", "报送类型", "期间", "截止时间", "收到时间"),
        [
            (r.window_name, _kind(r.kind), r.period, _when(r.due_at), _when(r.received_at))
            for r in late
        ]
        + [(m.window_name, _kind(m.kind), m.period, _when(m.due_at), "未收到") for m in missing],
    )


async def discrepancies(months: list[Month]) -> Table:
    """Each flag but lateness on the reports of the dashboard's months: a bad signature, a
    rewritten chain, figures unlike the node's stats."""
    flagged = await reports.flagged_reports(months[0].first, months[-1].last)
    return Table(
        ("窗口", "报告", "期间", "问题", "说明"),
        [
            (r.window_name, f"{_kind(r.kind)} v{r.version}", r.period, flag["code"], flag["detail"])
            for r in flagged
            for flag in r.flags
            if flag["code"] != reports.LATE
        ],
    )


async def routing_queue(actor: Actor) -> Table:
    """Escalated demands waiting for a hub operator to dispatch them, longest waiting first."""
    waiting = await routing.longest_waiting(actor, QUEUE_ROWS)
    now = datetime.now(UTC)
    return Table(
        ("来源窗口", "需求", "类别", "上报时间", "等待小时"),
        [
            (
                d.origin.name,
                d.title,
                label(CATEGORY_LABELS, d.category),
                _when(d.created_at),
                round((now - d.created_at).total_seconds() / 3600, 1),
            )
            for d in waiting
        ],
    )


async def dashboard(network: Network, trust: HubTrust, actor: Actor) -> Dashboard:
    """Everything the page shows. Indicators are asked first, so the health beside each window
    reflects the calls just made."""
    months = last_months(calendar.local_today())
    figures = await indicators(network, trust, actor, months)
    overview = await windows(network)
    return Dashboard(
        windows=overview,
        regions=regions(overview),
        months=months,
        indicators=figures,
        assessments=await assessments(actor),
        late_reports=await late_reports(months),
        discrepancies=await discrepancies(months),
        routing_queue=await routing_queue(actor),
    )
