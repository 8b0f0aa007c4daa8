"""The yearly assessment's scoring (DESIGN §7): a plain function of a period's indicators and the
configured rules, so a result can be recomputed from the evidence stored with it.

What is scored follows seed 001 第十二条: a window on the enterprises it served and its
services (服务中小企业数量和服务质量), public activities (公共服务活动数量和效果), satisfaction
(企业满意度) and reporting (服务数据报送); a cooperating agency on enterprises served, services
and satisfaction.
Seed 000 fixes the one number the seeds give: satisfaction of 90 % or more (服务满意度90%以上),
which is a criterion as well as a score: below it the result is FAIL whatever the total.

Each indicator scores 0–100 against its yearly target; the total is the weighted mean over the
indicators the period has figures for (a window without demands is not scored on resolving them),
except satisfaction, which without any rating is scored 0: an unmeasured satisfaction cannot meet
its criterion.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "DEFAULT_WEIGHTS",
    "AGENCY_INDICATORS",
    "Grade",
    "Indicator",
    "Indicators",
    "Rules",
    "Score",
    "Verdict",
    "score",
]


class Indicator(enum.StrEnum):
    ENTERPRISES_SERVED = "ENTERPRISES_SERVED"
    SERVICES_DELIVERED = "SERVICES_DELIVERED"
    PUBLIC_ACTIVITIES = "PUBLIC_ACTIVITIES"
    SATISFACTION = "SATISFACTION"
    DEMAND_RESOLUTION = "DEMAND_RESOLUTION"
    REPORTING_TIMELINESS = "REPORTING_TIMELINESS"


class Grade(enum.StrEnum):
    EXCELLENT = "EXCELLENT"
    PASS = "PASS"
    FAIL = "FAIL"


I = Indicator  # noqa: E741  # short, for the tables below
# Our choice (the seeds name the indicators, not their weights): quantity and satisfaction first.
DEFAULT_WEIGHTS: dict[str, float] = {
    I.ENTERPRISES_SERVED.value: 20.0,
    I.SERVICES_DELIVERED.value: 20.0,
    I.PUBLIC_ACTIVITIES.value: 15.0,
    I.SATISFACTION.value: 20.0,
    I.DEMAND_RESOLUTION.value: 15.0,
    I.REPORTING_TIMELINESS.value: 10.0,
}
AGENCY_INDICATORS = (I.ENTERPRISES_SERVED, I.SERVICES_DELIVERED, I.SATISFACTION)


@dataclass(frozen=True)
class Rules:
    """Weights (any non-negative numbers, normalised), yearly targets and bands (hub config)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    satisfaction_threshold: float = 0.90  # inclusive: 90.0 % meets it
    excellent_score: float = 90.0
    pass_score: float = 60.0
    target_enterprises_served: int = 100
    target_services_delivered: int = 300
    target_activities: int = 12
    target_activity_participants: int = 300
    target_resolution_hours: float = 240.0
    agency_target_enterprises_served: int = 20
    agency_target_services_delivered: int = 50

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(Indicator)
        if unknown:
            raise ValueError(f"assessment_weights: unknown indicators {', '.join(sorted(unknown))}")
        if any(w < 0 for w in self.weights.values()) or not any(self.weights.values()):
            raise ValueError("assessment_weights must be non-negative, and not all zero")
        if not 0 < self.satisfaction_threshold <= 1:
            raise ValueError("satisfaction_threshold must be a share in (0, 1]")
        if not 0 <= self.pass_score <= self.excellent_score <= 100:
            raise ValueError("need 0 <= pass_score <= excellent_score <= 100")
        targets = [v for k, v in asdict(self).items() if k.startswith(("target_", "agency_target"))]
        if any(t <= 0 for t in targets):
            raise ValueError("assessment targets must be positive")


@dataclass(frozen=True)
class Indicators:
    """A period's figures of a window (or an agency: no activities, demands or reports), with
    where they came from; None where the source offers no figure."""

    date_from: date
    date_to: date
    source: str
    enterprises_served: int
    services_delivered: int
    services_online: int
    services_offline: int
    feedback_count: int
    satisfied_feedback: int
    activities: int | None = None
    activity_participants: int | None = None
    demands_received: int | None = None
    demands_completed: int | None = None
    demands_rejected: int | None = None
    demands_open: int | None = None
    median_resolution_hours: float | None = None
    reports_due: int | None = None
    reports_on_time: int | None = None
    reports_late: int | None = None
    reports_missing: int | None = None

    @property
    def satisfaction_rate(self) -> float | None:
        return _share(self.satisfied_feedback, self.feedback_count)

    @property
    def resolution_rate(self) -> float | None:
        """Demands completed of those that reached an outcome here or are still open; escalated
        ones went up to the hub (需求传递) and count neither way."""
        if self.demands_completed is None:
            return None
        settled = self.demands_completed + (self.demands_rejected or 0) + (self.demands_open or 0)
        return _share(self.demands_completed, settled)

    @property
    def timeliness_rate(self) -> float | None:
        if self.reports_due is None or self.reports_on_time is None:
            return None
        return _share(self.reports_on_time, self.reports_due)

    def figures(self) -> dict[str, Any]:
        """The figures as stored with an assessment (dates as ISO text)."""
        out = asdict(self)
        out["date_from"], out["date_to"] = self.date_from.isoformat(), self.date_to.isoformat()
        return out


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Score:
    indicator: Indicator
    score: float | None  # 0–100; None: not scored (no figures)
    weight: float  # normalised over the scored indicators; 0 when not scored
    met: bool | None  # the indicator's criterion, where it has one (satisfaction)
    evidence: dict[str, Any]  # the figures and targets the score was computed from


