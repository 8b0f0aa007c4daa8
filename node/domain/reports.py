"""The window's periodic reports to the hub (服务数据报送, DESIGN §7).

Three kinds, monthly and quarterly, after the seeds (001: 服务计划、服务数据、服务总结):
- SERVICE_PLAN: the plan the window writes for a period, as text (written on demand only);
- SERVICE_DATA: every indicator of the period (``stats``), by when the events happened;
- SUMMARY: the headline indicators and a summary written from them, with the window's notes.

A report is written once, signed (Ed25519, the node's key) over its canonical JSON, with the
service-record chain's head and length at writing, and queued in the outbox in the same
transaction. Its id is fixed then; a correction is the next version of the same kind and period.
After each period ends the scheduler writes its SERVICE_DATA and SUMMARY (``write_due``), and
those of every period it missed while the node was down: the unique key of kind, period and
version makes that once, whichever process gets there first. Periods follow the protocol's rule
(``federation.periods``), the one the hub checks them by.
"""

from __future__ import annotations

import enum
import json
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.errors import Conflict, InputError
from federation.ids import make_id, new_uuid
from federation.periods import Period, ending_within, last_ended
from federation.signatures import sign
from federation.trust import KeyPair
from node import clock
from node.config import NodeSettings
from node.domain import chain, events
from node.domain.access import READ_ROLES, WRITE_ROLES, Actor, Role, require
from node.domain.periods import local_today
from node.domain.stats import Stats, compute_stats
from node.models import Report

OUTBOX_REPORT = "report"
TEXT_LIMIT = 20_000
# Who writes the scheduled reports (node.jobs): the node itself, vouched for by its scheduler.
SCHEDULER = Actor(username="scheduler", roles=frozenset({Role.WINDOW_ADMIN}), via="scheduler")


class ReportKind(enum.StrEnum):
    SERVICE_PLAN = "SERVICE_PLAN"
    SERVICE_DATA = "SERVICE_DATA"
    SUMMARY = "SUMMARY"


# What the scheduler writes after each period: a plan is the window's own text.
SCHEDULED = (ReportKind.SERVICE_DATA, ReportKind.SUMMARY)
# How far back a node that was down writes the periods it missed: two years of months.
CATCH_UP_MONTHS = 24
# The figures a summary carries (the names of the node's ``stats`` fields).
HEADLINE = (
    "enterprisesServed",
    "servicesDelivered",
    "activities",
    "activityParticipants",
    "feedbackCount",
    "satisfiedFeedback",
    "demandsReceived",
    "demandsCompleted",
)


async def write_report(
    actor: Actor,
    settings: NodeSettings,
    key: KeyPair,
    kind: str,
    period: str,
    text: str = "",
    first_only: bool = False,
) -> Report:
    """Write, sign and queue the next version of the window's ``kind`` report of ``period``;
    ``first_only``: only a first version (the scheduler's), else ``Conflict``."""
    require(actor, WRITE_ROLES, "write reports")
    kind, found = ReportKind(kind), Period.parse(period)
    text = text.strip()
    if len(text) > TEXT_LIMIT:
        raise InputError(f"a report's text has at most {TEXT_LIMIT} characters", field="text")
    if kind is ReportKind.SERVICE_PLAN and not text:
        raise InputError("a service plan is the window's text: it may not be empty", field="text")
    figures: dict[str, Any] = {}
    if kind is not ReportKind.SERVICE_PLAN:
        if found.end >= local_today(settings.timezone):
            raise InputError(f"{found.label} has not ended: its figures may still change")
        stats = await compute_stats(actor, found.start, found.end, settings.timezone)
        figures = stats_figures(stats)
        if kind is ReportKind.SUMMARY:
            figures = {name: figures[name] for name in HEADLINE}
            text = "\n".join(filter(None, [summary_text(found, stats), text]))
    try:
        return await _write(actor, settings, key, kind, found, figures, text, first_only)
    except IntegrityError:
        raise Conflict(
            f"another version of the {kind} report of {found.label} was written at the same"
            " time: look at the reports and write again if still needed"
        ) from None


