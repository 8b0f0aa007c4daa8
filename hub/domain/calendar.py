"""Calendar days of the platform (DESIGN §4): periods, validity and deadlines are days in the
hub's time zone (setting ``timezone``, by default the nodes' Asia/Shanghai)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["LOCAL_TIMEZONE", "local_today", "use_timezone", "zone"]

LOCAL_TIMEZONE = "Asia/Shanghai"
# One hub per process: its app sets the zone from its settings when it is created.
_zone = ZoneInfo(LOCAL_TIMEZONE)


def use_timezone(name: str) -> None:
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    return _zone


def local_today() -> date:
    return datetime.now(UTC).astimezone(_zone).date()
