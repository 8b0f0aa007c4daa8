"""The assessment's scoring: a plain function of the indicators and the configured rules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hub.config import HubSettings
from hub.domain.scoring import Grade, Indicator, Indicators, Rules, score

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
# Targets of 1 so that quantity never decides: the tests are about satisfaction and weights.
EASY = Rules(
    target_enterprises_served=1,
    target_services_delivered=1,
    target_activities=1,
    target_activity_participants=1,
    agency_target_enterprises_served=1,
    agency_target_services_delivered=1,
)


def figures(ratings: int, satisfied: int, **more: Any) -> Indicators:
    return Indicators(
        *YEAR,
        source="test",
        enterprises_served=5,
        services_delivered=ratings,
        services_online=0,
        services_offline=ratings,
        feedback_count=ratings,
        satisfied_feedback=satisfied,
        **{"activities": 3, "activity_participants": 40, **more},
    )


def satisfaction(verdict: Any) -> Any:
    return next(s for s in verdict.scores if s.indicator is Indicator.SATISFACTION)


def test_satisfaction_at_90_0_percent_passes_and_at_89_9_fails() -> None:
    passed, failed = score(figures(1000, 900), EASY), score(figures(1000, 899), EASY)
    assert satisfaction(passed).met is True
    assert satisfaction(failed).met is False
    assert satisfaction(failed).evidence["satisfactionRate"] == 0.899
    assert passed.grade is Grade.EXCELLENT  # every other indicator at its target
    # Below the criterion the grade is FAIL, however high the total.
    assert failed.total > EASY.excellent_score and failed.grade is Grade.FAIL


def test_the_threshold_is_configurable() -> None:
    lenient = Rules(**{**EASY.__dict__, "satisfaction_threshold": 0.85})
    assert satisfaction(score(figures(1000, 899), lenient)).met is True


def test_no_rating_at_all_cannot_meet_the_satisfaction_criterion() -> None:
    verdict = score(figures(0, 0), EASY)
    assert (satisfaction(verdict).score, satisfaction(verdict).met) == (0.0, False)
    assert verdict.grade is Grade.FAIL


def test_weights_are_shared_among_the_indicators_with_figures() -> None:
    # No demands and no reports: those two are not scored, the others share the whole weight.
    verdict = score(figures(10, 10, activities=0, activity_participants=0), EASY)
    weights = {s.indicator: s.weight for s in verdict.scores}
    assert weights[Indicator.DEMAND_RESOLUTION] == weights[Indicator.REPORTING_TIMELINESS] == 0
    assert sum(weights.values()) == pytest.approx(1.0)
    # enterprises, services and satisfaction at 100, activities at 0: 60 of the 75 weight points.
    assert verdict.total == pytest.approx(80.0)
    assert verdict.grade is Grade.PASS


def test_demand_resolution_counts_rate_and_median_time() -> None:
    x = figures(
        10,
        10,
        demands_received=10,
        demands_completed=6,
        demands_rejected=1,
        demands_open=1,
        median_resolution_hours=480.0,
    )
    resolution = next(
        s for s in score(x, EASY).scores if s.indicator is Indicator.DEMAND_RESOLUTION
    )
    # 6 of 8 settled (75) and twice the 240 h target (50).
    assert resolution.score == pytest.approx(62.5)


def test_agencies_are_scored_on_their_three_indicators() -> None:
    verdict = score(figures(10, 9), EASY, agency=True)
    assert [s.indicator for s in verdict.scores] == [
        Indicator.ENTERPRISES_SERVED,
        Indicator.SERVICES_DELIVERED,
        Indicator.SATISFACTION,
    ]
    assert verdict.grade is Grade.EXCELLENT


def test_settings_refuse_unknown_or_negative_weights() -> None:
    with pytest.raises(ValueError, match="unknown indicators"):
        HubSettings(assessment_weights={"CHARM": 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        HubSettings(assessment_weights={"SATISFACTION": -1.0})
    with pytest.raises(ValueError, match="satisfaction_threshold"):
        HubSettings(satisfaction_threshold=1.5)
    assert HubSettings().assessment_rules().satisfaction_threshold == 0.90
