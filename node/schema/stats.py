"""GraphQL of the indicators (DESIGN §7) of a period."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from node.schema.unavailable import unavailable


@strawberry.type
class Stats:
    """Indicators of a period; rates come with numerator and denominator so the hub can sum."""

    from_date: date
    to_date: date
    enterprises_served: int
    services_delivered: int
    services_online: int
    services_offline: int
    activities: int
    activity_participants: int
    ratings: int
    satisfied_ratings: int = strawberry.field(description="ratings of 4 or 5")
    satisfaction_rate: float | None
    demands_received: int
    demands_resolved: int
    demand_resolution_rate: float | None
    median_resolution_hours: float | None


@strawberry.type
class StatsQuery:
    @strawberry.field(description="indicators of the period, calendar days in the node's time zone")
    def stats(
        self,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> Stats:
        raise unavailable()
