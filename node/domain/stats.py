"""The indicators of a period (DESIGN §7), computed by the database with aggregate queries.

Every figure counts events by when they happened, so a closed period's figures change only when
history is corrected: services by completion time, feedback by when it was given, demands by
submission, completion, rejection or escalation time, vouchers by issue or redemption time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise import connections

from federation.errors import InputError
from node.domain.access import READ_ROLES, Actor, require
from node.domain.demands import DemandStatus
from node.domain.periods import local_today, period_bounds
from node.models import Agency

# Ratings of 4 or 5 count as satisfied.
SATISFIED_RATING = 4
# A demand in one of these states is no longer open at this window.
DEMAND_OUTCOMES = (
    DemandStatus.COMPLETED,
    DemandStatus.REJECTED,
    DemandStatus.ESCALATED,
    DemandStatus.CLOSED,
)


@dataclass(frozen=True)
class CategoryCount:
    category: str
    count: int


@dataclass(frozen=True)
class Stats:
    date_from: date
    date_to: date
    services_delivered: int
    services_online: int
    services_offline: int
    services_by_category: list[CategoryCount]
    public_welfare_services: int
    enterprises_served: int
    activities: int
    activity_participants: int
    feedback_count: int
    satisfied_feedback: int
    demands_received: int
    demands_completed: int
    demands_rejected: int
    demands_escalated: int
    demands_open: int
    median_response_hours: float | None
    median_resolution_hours: float | None
    vouchers_issued: int
    vouchers_redeemed: int

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied_feedback, self.feedback_count)

    @property
    def public_welfare_share(self) -> float | None:
        return _rate(self.public_welfare_services, self.services_delivered)


@dataclass(frozen=True)
class AgencyStats:
    """One agency's share of a period's services (seed 001 第十二条: a cooperating agency is
    assessed on enterprises served, services and satisfaction)."""

    agency: Agency
    services_delivered: int
    services_online: int
    services_offline: int
    enterprises_served: int
    feedback_count: int
    satisfied_feedback: int

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied_feedback, self.feedback_count)


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def resolve_period(date_from: date | None, date_to: date | None, tz: str) -> tuple[date, date]:
    """The period asked for; by default the current calendar year up to today, local time."""
    today = local_today(tz)
    date_to = date_to or (today if date_from is None else max(date_from, today))
    date_from = date_from or date(date_to.year, 1, 1)
    if date_from > date_to:
        raise InputError(f"the period starts ({date_from}) after it ends ({date_to})")
    if date_to == date.max:
        raise InputError("the period must end before the last representable day")
    return date_from, date_to


# Queries are written with PostgreSQL's numbered placeholders ($1 = start, $2 = end); SQLite
# takes the same numbers as ?1, ?2. Both databases keep datetimes in UTC, and on SQLite as
# ISO text with one format, so range comparisons work on the stored text.
# Completion sets completed_at once and corrections never touch it, so completed_at alone
# says a record was delivered in the period. Grouping by service before joining services
# keeps the join to a few hundred rows.
SERVICES = """
SELECT s.category AS category, SUM(g.n) AS delivered,
  SUM(CASE WHEN g.channel = 'ONLINE' THEN g.n ELSE 0 END) AS online,
  SUM(CASE WHEN g.channel = 'OFFLINE' THEN g.n ELSE 0 END) AS offline,
  SUM(CASE WHEN s.public_welfare THEN g.n ELSE 0 END) AS public_welfare
FROM (SELECT service_id, channel, COUNT(*) AS n FROM service_records
  WHERE completed_at >= $1 AND completed_at < $2 GROUP BY service_id, channel) AS g
JOIN services s ON s.id = g.service_id
GROUP BY s.category ORDER BY s.category
"""

# Read from the (completed_at, service_id, channel, enterprise_id) index alone: no table row.
ENTERPRISES = """
SELECT COUNT(DISTINCT enterprise_id) AS served FROM service_records
  WHERE completed_at >= $1 AND completed_at < $2
