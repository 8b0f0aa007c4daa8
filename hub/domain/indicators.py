"""Indicators of a window and of its agencies for a period (DESIGN §7), as the assessment scores
them: read from the window's node (``stats`` and ``agencyStats``, asked with the hub's
supervision token through the network's one gatherer) and, for reporting timeliness, from the
reports the hub received (``hub.domain.reports``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from federation.errors import InputError, NotFound, WindowError
from federation.gather import Call, Target
from hub.domain import registry, reports
from hub.domain.access import AUDIT_READERS, OPERATOR, Actor, HubRole, require
from hub.domain.network import Network
from hub.domain.reports import Timeliness
from hub.domain.scoring import Indicators
from hub.domain.trust import HubTrust
from hub.models import Window

__all__ = [
    "ASSESSORS",
    "INDICATOR_READERS",
    "AgencyIndicators",
    "WindowIndicators",
    "read_indicators",
]

# Who runs assessments, and who may read indicators and results (SUPERVISOR reads).
ASSESSORS = OPERATOR | {HubRole.HUB_ADMIN}
INDICATOR_READERS = ASSESSORS | AUDIT_READERS

FIGURES = """servicesDelivered servicesOnline servicesOffline enterprisesServed
  feedbackCount satisfiedFeedback"""
QUERY = f"""query Indicators($from: Date!, $to: Date!) {{
  stats(from: $from, to: $to) {{ {FIGURES} activities activityParticipants demandsReceived
    demandsCompleted demandsRejected demandsOpen medianResolutionHours }}
  agencyStats(from: $from, to: $to) {{ agency {{ id name }} {FIGURES} }}
}}"""


@dataclass(frozen=True)
class AgencyIndicators:
    agency_id: str  # the agency's network ID
    name: str
    indicators: Indicators


@dataclass(frozen=True)
class WindowIndicators:
    window: Window
    indicators: Indicators
    agencies: list[AgencyIndicators]


def check_period(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise InputError(f"the period starts ({date_from}) after it ends ({date_to})")


async def read_indicators(
    actor: Actor,
    network: Network,
    trust: HubTrust,
    window_id: str,
    date_from: date,
    date_to: date,
) -> WindowIndicators:
    """The window's and its agencies' indicators of ``date_from``..``date_to`` (both included,
    in the node's time zone). Only a window on the network (CONNECTED or RECTIFYING) is asked;
    a node that fails the call raises its ``WindowError``."""
    require(actor, INDICATOR_READERS, "read indicators")
    check_period(date_from, date_to)
    window = await registry.get_window(window_id)
    if window is None:
        raise NotFound(f"no window {window_id!r} in the registry")
    if window.status not in registry.ON_NETWORK:
        raise InputError(
            f"window {window_id} is {window.status}: only a window on the network is asked",
            field="windowId",
        )
    target = Target(window_id, window.endpoint, trust.token_maker(window_id, actor))
    variables = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    result = await network.gatherer.call(Call(target, QUERY, variables))
    if result.failure is not None:
        raise result.failure
    data = result.data or {}
    stats, agencies = data.get("stats"), data.get("agencyStats")
    if not isinstance(stats, dict) or not isinstance(agencies, list):
        raise WindowError(
            f"window {window_id} did not answer its indicators",
            windowId=window_id,
            nodeErrors=result.errors,
        )
    period = f"{date_from.isoformat()}..{date_to.isoformat()}"
    source = f"window {window_id}: stats and agencyStats of {period}"
    try:
        indicators = _window_figures(stats, date_from, date_to, source)
        rows = [_agency_figures(row, date_from, date_to, source) for row in agencies]
    except (KeyError, TypeError, ValueError):
        raise WindowError(
            f"window {window_id} answered indicators that do not fit", windowId=window_id
        ) from None
    timeliness = await reports.timeliness(window, date_from, date_to)
    indicators = _with_reports(indicators, timeliness, period)
    return WindowIndicators(window=window, indicators=indicators, agencies=rows)


def _count(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(key)
    return value


def _base(data: dict[str, Any], date_from: date, date_to: date, source: str) -> dict[str, Any]:
    return {
        "date_from": date_from,
        "date_to": date_to,
        "source": source,
        "enterprises_served": _count(data, "enterprisesServed"),
        "services_delivered": _count(data, "servicesDelivered"),
        "services_online": _count(data, "servicesOnline"),
        "services_offline": _count(data, "servicesOffline"),
        "feedback_count": _count(data, "feedbackCount"),
        "satisfied_feedback": _count(data, "satisfiedFeedback"),
    }


def _window_figures(
    stats: dict[str, Any], date_from: date, date_to: date, source: str
) -> Indicators:
    hours = stats["medianResolutionHours"]
    return Indicators(
        **_base(stats, date_from, date_to, source),
        activities=_count(stats, "activities"),
        activity_participants=_count(stats, "activityParticipants"),
        demands_received=_count(stats, "demandsReceived"),
        demands_completed=_count(stats, "demandsCompleted"),
        demands_rejected=_count(stats, "demandsRejected"),
        demands_open=_count(stats, "demandsOpen"),
        median_resolution_hours=None if hours is None else float(hours),
    )


def _agency_figures(
    row: dict[str, Any], date_from: date, date_to: date, source: str
) -> AgencyIndicators:
    agency = row["agency"]
    return AgencyIndicators(
        agency_id=str(agency["id"]),
        name=str(agency["name"]),
        indicators=Indicators(**_base(row, date_from, date_to, source)),
    )


def _with_reports(indicators: Indicators, timeliness: Timeliness, period: str) -> Indicators:
    values = indicators.figures()
    values.update(
        date_from=indicators.date_from,
        date_to=indicators.date_to,
        source=f"{indicators.source}; the hub's received reports due in {period}",
        reports_due=timeliness.due,
        reports_on_time=timeliness.on_time,
        reports_late=timeliness.late,
        reports_missing=timeliness.missing,
    )
    return Indicators(**values)