@dataclass(frozen=True)
class Verdict:
    grade: Grade
    total: float
    scores: list[Score]


def _up_to(value: float, target: float) -> float:
    return round(100 * min(1.0, value / target), 2)


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 2)


def _score_of(
    indicator: Indicator, x: Indicators, rules: Rules, agency: bool
) -> tuple[float | None, bool | None, dict[str, Any]]:
    if indicator is I.ENTERPRISES_SERVED:
        target = (
            rules.agency_target_enterprises_served if agency else rules.target_enterprises_served
        )
        return (
            _up_to(x.enterprises_served, target),
            None,
            {
                "enterprisesServed": x.enterprises_served,
                "target": target,
            },
        )
    if indicator is I.SERVICES_DELIVERED:
        target = (
            rules.agency_target_services_delivered if agency else rules.target_services_delivered
        )
        return (
            _up_to(x.services_delivered, target),
            None,
            {
                "servicesDelivered": x.services_delivered,
                "servicesOnline": x.services_online,
                "servicesOffline": x.services_offline,
                "target": target,
            },
        )
    if indicator is I.SATISFACTION:
        rate, threshold = x.satisfaction_rate, rules.satisfaction_threshold
        evidence = {
            "feedbackCount": x.feedback_count,
            "satisfiedFeedback": x.satisfied_feedback,
            "satisfactionRate": rate,
            "threshold": threshold,
        }
        # Compared as counts, so 900 of 1000 meets 0.90 exactly, without float rounding.
        met = rate is not None and x.satisfied_feedback >= threshold * x.feedback_count - 1e-9
        return (0.0 if rate is None else _up_to(rate, threshold)), met, evidence
    if indicator is I.PUBLIC_ACTIVITIES:
        if x.activities is None or x.activity_participants is None:
            return None, None, {}
        return (
            _mean(
                [
                    _up_to(x.activities, rules.target_activities),
                    _up_to(x.activity_participants, rules.target_activity_participants),
                ]
            ),
            None,
            {
                "activities": x.activities,
                "activityParticipants": x.activity_participants,
                "targetActivities": rules.target_activities,
                "targetParticipants": rules.target_activity_participants,
            },
        )
    if indicator is I.DEMAND_RESOLUTION:
        rate, hours = x.resolution_rate, x.median_resolution_hours
        if rate is None:
            return None, None, {}
        parts = [round(100 * rate, 2)]
        if hours is not None:
            parts.append(100.0 if hours <= 0 else _up_to(rules.target_resolution_hours, hours))
        return (
            _mean(parts),
            None,
            {
                "demandsReceived": x.demands_received,
                "demandsCompleted": x.demands_completed,
                "demandsRejected": x.demands_rejected,
                "demandsOpen": x.demands_open,
                "resolutionRate": rate,
                "medianResolutionHours": hours,
                "targetResolutionHours": rules.target_resolution_hours,
            },
        )
    rate = x.timeliness_rate
    if rate is None:
        return None, None, {}
    return (
        round(100 * rate, 2),
        None,
        {
            "reportsDue": x.reports_due,
            "reportsOnTime": x.reports_on_time,
            "reportsLate": x.reports_late,
            "reportsMissing": x.reports_missing,
        },
    )


def score(indicators: Indicators, rules: Rules, agency: bool = False) -> Verdict:
    """The grade of a window's (or, with ``agency``, an agency's) indicators under ``rules``."""
    names = AGENCY_INDICATORS if agency else tuple(Indicator)
    computed = {name: _score_of(name, indicators, rules, agency) for name in names}
    scored = {n: rules.weights.get(n, 0.0) for n, (s, _, _) in computed.items() if s is not None}
    weight_sum = sum(scored.values())
    scores = [
        Score(
            indicator=name,
            score=value,
            weight=scored[name] / weight_sum if name in scored and weight_sum else 0.0,
            met=met,
            evidence=evidence,
        )
        for name, (value, met, evidence) in computed.items()
    ]
    total = round(sum((s.score or 0.0) * s.weight for s in scores), 2)
    criteria_met = all(s.met is not False for s in scores)
    if not criteria_met or total < rules.pass_score:
        grade = Grade.FAIL
    elif total >= rules.excellent_score:
        grade = Grade.EXCELLENT
    else:
        grade = Grade.PASS
    return Verdict(grade=grade, total=total, scores=scores)