"""

FEEDBACK = f"""
SELECT COUNT(*) AS feedback,
  COALESCE(SUM(CASE WHEN rating >= {SATISFIED_RATING} THEN 1 ELSE 0 END), 0) AS satisfied
FROM feedback WHERE created_at >= $1 AND created_at < $2
"""

_OUTCOMES = ", ".join(f"'{status.value}'" for status in DEMAND_OUTCOMES)
# Open at the period's end: submitted by then, less those that had reached an outcome by then.
# A demand is completed after it was submitted, so both counts read demands submitted by then.
DEMANDS = f"""
SELECT COALESCE(SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END), 0) AS received,
  COALESCE(SUM(CASE WHEN completed_at >= $1 AND completed_at < $2 THEN 1 ELSE 0 END), 0)
    AS completed,
  (SELECT COUNT(*) FROM demand_transitions
    WHERE to_status = 'REJECTED' AND created_at >= $1 AND created_at < $2) AS rejected,
  (SELECT COUNT(*) FROM demand_transitions
    WHERE to_status = 'ESCALATED' AND created_at >= $1 AND created_at < $2) AS escalated,
  COUNT(*) - (SELECT COUNT(DISTINCT demand_id) FROM demand_transitions
    WHERE to_status IN ({_OUTCOMES}) AND created_at < $2) AS open
FROM demands WHERE created_at < $2
"""

OTHERS = """
SELECT
  (SELECT COUNT(*) FROM activities WHERE starts_at >= $1 AND starts_at < $2) AS activities,
  (SELECT COUNT(*) FROM activity_registrations
    WHERE attended_at >= $1 AND attended_at < $2) AS participants,
  (SELECT COUNT(*) FROM vouchers WHERE created_at >= $1 AND created_at < $2) AS issued,
  (SELECT COUNT(*) FROM vouchers WHERE redeemed_at >= $1 AND redeemed_at < $2) AS redeemed
"""


# Per delivering agency, by the same event times as the window's figures.
AGENCY_SERVICES = """
SELECT agency_id, COUNT(*) AS delivered,
  SUM(CASE WHEN channel = 'ONLINE' THEN 1 ELSE 0 END) AS online,
  SUM(CASE WHEN channel = 'OFFLINE' THEN 1 ELSE 0 END) AS offline,
  COUNT(DISTINCT enterprise_id) AS served
FROM service_records WHERE completed_at >= $1 AND completed_at < $2 AND agency_id IS NOT NULL
GROUP BY agency_id
"""

AGENCY_FEEDBACK = f"""
SELECT r.agency_id AS agency_id, COUNT(*) AS feedback,
  SUM(CASE WHEN f.rating >= {SATISFIED_RATING} THEN 1 ELSE 0 END) AS satisfied
FROM feedback f JOIN service_records r ON r.id = f.service_record_id
WHERE f.created_at >= $1 AND f.created_at < $2 AND r.agency_id IS NOT NULL
GROUP BY r.agency_id
"""


def _median_hours(dialect: str, event: str) -> str:
    """Median hours from submission to ``event`` over the demands whose event is in the period."""
    period = f"{event} >= $1 AND {event} < $2"
    if dialect == "postgres":
        return f"""
SELECT EXTRACT(EPOCH FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY {event} - created_at))
  / 3600 AS median
FROM demands WHERE {period}"""
    # SQLite has no percentile: the middle one or two values of the sorted hours, averaged.
    # julianday() reads the stored '+00:00' suffix, so the difference is in true days.
    return f"""
WITH h AS (SELECT (julianday({event}) - julianday(created_at)) * 24 AS v
  FROM demands WHERE {period})
SELECT AVG(v) AS median FROM (SELECT v FROM h ORDER BY v
  LIMIT 2 - (SELECT COUNT(*) FROM h) % 2 OFFSET ((SELECT COUNT(*) FROM h) - 1) / 2) AS middle"""


def queries(dialect: str) -> dict[str, str]:
    """The statements ``compute_stats`` runs, by name, with the dialect's placeholders."""
    statements = {
        "services": SERVICES,
        "enterprises": ENTERPRISES,
        "feedback": FEEDBACK,
        "demands": DEMANDS,
        "others": OTHERS,
        "response": _median_hours(dialect, "accepted_at"),
        "resolution": _median_hours(dialect, "completed_at"),
    }
    return _placeholders(dialect, statements)