async def _write(
    actor: Actor,
    settings: NodeSettings,
    key: KeyPair,
    kind: ReportKind,
    period: Period,
    figures: dict[str, Any],
    text: str,
    first_only: bool,
) -> Report:
    async with in_transaction() as connection:
        last = (
            await Report.filter(kind=kind.value, period=period.label)
            .using_db(connection)
            .order_by("-version")
            .first()
        )
        version = 0 if last is None else last.version
        if first_only and last is not None:
            raise Conflict(f"the {kind} report of {period.label} is written already")
        head, length = await chain.head(connection)
        report_id = new_uuid()
        content: dict[str, Any] = {
            "id": make_id(settings.window_id, report_id),
            "window": settings.window_id,
            "kind": kind.value,
            "period": period.label,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "version": version + 1,
            "writtenAt": clock.now(),
            "writtenBy": actor.username,
            "chain": {"head": head, "length": length},
            "figures": figures,
            "text": text,
        }
        signed = chain.canonical_json(content)
        signature = sign(key, signed)
        message = await events.enqueue(
            OUTBOX_REPORT,
            {"content": signed, "signature": signature, "kid": key.kid},
            connection,
        )
        return await Report.create(
            id=report_id,
            kind=kind.value,
            period=period.label,
            version=version + 1,
            content=signed,
            signature=signature,
            kid=key.kid,
            chain_head=head,
            chain_length=length,
            written_by=actor.username,
            outbox_message_id=message.id,
            using_db=connection,
        )


async def write_due(settings: NodeSettings, key: KeyPair) -> list[Report]:
    """The scheduled reports of every period ended since the last one the scheduler wrote (a
    node that was down catches up), each written once: a period's report another process
    wrote first (or meanwhile) is left as it is."""
    written = []
    for period in await _due_periods(local_today(settings.timezone)):
        for kind in SCHEDULED:
            if await Report.exists(kind=kind.value, period=period.label):
                continue
            try:
                written.append(
                    await write_report(
                        SCHEDULER, settings, key, kind.value, period.label, first_only=True
                    )
                )
            except Conflict:
                continue  # written meanwhile elsewhere (the unique key decided): once is enough
    return written


async def _due_periods(today: date) -> list[Period]:
    """The periods ended since the latest the scheduler reported (that one again, in case one
    kind of it is missing), at most ``CATCH_UP_MONTHS`` back; a node that never reported owes
    the last ended month and quarter (the hub owes nothing before it connected)."""
    labels = await Report.filter(
        written_by=SCHEDULER.username, kind__in=[k.value for k in SCHEDULED]
    ).values_list("period", flat=True)
    if not labels:
        return last_ended(today)
    latest = max(Period.parse(str(label)).end for label in labels)
    oldest = Period.month_of(today).start
    for _ in range(CATCH_UP_MONTHS):
        oldest = Period.month_of(oldest - timedelta(days=1)).start
    return list(ending_within(max(latest, oldest), today - timedelta(days=1)))


async def list_reports(
    actor: Actor, kind: str | None = None, period: str | None = None
) -> list[Report]:
    """The window's reports, newest first."""
    require(actor, READ_ROLES, "read reports")
    query = Report.all().prefetch_related("outbox_message")
    if kind is not None:
        query = query.filter(kind=ReportKind(kind).value)
    if period is not None:
        query = query.filter(period=Period.parse(period).label)
    return await query.order_by("-id")


def content_of(report: Report) -> dict[str, Any]:
    return dict(json.loads(report.content))


def stats_figures(stats: Stats) -> dict[str, Any]:
    """The figures of a period by the names of the node's ``stats`` fields, as the hub asks
    them again to compare."""
    return {
        "servicesDelivered": stats.services_delivered,
        "servicesOnline": stats.services_online,
        "servicesOffline": stats.services_offline,
        "servicesByCategory": sorted(
            ({"category": c.category, "count": c.count} for c in stats.services_by_category),
            key=lambda c: str(c["category"]),
        ),
        "publicWelfareServices": stats.public_welfare_services,
        "enterprisesServed": stats.enterprises_served,
        "activities": stats.activities,
        "activityParticipants": stats.activity_participants,
        "feedbackCount": stats.feedback_count,
        "satisfiedFeedback": stats.satisfied_feedback,
        "demandsReceived": stats.demands_received,
        "demandsCompleted": stats.demands_completed,
        "demandsRejected": stats.demands_rejected,
        "demandsEscalated": stats.demands_escalated,
        "demandsOpen": stats.demands_open,
        "medianResponseHours": stats.median_response_hours,
        "medianResolutionHours": stats.median_resolution_hours,
        "vouchersIssued": stats.vouchers_issued,
        "vouchersRedeemed": stats.vouchers_redeemed,
    }


def summary_text(period: Period, stats: Stats) -> str:
    rate = stats.satisfaction_rate
    satisfaction = "无评价" if rate is None else f"满意率 {rate:.1%}"
    return (
        f"{period.label}：服务企业 {stats.enterprises_served} 家，完成服务"
        f" {stats.services_delivered} 次（线上 {stats.services_online}，线下"
        f" {stats.services_offline}）；收到评价 {stats.feedback_count} 条，{satisfaction}；"
        f"受理需求 {stats.demands_received} 件，办结 {stats.demands_completed} 件；"
        f"举办公共服务活动 {stats.activities} 场，参与 {stats.activity_participants} 人次。"
    )
