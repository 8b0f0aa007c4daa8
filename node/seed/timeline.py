"""The timeline the demo history is planned on: steps at moments, run in time order.

Planning draws every moment from the window's random generator; running freezes the node's
clock at each step's moment (node.clock), so what the step writes is dated then. A step at or
after the end has not happened yet and is left out, and so is every later step of its story,
because a story's moments only ever increase.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from node import clock
from node.progress import Progress

Action = Callable[[], Awaitable[object]]


class HistoryError(Exception):
    """A step of the history failed: the steps before it are written, it and later ones not."""

    def __init__(self, number: int, total: int, what: str, at: datetime, cause: Exception):
        self.number, self.total, self.what, self.at, self.cause = number, total, what, at, cause
        super().__init__(
            f"step {number} of {total} ({what}, dated {at:%Y-%m-%d %H:%M} UTC): {cause}"
        )


@dataclass
class Ref:
    """The id of a row a step creates, for the later steps of its story."""

    id: uuid.UUID | None = None

    def get(self) -> uuid.UUID:
        if self.id is None:
            raise RuntimeError("a step ran before the step that creates its row")
        return self.id


@dataclass(order=True)
class _Step:
    at: datetime
    number: int
    what: str = field(compare=False)
    action: Action = field(compare=False)


class Timeline:
    """Steps between ``start`` and ``end``, with working-hour moments in ``zone``."""

    def __init__(self, rng: Random, start: datetime, end: datetime, zone: ZoneInfo) -> None:
        self.rng, self.start, self.end, self.zone = rng, start, end, zone
        self._steps: list[_Step] = []

    @property
    def first_day(self) -> date:
        return self.local(self.start).date()

    @property
    def last_day(self) -> date:
        return self.local(self.end - timedelta(microseconds=1)).date()

    def add(self, at: datetime, what: str, action: Action) -> bool:
        """Plan ``action`` at ``at``; False when that is not in the past yet (it is dropped)."""
        if at >= self.end:
            return False
        self._steps.append(_Step(at, len(self._steps), what, action))
        return True

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def day(self, first: float = 0.0, last: float = 1.0) -> date:
        """A day between two fractions of the history."""
        days = (self.end - self.start).days
        return self.first_day + timedelta(
            days=self.rng.randint(int(days * first), int(days * last) - 1)
        )

    def recent_workday(self, days: int) -> date:
        """A weekday among the last ``days`` days of the history."""
        day = self.last_day - timedelta(days=self.rng.randrange(days))
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    def office(self, day: date) -> datetime:
        """A moment of the working hours of ``day``, or of the Monday after a weekend."""
        while day.weekday() >= 5:
            day += timedelta(days=1)
        minute = self.rng.randrange(9 * 60, 17 * 60)
        if minute >= 12 * 60:
            minute += 90  # the lunch break
        return self._at(day, minute)

    def any_hour(self, day: date) -> datetime:
        """When an enterprise fills in a form: any day, morning to late evening."""
        return self._at(day, self.rng.randrange(7 * 60 + 30, 23 * 60))

    def later(self, moment: datetime, low_days: int, high_days: int) -> datetime:
        """Working hours ``low_days``..``high_days`` days on; soon after ``moment`` at least."""
        day = self.local(moment).date() + timedelta(days=self.rng.randint(low_days, high_days))
        found = self.office(day)
        if found <= moment:
            found = moment + timedelta(minutes=self.rng.randint(15, 150))
        return found

    def soon(self, moment: datetime, low_minutes: int, high_minutes: int) -> datetime:
        return moment + timedelta(minutes=self.rng.randint(low_minutes, high_minutes))

    def _at(self, day: date, minute: int) -> datetime:
        local = datetime.combine(day, time(minute // 60, minute % 60, self.rng.randrange(60)))
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    def __len__(self) -> int:
        return len(self._steps)

    async def run(self, label: str) -> None:
        """Every step in time order, the clock frozen at its moment; stops at a failing one."""
        steps = sorted(self._steps)
        progress = Progress(label, len(steps))
        try:
            for number, step in enumerate(steps, 1):
                with clock.frozen_at(step.at):
                    try:
                        await step.action()
                    except Exception as error:
                        raise HistoryError(number, len(steps), step.what, step.at, error) from error
                progress.advance()
        finally:
            progress.finish()
