"""Where an escalated demand could go (DESIGN §7): every other window on the network, asked at
once for its published services in the demand's category, its open demands and its past
satisfaction, ranked with each factor's contribution shown.

    factor        weight  score (0–1)
    category        40    1 when the window publishes a service in the demand's category
    region          20    1 same county, 2/3 same city, 1/3 same province (region-code prefix)
    industry        15    1 an industry window of the enterprise's industry, 0.5 a comprehensive
                          window, 0 an industry window of other industries
    load            10    1 / (1 + open demands / 10): SUBMITTED, ACCEPTED, MATCHED, IN_SERVICE
    satisfaction    15    the share of ratings ≥ 4 over the last 365 days; 0.5 without ratings

A window that does not answer is listed apart with its error code, not ranked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from federation.gather import Call, Gatherer, Target
from hub.domain import registry
from hub.domain.access import Actor, require
from hub.domain.network import NetworkView
from hub.domain.trust import SUPERVISING, HubTrust
from hub.models import RoutedDemand, Window

__all__ = ["WEIGHTS", "Candidate", "Proposals", "Reason", "propose", "rank"]

WEIGHTS = {"category": 40, "region": 20, "industry": 15, "load": 10, "satisfaction": 15}
SATISFACTION_DAYS = 365
WINDOW_QUERY = """query($category: ServiceCategory!, $from: Date!, $to: Date!) {
  services(filter: {category: $category, status: PUBLISHED}, first: 10) {
    totalCount edges { node { id name } } }
  submitted: demands(filter: {status: SUBMITTED}, first: 1) { totalCount }
  accepted: demands(filter: {status: ACCEPTED}, first: 1) { totalCount }
  matched: demands(filter: {status: MATCHED}, first: 1) { totalCount }
  inService: demands(filter: {status: IN_SERVICE}, first: 1) { totalCount }
  stats(from: $from, to: $to) { feedbackCount satisfactionRate }
}"""
OPEN_DEMANDS = ("submitted", "accepted", "matched", "inService")


@dataclass(frozen=True)
class Reason:
    factor: str
    weight: int
    score: float  # 0 to 1
    detail: str

    @property
    def points(self) -> float:
        return round(self.weight * self.score, 2)


@dataclass(frozen=True)
class ServiceOffer:
    id: str
    name: str


@dataclass(frozen=True)
class Candidate:
    window: Window
    services: list[ServiceOffer]
    reasons: list[Reason]

    @property
    def score(self) -> float:
        return round(sum(r.points for r in self.reasons), 2)


@dataclass(frozen=True)
class Unavailable:
    window: Window
    code: str


@dataclass(frozen=True)
class Proposals:
    demand: RoutedDemand
    candidates: list[Candidate]
    unavailable: list[Unavailable]


@dataclass(frozen=True)
class WindowReading:
    """What one window answered, with what the registry knows of it."""

    window: Window
    industries: list[str]
    services: list[ServiceOffer]
    services_total: int
    open_demands: int
    feedback_count: int
    satisfaction_rate: float | None


def _category(demand: RoutedDemand, reading: WindowReading) -> Reason:
    total = reading.services_total
    if not total:
        return Reason(
            "category", WEIGHTS["category"], 0.0, f"no published {demand.category} service"
        )
    names = "、".join(s.name for s in reading.services[:3])
    return Reason(
        "category", WEIGHTS["category"], 1.0, f"{total} published {demand.category}: {names}"
    )


def _region(enterprise_region: str, window_region: str) -> Reason:
    for digits, score, where in ((6, 1.0, "county"), (4, 2 / 3, "city"), (2, 1 / 3, "province")):
        if enterprise_region[:digits] == window_region[:digits]:
            detail = f"same {where}: window {window_region}, enterprise {enterprise_region}"
            return Reason("region", WEIGHTS["region"], round(score, 4), detail)
    detail = f"another province: window {window_region}, enterprise {enterprise_region}"
    return Reason("region", WEIGHTS["region"], 0.0, detail)


def _industry(code: str, kind: str, industries: list[str]) -> Reason:
    weight = WEIGHTS["industry"]
    if kind != registry.WindowKind.INDUSTRY:
        return Reason("industry", weight, 0.5, "a comprehensive window serves every industry")
    # The registry writes GB/T 4754 codes with the section letter ("C39"), a node bare ("3981").
    matching = [i for i in industries if i[1:] and code.startswith(i[1:])]
    listed = ", ".join(industries) or "none listed"
    if matching:
        return Reason("industry", weight, 1.0, f"industry window of {listed}: enterprise {code}")
    return Reason("industry", weight, 0.0, f"industry window of {listed}, not of {code}")


def _load(open_demands: int) -> Reason:
    score = round(1 / (1 + open_demands / 10), 4)
    return Reason("load", WEIGHTS["load"], score, f"{open_demands} open demands")


def _satisfaction(count: int, rate: float | None) -> Reason:
    weight = WEIGHTS["satisfaction"]
    if rate is None:
        return Reason("satisfaction", weight, 0.5, f"no ratings in {SATISFACTION_DAYS} days")
    detail = f"{rate:.1%} of {count} ratings in {SATISFACTION_DAYS} days were 4 or 5"
    return Reason("satisfaction", weight, round(rate, 4), detail)


def rank(demand: RoutedDemand, readings: list[WindowReading]) -> list[Candidate]:
    """The windows best placed first (then by window id), each with its reasons."""
    enterprise = demand.enterprise
    region, industry = enterprise.get("region_code") or "", enterprise.get("industry_code") or ""
    candidates = [
        Candidate(
            window=r.window,
            services=r.services,
            reasons=[
                _category(demand, r),
                _region(region, r.window.region_code),
                _industry(industry, r.window.kind, r.industries),
                _load(r.open_demands),
                _satisfaction(r.feedback_count, r.satisfaction_rate),
            ],
        )
        for r in readings
    ]
    return sorted(candidates, key=lambda c: (-c.score, c.window.window_id))


def _reading(window: Window, industries: list[str], data: dict[str, Any]) -> WindowReading:
    services = data["services"]
    stats = data["stats"]
    return WindowReading(
        window=window,
        industries=industries,
        services=[
            ServiceOffer(id=str(e["node"]["id"]), name=str(e["node"]["name"]))
            for e in services["edges"]
        ],
        services_total=int(services["totalCount"]),
        open_demands=sum(int(data[name]["totalCount"]) for name in OPEN_DEMANDS),
        feedback_count=int(stats["feedbackCount"]),
        satisfaction_rate=stats["satisfactionRate"],
    )


async def propose(
    actor: Actor,
    demand: RoutedDemand,
    view: NetworkView,
    gatherer: Gatherer,
    trust: HubTrust,
    today: date,
) -> Proposals:
    """Ask every window on the network but the demand's own, and rank them."""
    # Their calls carry HUB_SUPERVISION whatever the hub–window agreements share: routing
    # escalated demands is a supervision duty like ``stats`` (hub.domain.agreements), and only
    # counts of open demands, published services and satisfaction leave the windows.
    require(actor, SUPERVISING, "see where demands could go")
    windows = [w for w in view.windows.values() if w.id != demand.origin_id]
    variables = {
        "category": demand.category,
        "from": (today - timedelta(days=SATISFACTION_DAYS)).isoformat(),
        "to": today.isoformat(),
    }
    calls = [
        Call(
            Target(w.window_id, w.endpoint, trust.token_maker(w.window_id, actor)),
            WINDOW_QUERY,
            variables,
        )
        for w in windows
    ]
    results = await gatherer.gather(calls)
    readings, unavailable = [], []
    for window, result in zip(windows, results, strict=True):
        if result.failure is not None or result.data is None or result.errors:
            code = result.failure.code if result.failure else "WINDOW_ERROR"
            unavailable.append(Unavailable(window, code))
            continue
        application = await registry.current_application(window)
        try:
            readings.append(_reading(window, application.industries, result.data))
        except (KeyError, TypeError, ValueError):
            unavailable.append(Unavailable(window, "WINDOW_ERROR"))
    return Proposals(demand, rank(demand, readings), unavailable)
