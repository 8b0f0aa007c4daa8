"""The lifecycle benchmark's database: bulk rows over two years, and the hand-written SQL
reference its answers are checked and timed against."""

from __future__ import annotations

import random
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from node.domain.catalogue import ServiceCategory

# Two years of history; the timed period is the second one, in Shanghai calendar days.
SPAN_START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_END = SPAN_START + timedelta(days=731)
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
CATEGORIES = [c.value for c in ServiceCategory]
RATINGS, RATING_WEIGHTS = (5, 4, 3, 2, 1), (55, 30, 10, 3, 2)


class Rows:
    """Random rows whose UUIDv7 keys carry their creation time, as the node's keys do."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def key(self, at: datetime) -> str:
        millis = int(at.timestamp() * 1000)
        value = (millis << 80) | (0x7 << 76) | (self.rng.getrandbits(12) << 64) | (0b10 << 62)
        return str(uuid.UUID(int=value | self.rng.getrandbits(62)))

    def times(self, count: int) -> list[datetime]:
        """``count`` sorted instants over the span, so keys grow as in a live node."""
        seconds = (SPAN_END - SPAN_START).total_seconds()
        offsets = sorted(self.rng.random() * seconds for _ in range(count))
        return [SPAN_START + timedelta(seconds=s) for s in offsets]

    def later(self, at: datetime, mean_hours: float) -> datetime:
        return at + timedelta(hours=self.rng.expovariate(1 / mean_hours))


def ts(at: datetime | None) -> str | None:
    """The text Tortoise stores for an aware UTC datetime on SQLite."""
    return None if at is None else at.isoformat(" ")


def insert(conn: sqlite3.Connection, table: str, columns: str, rows: Sequence[tuple]) -> int:
    names = columns.split()
    marks = ", ".join("?" * len(names))
    conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)
    return len(rows)


def build(path: Path, n_records: int, seed: int = 7) -> tuple[dict[str, int], str]:
    """Fill the migrated database at ``path``; return row counts and the busiest enterprise."""
    r = Rows(seed)
    rng, scale = r.rng, n_records / 1_000_000
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=OFF")  # a throwaway file: no journal, no fsync
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    t0 = ts(SPAN_START - timedelta(days=30))
    agencies = [r.key(SPAN_START) for _ in range(50)]
    insert(
        conn,
        "agencies",
        "id created_at name categories qualifications contact_phone updated_at",
        [(a, t0, f"服务机构{i}", "[]", "[]", "", t0) for i, a in enumerate(agencies)],
    )
    services = [(r.key(SPAN_START), agencies[i % 50], rng.random() < 0.6) for i in range(200)]
    insert(
        conn,
        "services",
        "id created_at name category public_welfare function process "
        "standard fee mode status tags updated_at agency_id",
        [
            (
                s,
                t0,
                f"服务{i}",
                CATEGORIES[i % len(CATEGORIES)],
                int(pw),
                "f",
                "p",
                "s",
                "免费" if pw else "500 元",
                "BOTH",
                "PUBLISHED",
                "[]",
                t0,
                a,
            )
            for i, (s, a, pw) in enumerate(services)
        ],
    )
    enterprises = [r.key(SPAN_START) for _ in range(max(100, int(20_000 * scale)))]
    insert(
        conn,
        "enterprises",
        "id created_at name uscc region_code industry_code size_class "
        "contact_name contact_phone contact_email updated_at",
        [
            (e, t0, f"企业{i}", f"91440305MA{i:08d}", "440305", "3981", "SMALL", "", "", "", t0)
            for i, e in enumerate(enterprises)
        ],
    )
    counts = {"agencies": 50, "services": 200, "enterprises": len(enterprises)}
    counts |= _records(conn, r, n_records, enterprises, services)
    counts |= _demands(conn, r, max(50, int(100_000 * scale)), enterprises)
    counts |= _activities_and_vouchers(conn, r, scale, enterprises)
    conn.execute("COMMIT")
    conn.close()
    return counts, enterprises[0]


def _records(
    conn: sqlite3.Connection,
    r: Rows,
    n: int,
    enterprises: list[str],
    services: list[tuple[str, str, bool]],
) -> dict[str, int]:
    rng = r.rng
    # A few enterprises are served far more often than most (Zipf-like); the first is busiest.
    who = rng.choices(enterprises, [1 / (i + 10) for i in range(len(enterprises))], k=n)
    what = rng.choices(services, k=n)
    rows, feedback = [], []
    for i, started in enumerate(r.times(n)):
        finished = r.later(started, 72)
        done = None if finished >= SPAN_END or rng.random() < 0.03 else finished
        service, agency, public_welfare = what[i]
        key = r.key(started)
        rows.append(
            (
                key,
                ts(started),
                "ONLINE" if rng.random() < 0.4 else "OFFLINE",
                "staff",
                "COMPLETED" if done else "IN_PROGRESS",
                ts(started),
                ts(done),
                None if public_welfare else "500.00",
                agency,
                who[i],
                service,
            )
        )
        if done and rng.random() < 0.6:
            given = min(r.later(done, 48), SPAN_END)
            rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
            feedback.append((r.key(given), ts(given), rating, "", "PHONE_CALLBACK", "staff", key))
    insert(
        conn,
        "service_records",
        "id created_at channel staff status started_at "
        "completed_at fee agency_id enterprise_id service_id",
        rows,
    )
    feedback.sort()  # in creation order, as a live node writes it
    insert(
        conn, "feedback", "id created_at rating comment channel actor service_record_id", feedback
    )
    return {"service_records": n, "feedback": len(feedback)}


def _demands(conn: sqlite3.Connection, r: Rows, n: int, enterprises: list[str]) -> dict[str, int]:
    rng = r.rng
    demands, transitions = [], []
    for created in r.times(n):
        key, fate = r.key(created), rng.random()
        steps = [("SUBMITTED", created)]
        if fate < 0.05:
            steps.append(("REJECTED", r.later(created, 12)))
        elif fate < 0.95:
            steps.append(("ACCEPTED", r.later(created, 8)))
            if fate < 0.08:
                steps.append(("ESCALATED", r.later(steps[-1][1], 24)))
            else:
                for status, hours in (("MATCHED", 24), ("IN_SERVICE", 48), ("COMPLETED", 240)):
                    steps.append((status, r.later(steps[-1][1], hours)))
                if rng.random() < 0.5:
                    steps.append(("CLOSED", r.later(steps[-1][1], 48)))
        steps = [(status, at) for status, at in steps if at < SPAN_END]
        when = dict(steps)
        demands.append(
            (
                key,
                ts(created),
                "需求",
                "",
                "FINANCING",
                steps[-1][0],
                "staff",
                ts(when.get("ACCEPTED")),
                ts(when.get("COMPLETED")),
                ts(when.get("CLOSED")),
                ts(steps[-1][1]),
                rng.choice(enterprises),
            )
        )
        previous: str | None = None
        for status, at in steps:
            transitions.append((r.key(at), ts(at), previous, status, "staff", key))
            previous = status
    insert(
        conn,
        "demands",
        "id created_at title description category status submitted_by "
        "accepted_at completed_at closed_at updated_at enterprise_id",
        demands,
    )
    transitions.sort()
    insert(
        conn,
        "demand_transitions",
        "id created_at from_status to_status actor demand_id",
        transitions,
    )
    return {"demands": n, "demand_transitions": len(transitions)}


def _activities_and_vouchers(
    conn: sqlite3.Connection, r: Rows, scale: float, enterprises: list[str]
) -> dict[str, int]:
    rng = r.rng
    activities, registrations = [], []
    for starts in r.times(max(20, int(2_000 * scale))):
        key = r.key(starts - timedelta(days=14))
        activities.append(
            (
                key,
                ts(starts - timedelta(days=14)),
                "政策宣讲会",
                "POLICY_BRIEFING",
                "",
                ts(starts),
                ts(starts + timedelta(hours=2)),
                0,
                "",
                100,
                "staff",
            )
        )
        for enterprise in rng.sample(enterprises, 30):
            attended = ts(starts) if rng.random() < 0.8 else None
            registrations.append(
                (
                    r.key(starts - timedelta(days=7)),
                    ts(starts - timedelta(days=7)),
                    "",
                    attended,
                    "",
                    key,
                    enterprise,
                )
            )
    insert(
        conn,
        "activities",
        "id created_at title kind description starts_at ends_at online "
        "location capacity created_by",
        sorted(activities),
    )
    insert(
        conn,
        "activity_registrations",
        "id created_at participant_name attended_at comment activity_id enterprise_id",
        sorted(registrations),
    )
    vouchers = []
    for issued in r.times(max(20, int(20_000 * scale))):
        redeemed = r.later(issued, 30 * 24) if rng.random() < 0.5 else None
        redeemed = redeemed if redeemed and redeemed < SPAN_END else None
        vouchers.append(
            (
                r.key(issued),
                ts(issued),
                "1000.00",
                "2026-12-31",
                "[]",
                "REDEEMED" if redeemed else "ISSUED",
                "staff",
                ts(redeemed),
                rng.choice(enterprises),
            )
        )
    insert(
        conn,
        "vouchers",
        "id created_at amount valid_until categories status issued_by redeemed_at enterprise_id",
        vouchers,
    )
    return {
        "activities": len(activities),
        "activity_registrations": len(registrations),
        "vouchers": len(vouchers),
    }


# The hand-written SQL each node answer is measured beside.

REFERENCE_STATS = {
    "records": """SELECT COUNT(*), TOTAL(r.channel = 'ONLINE'), TOTAL(r.channel = 'OFFLINE'),
        TOTAL(s.public_welfare), COUNT(DISTINCT r.enterprise_id)
        FROM service_records r JOIN services s ON s.id = r.service_id
        WHERE r.status = 'COMPLETED' AND r.completed_at >= :a AND r.completed_at < :b""",
    "categories": """SELECT s.category, COUNT(*) FROM service_records r
        JOIN services s ON s.id = r.service_id
        WHERE r.status = 'COMPLETED' AND r.completed_at >= :a AND r.completed_at < :b
        GROUP BY s.category ORDER BY s.category""",
    "feedback": """SELECT COUNT(*), TOTAL(rating >= 4) FROM feedback
        WHERE created_at >= :a AND created_at < :b""",
    "activities": "SELECT COUNT(*) FROM activities WHERE starts_at >= :a AND starts_at < :b",
    "participants": """SELECT COUNT(*) FROM activity_registrations
        WHERE attended_at >= :a AND attended_at < :b""",
    "issued": "SELECT COUNT(*) FROM vouchers WHERE created_at >= :a AND created_at < :b",
    "redeemed": "SELECT COUNT(*) FROM vouchers WHERE redeemed_at >= :a AND redeemed_at < :b",
    "received": "SELECT COUNT(*) FROM demands WHERE created_at >= :a AND created_at < :b",
    "completed": "SELECT COUNT(*) FROM demands WHERE completed_at >= :a AND completed_at < :b",
    "moved": """SELECT to_status, COUNT(*) FROM demand_transitions
        WHERE to_status IN ('REJECTED', 'ESCALATED') AND created_at >= :a AND created_at < :b
        GROUP BY to_status""",
    "open": """SELECT (SELECT COUNT(*) FROM demands WHERE created_at < :b)
        - (SELECT COUNT(DISTINCT demand_id) FROM demand_transitions WHERE created_at < :b
           AND to_status IN ('COMPLETED', 'REJECTED', 'ESCALATED', 'CLOSED'))""",
    # The median by window functions: the middle row, or the mean of the middle two.
    **{
        f"median_{event}": f"""SELECT AVG(v) FROM (SELECT v, ROW_NUMBER() OVER (ORDER BY v) AS i,
            COUNT(*) OVER () AS n FROM (SELECT (julianday({event}) - julianday(created_at)) * 24
            AS v FROM demands WHERE {event} >= :a AND {event} < :b))
            WHERE i IN ((n + 1) / 2, (n + 2) / 2)"""
        for event in ("accepted_at", "completed_at")
    },
}
REFERENCE_PAGE = "SELECT * FROM service_records WHERE enterprise_id = ? ORDER BY id DESC LIMIT 21"


def reference_stats(conn: sqlite3.Connection, bounds: dict[str, str]) -> dict[str, Any]:
    one = {name: conn.execute(sql, bounds).fetchall() for name, sql in REFERENCE_STATS.items()}
    delivered, online, offline, public_welfare, enterprises = one["records"][0]
    feedback, satisfied = one["feedback"][0]
    moved = dict(one["moved"])
    return {
        "servicesDelivered": delivered,
        "servicesOnline": int(online),
        "servicesOffline": int(offline),
        "servicesByCategory": [{"category": c, "count": n} for c, n in one["categories"]],
        "publicWelfareServices": int(public_welfare),
        "enterprisesServed": enterprises,
        "activities": one["activities"][0][0],
        "activityParticipants": one["participants"][0][0],
        "feedbackCount": feedback,
        "satisfiedFeedback": int(satisfied),
        "satisfactionRate": satisfied / feedback if feedback else None,
        "demandsReceived": one["received"][0][0],
        "demandsCompleted": one["completed"][0][0],
        "demandsRejected": moved.get("REJECTED", 0),
        "demandsEscalated": moved.get("ESCALATED", 0),
        "demandsOpen": one["open"][0][0],
        "medianResponseHours": one["median_accepted_at"][0][0],
        "medianResolutionHours": one["median_completed_at"][0][0],
        "vouchersIssued": one["issued"][0][0],
        "vouchersRedeemed": one["redeemed"][0][0],
    }


def check_stats(node: dict[str, Any], reference: dict[str, Any]) -> None:
    for name, expected in reference.items():
        got = node[name]
        same = (
            got == expected
            if not isinstance(expected, float)
            else got is not None and abs(got - expected) <= 1e-3 * max(1, abs(expected))
        )
        if not same:
            raise AssertionError(f"stats.{name}: node {got!r}, SQL reference {expected!r}")
