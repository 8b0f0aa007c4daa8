"""The node's clock: what the domain services stamp as "now".

It exists so that demo history (`smenet node seed` writes months of it through the ordinary
domain services) and tests can hold the time at a past moment; production never freezes it.
While frozen, new records also take their UUIDv7 ids from the frozen time (node.models).
A context variable holds the moment, so a freeze covers only the task that set it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_frozen: ContextVar[datetime | None] = ContextVar("frozen_clock", default=None)


def now() -> datetime:
    """The current time, UTC-aware: the frozen moment while one is set."""
    return _frozen.get() or datetime.now(UTC)


def frozen_time() -> datetime | None:
    return _frozen.get()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Hold the clock at ``moment`` (time-zone aware) for the block."""
    if moment.tzinfo is None:
        raise ValueError("the clock is frozen at an aware datetime only")
    moment = moment.astimezone(UTC)
    token = _frozen.set(moment)
    try:
        yield moment
    finally:
        _frozen.reset(token)