def _placeholders(dialect: str, statements: dict[str, str]) -> dict[str, str]:
    if dialect == "postgres":
        return statements
    return {name: re.sub(r"\$(\d+)", r"?\1", sql) for name, sql in statements.items()}


async def compute_stats(
    actor: Actor, date_from: date | None, date_to: date | None, tz: str
) -> Stats:
    """The indicators of the calendar days ``date_from``..``date_to`` in time zone ``tz``."""
    require(actor, READ_ROLES, "read the indicators")
    date_from, date_to = resolve_period(date_from, date_to, tz)
    bounds = list(period_bounds(date_from, date_to, tz))
    connection = connections.get("default")
    answers = {
        name: await connection.execute_query_dict(sql, bounds)
        for name, sql in queries(connection.capabilities.dialect).items()
    }
    categories = answers.pop("services")
    # Every other statement answers one row.
    one = {name: rows[0] for name, rows in answers.items()}
    feedback, demand, others = one["feedback"], one["demands"], one["others"]

    def total(column: str) -> int:
        # At most one row per category: the database has done the counting.
        return sum(int(c[column]) for c in categories)

    return Stats(
        date_from=date_from,
        date_to=date_to,
        services_delivered=total("delivered"),
        services_online=total("online"),
        services_offline=total("offline"),
        services_by_category=[
            CategoryCount(c["category"], int(c["delivered"])) for c in categories
        ],
        public_welfare_services=total("public_welfare"),
        enterprises_served=one["enterprises"]["served"],
        activities=others["activities"],
        activity_participants=others["participants"],
        feedback_count=feedback["feedback"],
        satisfied_feedback=int(feedback["satisfied"]),
        demands_received=int(demand["received"]),
        demands_completed=int(demand["completed"]),
        demands_rejected=demand["rejected"],
        demands_escalated=demand["escalated"],
        demands_open=demand["open"],
        median_response_hours=_hours(one["response"]["median"]),
        median_resolution_hours=_hours(one["resolution"]["median"]),
        vouchers_issued=others["issued"],
        vouchers_redeemed=others["redeemed"],
    )


def _hours(value: Any) -> float | None:
    # PostgreSQL answers a Decimal; SQLite's julianday arithmetic carries float noise.
    return None if value is None else round(float(value), 4)


async def compute_agency_stats(
    actor: Actor, date_from: date | None, date_to: date | None, tz: str
) -> list[AgencyStats]:
    """Every agency's figures of the period (zeros for one that delivered nothing), by name."""
    require(actor, READ_ROLES, "read the indicators")
    date_from, date_to = resolve_period(date_from, date_to, tz)
    bounds = list(period_bounds(date_from, date_to, tz))
    connection = connections.get("default")
    statements = _placeholders(
        connection.capabilities.dialect,
        {"services": AGENCY_SERVICES, "feedback": AGENCY_FEEDBACK},
    )
    services = {
        str(row["agency_id"]): row
        for row in await connection.execute_query_dict(statements["services"], bounds)
    }
    feedback = {
        str(row["agency_id"]): row
        for row in await connection.execute_query_dict(statements["feedback"], bounds)
    }
    empty: dict[str, Any] = {}
    out = []
    for agency in await Agency.all().order_by("name", "id"):
        delivered, rated = services.get(str(agency.id), empty), feedback.get(str(agency.id), empty)
        out.append(
            AgencyStats(
                agency=agency,
                services_delivered=int(delivered.get("delivered", 0)),
                services_online=int(delivered.get("online", 0)),
                services_offline=int(delivered.get("offline", 0)),
                enterprises_served=int(delivered.get("served", 0)),
                feedback_count=int(rated.get("feedback", 0)),
                satisfied_feedback=int(rated.get("satisfied", 0)),
            )
        )
    return out
