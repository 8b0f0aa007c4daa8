"""Reporting timeliness (hub.domain.reports.timeliness, missing_reports, late_reports) against
configured due dates, on SQLite and PostgreSQL: every month and quarter ending in the span after
the window was connected owes a data report and a summary, due the configured days after."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from federation.errors import InputError
from federation.ids import new_uuid
from federation.periods import Period
from hub import db
from hub.domain import calendar, reports
from hub.domain.reports import DueDays, Timeliness
from hub.models import Report, Window
from tests.conftest import DATABASES


@pytest.fixture(scope="module", params=DATABASES)
async def database(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[str]:
    await db.open_db(make_db_url(request.param))
    reports.set_due_days(DueDays(monthly=10, quarterly=15))
    calendar.use_timezone("Asia/Shanghai")
    try:
        yield request.param
    finally:
        reports.set_due_days(DueDays())
        await db.close_db()
        EXECUTOR_CACHE.clear()


async def window(connected: datetime) -> Window:
    return await Window.create(
        window_id=f"w-{new_uuid().hex[-10:]}",
        name="窗口",
        kind="COMPREHENSIVE",
        region_code="440300",
        status="CONNECTED",
        connected_at=connected,
    )


async def received(row: Window, kind: str, label: str, at: datetime, version: int = 1) -> None:
    period = Period.parse(label)
    due = reports.due_at(period)
    await Report.create(
        window_id=row.id,
        report_id=f"{row.window_id}:{new_uuid()}",
        kind=kind,
        period=label,
        period_from=period.start,
        period_to=period.end,
        version=version,
        content="{}",
        signature="",
        kid="",
        chain_length=0,
        written_at=at,
        created_at=at,
        next_verify_at=at,
        verified_at=at,
        due_at=due,
        late=version == 1 and at > due,
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def test_reports_on_time_late_and_missing_are_counted(database: str) -> None:
    row = await window(utc(2024, 12, 20))
    # 2025-01 (due 11 Feb): data on time, summary late; a correction later changes nothing.
    await received(row, "SERVICE_DATA", "2025-01", utc(2025, 2, 3))
    await received(row, "SUMMARY", "2025-01", utc(2025, 2, 11, 0, 1))
    await received(row, "SUMMARY", "2025-01", utc(2025, 5, 1), version=2)
    # A plan is the window's own choice: never owed, never counted.
    await received(row, "SERVICE_PLAN", "2025-02", utc(2025, 1, 20))
    # 2025-Q1 (due 16 April): both on time.
    for kind in reports.SCHEDULED:
        await received(row, kind, "2025-Q1", utc(2025, 4, 10))
    # 2025-02 and 2025-03: nothing. Months and the quarter ending in January to March 2025:
    # 3 months + 1 quarter, two kinds each.
    found = await reports.timeliness(row, date(2025, 1, 1), date(2025, 3, 31))
    assert found == Timeliness(due=8, on_time=3, late=1, missing=4)
    assert await reports.timeliness(row.window_id, date(2025, 1, 1), date(2025, 3, 31)) == found
    late = await reports.late_reports(date(2025, 1, 1), date(2025, 3, 31))
    assert [(r.window_id, r.kind, r.period) for r in late] == [
        (row.window_id, "SUMMARY", "2025-01")
    ]
    missing = {
        (m.kind, m.period)
        for m in await reports.missing_reports(date(2025, 1, 1), date(2025, 3, 31))
        if m.window_id == row.window_id
    }
    assert missing == {(k, p) for k in reports.SCHEDULED for p in ("2025-02", "2025-03")}


async def test_periods_before_connection_and_not_yet_due_are_not_owed(database: str) -> None:
    today = datetime.now(UTC)
    row = await window(today - timedelta(days=1))
    # Everything that ended before the window joined is not owed; this month is not over.
    assert await reports.timeliness(row, date(today.year - 5, 1, 1), today.date()) == (
        Timeliness(0, 0, 0, 0)
    )
    # Last month, due far ahead: a report received already counts, the other kind waits.
    reports.set_due_days(DueDays(monthly=100_000, quarterly=100_000))
    try:
        last = today.date().replace(day=1) - timedelta(days=1)
        early = await window(utc(2000, 1, 1))
        await received(early, "SERVICE_DATA", last.strftime("%Y-%m"), today)
        span = await reports.timeliness(early, last.replace(day=1), last)
    finally:
        reports.set_due_days(DueDays(monthly=10, quarterly=15))
    assert span == Timeliness(due=1, on_time=1, late=0, missing=0)


async def test_an_unknown_window_owes_nothing(database: str) -> None:
    assert await reports.timeliness("no-such-window", date(2025, 1, 1), date(2025, 12, 31)) == (
        Timeliness(0, 0, 0, 0)
    )


async def test_a_report_is_due_at_midnight_in_the_hubs_time_zone(database: str) -> None:
    # 2025-01, 10 days: due at the start of 11 February in Shanghai, 16:00 UTC on the 10th.
    assert reports.due_at(Period.parse("2025-01")) == utc(2025, 2, 10, 16)
    row = await window(utc(2024, 12, 20))
    await received(row, "SERVICE_DATA", "2025-01", utc(2025, 2, 10, 15, 59))  # 23:59 there
    await received(row, "SUMMARY", "2025-01", utc(2025, 2, 10, 16, 1))  # 00:01 on the 11th
    found = await reports.timeliness(row, date(2025, 1, 1), date(2025, 1, 31))
    assert found == Timeliness(due=2, on_time=1, late=1, missing=0)
    # Connected at 01:00 on 1 February in Shanghai (still 31 January in UTC): January is not
    # owed.
    joined = await window(utc(2025, 1, 31, 17))
    assert await reports.timeliness(joined, date(2025, 1, 1), date(2025, 2, 1)) == (
        Timeliness(0, 0, 0, 0)
    )


async def test_a_span_of_more_than_ten_years_or_backwards_is_refused(database: str) -> None:
    row = await window(utc(2024, 12, 20))
    for start, end in [
        (date(2000, 1, 1), date(2999, 12, 31)),
        (date(2025, 2, 1), date(2025, 1, 1)),
    ]:
        with pytest.raises(InputError):
            await reports.timeliness(row, start, end)
        with pytest.raises(InputError):
            await reports.missing_reports(start, end)
    # The calendar's last decade is a span like any other: nothing in it has ended.
    assert await reports.timeliness(row, date(9990, 1, 1), date(9999, 12, 31)) == (
        Timeliness(0, 0, 0, 0)
    )
    assert await reports.missing_reports(date(9990, 1, 1), date(9999, 12, 31)) == []
