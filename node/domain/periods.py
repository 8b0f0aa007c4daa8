"""Periods of calendar days in the node's time zone (Asia/Shanghai unless configured)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from tortoise.models import Model
from tortoise.queryset import QuerySet

from federation.errors import InputError
from node import clock

M = TypeVar("M", bound=Model)


def period_bounds(
    from_date: date | None, to_date: date | None, timezone: str
) -> tuple[datetime | None, datetime | None]:
    """UTC bounds [from 00:00, to + 1 day 00:00) of calendar days in ``timezone``."""
    if from_date and to_date and from_date > to_date:
        raise InputError(f"the period starts ({from_date}) after it ends ({to_date})")
    zone = ZoneInfo(timezone)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    try:
        return (
            start_of(from_date) if from_date else None,
            start_of(to_date + timedelta(days=1)) if to_date else None,
        )
    except OverflowError:
        raise InputError("the period lies outside the calendar this node keeps") from None


def within(
    query: QuerySet[M], column: str, from_date: date | None, to_date: date | None, timezone: str
) -> QuerySet[M]:
    """``query`` narrowed to rows whose ``column`` falls on the days of the period."""
    start, end = period_bounds(from_date, to_date, timezone)
    if start is not None:
        query = query.filter(**{f"{column}__gte": start})
    if end is not None:
        query = query.filter(**{f"{column}__lt": end})
    return query


def local_today(timezone: str) -> date:
    return clock.now().astimezone(ZoneInfo(timezone)).date()
