"""GraphQL of windows' reports at the hub (``hub.domain.reports``): hub roles only."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from hub.domain import reports
from hub.domain.access import HUB_ROLES, require
from hub.models import Report as ReportRow
from hub.schema.context import Ctx
from hub.schema.windows import Window, window_by_key


@strawberry.type
class ReportFlag:
    code: str = strawberry.field(
        description="BAD_SIGNATURE, CHAIN_REWRITTEN, FIGURES_MISMATCH or LATE"
    )
    detail: str


@strawberry.type(description="a window's periodic report as the hub received and checked it")
class WindowReport:
    id: strawberry.ID = strawberry.field(description="the report id the window gave it")
    kind: str = strawberry.field(description="SERVICE_PLAN, SERVICE_DATA or SUMMARY")
    period: str = strawberry.field(description="a month (2026-10) or a quarter (2026-Q4)")
    from_date: date
    to_date: date
    version: int
    content: str = strawberry.field(description="the canonical JSON the window signed")
    signature: str
    chain_head: str | None
    chain_length: int
    written_at: datetime = strawberry.field(description="as the window says")
    received_at: datetime
    due_at: datetime
    late: bool
    verified_at: datetime | None = strawberry.field(
        description="when the checks that ask the window's node ran; null: still to run"
    )
    verify_error: str | None = strawberry.field(description="why the checks wait, if they do")
    flags: list[ReportFlag]
    row: strawberry.Private[ReportRow]

    @strawberry.field
    async def window(self, info: Ctx) -> Window:
        return await window_by_key(info.context, self.row.window_id)

    @classmethod
    def from_row(cls, row: ReportRow) -> WindowReport:
        return cls(
            id=strawberry.ID(row.report_id),
            kind=row.kind,
            period=row.period,
            from_date=row.period_from,
            to_date=row.period_to,
            version=row.version,
            content=row.content,
            signature=row.signature,
            chain_head=row.chain_head,
            chain_length=row.chain_length,
            written_at=row.written_at,
            received_at=row.created_at,
            due_at=row.due_at,
            late=row.late,
            verified_at=row.verified_at,
            verify_error=row.verify_error,
            flags=[ReportFlag(code=f["code"], detail=f["detail"]) for f in row.flags],
            row=row,
        )


@strawberry.type(description="how a window reported for the months and quarters of a span")
class ReportTimeliness:
    window_id: strawberry.ID
    due: int = strawberry.field(description="data and summary reports due by now, or received")
    on_time: int
    late: int
    missing: int


@strawberry.type
class MissingReport:
    window_id: strawberry.ID
    window_name: str
    kind: str
    period: str
    due_at: datetime


@strawberry.type
class ReportQuery:
    @strawberry.field(description="received reports, newest first: hub roles")
    async def reports(
        self,
        info: Ctx,
        window: strawberry.ID | None = None,
        kind: str | None = None,
        period: str | None = None,
        flagged: bool | None = None,
    ) -> list[WindowReport]:
        rows = await reports.list_reports(info.context.actor, window, kind, period, flagged)
        return [WindowReport.from_row(row) for row in rows]

    @strawberry.field(description="a window's reporting for the periods ending from..to: hub roles")
    async def report_timeliness(
        self, info: Ctx, window: strawberry.ID, from_date: date, to_date: date
    ) -> ReportTimeliness:
        require(info.context.actor, HUB_ROLES, "read reporting timeliness")
        found = await reports.timeliness(str(window), from_date, to_date)
        return ReportTimeliness(
            window_id=window,
            due=found.due,
            on_time=found.on_time,
            late=found.late,
            missing=found.missing,
        )

    @strawberry.field(description="reports received after their due date: hub roles")
    async def late_reports(
        self, info: Ctx, from_date: date | None = None, to_date: date | None = None
    ) -> list[WindowReport]:
        rows = await reports.list_reports(
            info.context.actor, late=True, start=from_date, end=to_date
        )
        return [WindowReport.from_row(row) for row in rows]

    @strawberry.field(
        description="reports due by now from the windows on the network and not received"
    )
    async def missing_reports(
        self, info: Ctx, from_date: date, to_date: date
    ) -> list[MissingReport]:
        require(info.context.actor, HUB_ROLES, "read missing reports")
        return [
            MissingReport(
                window_id=strawberry.ID(m.window_id),
                window_name=m.window_name,
                kind=m.kind,
                period=m.period,
                due_at=m.due_at,
            )
            for m in await reports.missing_reports(from_date, to_date)
        ]
