"""The ranking of windows for an escalated demand (``hub.domain.proposals.rank``): each factor's
points, and the order they give. The windows' answers are given here; asking real nodes is in
``test_routing``."""

from __future__ import annotations

from hub.domain.proposals import WEIGHTS, Candidate, ServiceOffer, WindowReading, rank
from hub.models import RoutedDemand, Window

DEMAND = RoutedDemand(
    demand_id="sz-ns:0190c5d0-0000-7000-8000-000000000001",
    title="电子产品高低温试验",
    category="QUALITY_TESTING",
    enterprise={"region_code": "440305", "industry_code": "3981", "size_class": "SMALL"},
)


def reading(
    window_id: str,
    region: str,
    kind: str = "COMPREHENSIVE",
    industries: tuple[str, ...] = (),
    services: int = 1,
    open_demands: int = 0,
    satisfaction: float | None = None,
) -> WindowReading:
    window = Window(
        window_id=window_id, name=window_id, kind=kind, region_code=region, status="CONNECTED"
    )
    offers = [ServiceOffer(f"{window_id}:{n}", f"检测服务{n}") for n in range(services)]
    return WindowReading(window, list(industries), offers, services, open_demands, 10, satisfaction)


def points(candidate: Candidate) -> dict[str, float]:
    return {r.factor: r.points for r in candidate.reasons}


def test_the_weights_add_up_to_a_hundred() -> None:
    assert sum(WEIGHTS.values()) == 100


def test_each_factor_scores_as_documented() -> None:
    (best,) = rank(
        DEMAND,
        [reading("sz-ba", "440306", "INDUSTRY", ("C39",), open_demands=10, satisfaction=0.9)],
    )
    assert points(best) == {
        "category": 40.0,
        "region": 13.33,  # same city (4403), another county
        "industry": 15.0,  # an industry window of C39: the enterprise is 3981
        "load": 5.0,  # 10 open demands: 1 / (1 + 1)
        "satisfaction": 13.5,
    }
    assert best.score == 86.83
    assert [r.detail for r in best.reasons][1] == "same city: window 440306, enterprise 440305"


def test_a_window_without_a_service_of_the_category_ranks_below_one_with() -> None:
    near_without = reading("sz-ns2", "440305", services=0, satisfaction=1.0)
    far_with = reading("gz", "440106")
    ranked = rank(DEMAND, [near_without, far_with])
    assert [c.window.window_id for c in ranked] == ["gz", "sz-ns2"]
    assert points(ranked[1])["category"] == 0
    assert ranked[1].reasons[0].detail == "no published QUALITY_TESTING service"


def test_windows_rank_by_region_then_load_then_industry_with_these_weights() -> None:
    ranked = rank(
        DEMAND,
        [
            reading("other-province", "110105"),
            reading("same-county", "440305"),
            reading("same-province", "441621"),
            reading("busy-same-county", "440305", open_demands=20),
            reading("other-industry", "440305", "INDUSTRY", ("C13",)),
        ],
    )
    assert [c.window.window_id for c in ranked] == [
        "same-county",
        "busy-same-county",
        "other-industry",
        "same-province",
        "other-province",
    ]
    unrated = ranked[0].reasons[-1]
    assert (unrated.score, unrated.detail) == (0.5, "no ratings in 365 days")
