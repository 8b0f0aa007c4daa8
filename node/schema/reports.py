"""GraphQL of the window's periodic reports to the hub (``node.domain.reports``)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from federation.trust import load_key
from node.domain import reports
from node.models import Report as ReportRow
from node.schema.audit import mutation
from node.schema.context import Context, Ctx

ReportKind = strawberry.enum(
    reports.ReportKind,
    name="ReportKind",
    description="SERVICE_PLAN: the window's plan (text); SERVICE_DATA: every indicator of the "
    "period; SUMMARY: the headline indicators and a summary",
)


@strawberry.type(description="a periodic report to the hub, signed with the node's key")
class Report:
    id: strawberry.ID
    kind: ReportKind
    period: str = strawberry.field(description="a month (2026-10) or a quarter (2026-Q4)")
    version: int = strawberry.field(description="1, then one more for each correction")
    content: str = strawberry.field(description="the canonical JSON that was signed")
    signature: str = strawberry.field(description="Ed25519 over content, base64url")
    kid: str = strawberry.field(description="the id of the node key that signed")
    chain_head: str | None = strawberry.field(description="the chain's head when written")
    chain_length: int
    written_by: str
    written_at: datetime
    delivered_at: datetime | None = strawberry.field(description="when the hub took it")
    delivery_error: str | None = strawberry.field(
        description="why the last push failed, or why the hub refused it for good"
    )

    @classmethod
    def from_row(cls, row: ReportRow, ctx: Context) -> Report:
        message = row.outbox_message
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            kind=reports.ReportKind(row.kind),
            period=row.period,
            version=row.version,
            content=row.content,
            signature=row.signature,
            kid=row.kid,
            chain_head=row.chain_head,
            chain_length=row.chain_length,
            written_by=row.written_by,
            written_at=row.created_at,
            delivered_at=message.delivered_at,
            delivery_error=message.last_error if message.delivered_at is None else None,
        )


@strawberry.type
class ReportQuery:
    @strawberry.field(description="the window's reports to the hub, newest first; not anonymous")
    async def reports(
        self,
        info: Ctx,
        kind: ReportKind | None = None,
        period: str | None = None,
    ) -> list[Report]:
        ctx = info.context
        rows = await reports.list_reports(ctx.actor, kind and kind.value, period)
        return [Report.from_row(row, ctx) for row in rows]


@strawberry.type
class ReportMutation:
    @mutation(
        description="STAFF or WINDOW_ADMIN: write, sign and send the next version of a report"
        " (a plan needs its text; data and summary need the period to have ended)"
    )
    async def generate_report(
        self,
        info: Ctx,
        kind: ReportKind,
        period: str,
        text: str = "",
    ) -> Report:
        ctx = info.context
        key = load_key(ctx.settings.key_path())
        row = await reports.write_report(ctx.actor, ctx.settings, key, kind.value, period, text)
        await row.fetch_related("outbox_message")
        return Report.from_row(row, ctx)
