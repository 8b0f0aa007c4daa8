"""Calendar days of the platform (DESIGN §4): validity periods are days in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["LOCAL_TIMEZONE", "local_today"]

LOCAL_TIMEZONE = "Asia/Shanghai"


def local_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo(LOCAL_TIMEZONE)).date()
