"""Turnaround indicators of a period, computed by the database with aggregate queries.

Orders count by the day things happened in the node's time zone: received by their received
day, reported by the time of the report (within ``Period.bounds()``). "On time" compares the
day of the report with the due day, both kept as dates, so it is a plain column comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from node.plugins import api
from plugins.inspection.models import InspectionOrder

# PostgreSQL's numbered placeholders; SQLite gets the same numbers as ?1, ?2 …
# $1, $2: the period's UTC bounds [start, end); $3, $4: its first and last day;
# $5: the first day on which an order due the day before is overdue (see ``figures``).
COUNTS = """
SELECT
  (SELECT COUNT(*) FROM inspection_orders WHERE received_on >= $3 AND received_on <= $4)
    AS received,
  (SELECT COUNT(*) FROM inspection_orders WHERE reported_at >= $1 AND reported_at < $2)
    AS reported,
  (SELECT COUNT(*) FROM inspection_orders
    WHERE reported_at >= $1 AND reported_at < $2 AND reported_on <= due_on) AS on_time,
  (SELECT COUNT(*) FROM inspection_orders
    WHERE received_on <= $4 AND due_on < $5
      AND (reported_at IS NULL OR reported_at >= $2)
      AND (cancelled_at IS NULL OR cancelled_at >= $2)) AS overdue
"""

REPORTED = "reported_at >= $1 AND reported_at < $2"


def _median(dialect: str) -> str:
    """Median days from receipt to report over the orders reported in the period."""
    if dialect == "postgres":
        # date - date is a whole number of days.
        return f"""
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY reported_on - received_on) AS median
FROM inspection_orders WHERE {REPORTED}"""
    # SQLite has no percentile: the middle one or two values of the sorted days, averaged.
    return f"""
WITH d AS (SELECT julianday(reported_on) - julianday(received_on) AS v
  FROM inspection_orders WHERE {REPORTED})
SELECT AVG(v) AS median FROM (SELECT v FROM d ORDER BY v
  LIMIT 2 - (SELECT COUNT(*) FROM d) % 2 OFFSET ((SELECT COUNT(*) FROM d) - 1) / 2) AS middle"""


@dataclass(frozen=True)
class Figures:
    received: int
    reported: int
    on_time: int
    overdue: int
    median_days: float | None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.reported if self.reported else None


async def figures(period: api.Period) -> Figures:
    start, end = period.bounds()
    # Overdue means the due day has passed: at the period's end, or now if that is earlier
    # (an order due today is not overdue yet, whatever period is asked for).
    cutoff = min(period.to_date + timedelta(days=1), api.local_today(period.timezone))
    client = InspectionOrder._meta.db
    dialect = client.capabilities.dialect

    def sql(statement: str) -> str:
        return statement if dialect == "postgres" else re.sub(r"\$(\d+)", r"?\1", statement)

    days: list[date] = [period.from_date, period.to_date, cutoff]
    counts = (await client.execute_query_dict(sql(COUNTS), [start, end, *days]))[0]
    median = (await client.execute_query_dict(sql(_median(dialect)), [start, end]))[0]["median"]
    return Figures(
        received=int(counts["received"]),
        reported=int(counts["reported"]),
        on_time=int(counts["on_time"]),
        overdue=int(counts["overdue"]),
        median_days=None if median is None else float(median),
    )
