"""Network-wide record IDs: ``<windowId>:<uuid>``, so the hub can route by ID alone."""

from __future__ import annotations

import os
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

from federation.errors import InvalidId
from federation.inputs import quote

__all__ = ["WINDOW_ID_PATTERN", "check_window_id", "make_id", "new_uuid", "parse_id", "uuid_time"]

# Lower-case letters, digits and dashes; no colon, so the first colon splits an ID.
WINDOW_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


def check_window_id(value: str) -> str:
    """``value`` if it has a window id's form, else ``InvalidId``: no window has another, and
    one longer than the column would fail in the database rather than as the caller's error."""
    if not WINDOW_ID_PATTERN.fullmatch(value):
        raise InvalidId(
            f"{quote(value)} is not a window id:"
            " lower-case letters, digits and dashes, 2–63 characters"
        )
    return value


def make_id(window_id: str, local: uuid.UUID) -> str:
    return f"{window_id}:{local}"


def parse_id(record_id: str) -> tuple[str, uuid.UUID]:
    """Split a network ID into window id and local UUID, or raise ``InvalidId``."""
    window_id, sep, local = record_id.partition(":")
    if not sep or not WINDOW_ID_PATTERN.match(window_id):
        raise InvalidId(f"{quote(record_id)} is not a record ID of the form <windowId>:<uuid>")
    try:
        return window_id, uuid.UUID(local)
    except ValueError:
        raise InvalidId(f"{quote(record_id)} does not end in a UUID") from None


_last = 0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def new_uuid(at: datetime | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): its first 48 bits are Unix milliseconds, so IDs sort by creation time.

    Sorting by ID alone then gives "newest first by creation time with the ID as tie-break"
    in any database and any language, which is what lets the hub merge windows' pages. Within
    one process live IDs also strictly increase, so two records of one millisecond keep their
    order. An explicit time ``at`` (aware; back-dated demo history) skips that rule and leaves
    it untouched for live IDs: such IDs of one millisecond sort by their random bits.
    """
    global _last
    if at is None:
        millis = time.time_ns() // 1_000_000
    else:
        millis = (at - _EPOCH) // _MILLISECOND
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis << 80) | (0x7 << 76) | (((rand >> 62) & 0xFFF) << 64) | (0b10 << 62)
    value |= rand & ((1 << 62) - 1)
    if at is not None:
        return uuid.UUID(int=value)
    if value <= _last:
        # Same millisecond (or a clock step back): count on from the last ID. The random low
        # bits leave ample room before the increment could reach the version or variant bits.
        value = _last + 1
    _last = value
    return uuid.UUID(int=value)


def uuid_time(value: uuid.UUID) -> datetime:
    """The creation time (UTC, millisecond precision) a UUIDv7 carries."""
    return datetime.fromtimestamp((value.int >> 80) / 1000, tz=UTC)
