"""The values the node hands to plugins and takes from them (re-exported by ``api``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from node.domain.periods import period_bounds


@dataclass(frozen=True)
class Storage:
    """A plugin's Tortoise app: dotted names of its models and migrations modules. Its tables
    are named ``<namespace>_…``; its first migration may depend on the core's (app ``node``)."""

    models: str
    migrations: str


@dataclass(frozen=True)
class Event:
    """A committed domain event; ``kind`` is one of ``events.*`` (e.g. ``demand.submitted``),
    ``subject_id`` the local key of the record it is about (e.g. the demand's)."""

    id: uuid.UUID
    kind: str
    subject_id: uuid.UUID
    payload: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Period:
    """The calendar days of ``stats(from, to)`` in the node's time zone, both days included."""

    from_date: date
    to_date: date
    timezone: str

    def bounds(self) -> tuple[datetime, datetime]:
        """UTC [start, end) of the period, for filtering timestamps."""
        start, end = period_bounds(self.from_date, self.to_date, self.timezone)
        assert start is not None and end is not None
        return start, end
