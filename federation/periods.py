"""Report periods (DESIGN §7), one rule for the node that writes a report and the hub that
checks it: a calendar month ("2026-10") or quarter ("2026-Q4") of the window's time zone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from federation.errors import InputError
from federation.inputs import quote

__all__ = ["Period", "ending_within", "last_ended"]

_PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True)
class Period:
    """A month or a quarter: its label and its first and last days."""

    label: str
    start: date
    end: date  # included

    @classmethod
    def parse(cls, label: str) -> Period:
        match = _PERIOD.match(label.strip())
        if match is None:
            raise InputError(
                f"a period is a month like 2026-10 or a quarter like 2026-Q4, not {quote(label)}",
                field="period",
            )
        year = int(match[1])
        first, months = (int(match[2]), 1) if match[2] else ((int(match[3]) - 1) * 3 + 1, 3)
        start = date(year, first, 1)
        last_month = first + months - 1
        return cls(match[0], start, _month_end(year, last_month))

    @classmethod
    def month_of(cls, day: date) -> Period:
        return cls.parse(f"{day.year}-{day.month:02d}")

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        return cls.parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")

    @property
    def quarterly(self) -> bool:
        return "Q" in self.label


def _month_end(year: int, month: int) -> date:
    # December's end is written out: the day before next January 1st is not there in 9999.
    return date(year, 12, 31) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)


def last_ended(today: date) -> list[Period]:
    """The month and the quarter that ended most recently before ``today``."""
    day_before = timedelta(days=1)
    return [
        Period.month_of(Period.month_of(today).start - day_before),
        Period.quarter_of(Period.quarter_of(today).start - day_before),
    ]


def ending_within(start: date, end: date) -> Iterator[Period]:
    """Every month and quarter whose last day lies within start..end, by their last day (a
    month before the quarter it closes)."""
    month = Period.month_of(start)
    while month.end <= end:
        if month.end >= start:
            yield month
            if month.end.month % 3 == 0:
                yield Period.quarter_of(month.end)
        if month.end == date.max:
            return
        month = Period.month_of(month.end + timedelta(days=1))
