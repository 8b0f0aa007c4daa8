"""GraphQL of the indicators (DESIGN §7) of a period."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from node.domain import stats
from node.schema.catalogue import Agency
from node.schema.context import Context, Ctx
from node.schema.enums import ServiceCategory


@strawberry.type
class CategoryCount:
    category: ServiceCategory
    count: int


@strawberry.type(
    description="Indicators of a period, counting events by when they happened; rates come "
    "with numerator and denominator so the hub can sum windows."
)
class Stats:
    from_date: date = strawberry.field(description="first day of the period")
    to_date: date = strawberry.field(description="last day of the period, included")
    services_delivered: int = strawberry.field(description="service records completed")
    services_online: int
    services_offline: int
    services_by_category: list[CategoryCount] = strawberry.field(
        description="services delivered by the service's category; categories with none left out"
    )
    public_welfare_services: int = strawberry.field(
        description="services delivered that are public-welfare services"
    )
    public_welfare_share: float | None = strawberry.field(
        description="publicWelfareServices / servicesDelivered; null when none"
    )
    enterprises_served: int = strawberry.field(
        description="distinct enterprises of the services delivered"
    )
    activities: int = strawberry.field(description="activities starting in the period")
    activity_participants: int = strawberry.field(description="attendances recorded")
    feedback_count: int = strawberry.field(description="ratings given")
    satisfied_feedback: int = strawberry.field(description="ratings of 4 or 5")
    satisfaction_rate: float | None = strawberry.field(
        description="satisfiedFeedback / feedbackCount; null when no rating"
    )
    demands_received: int = strawberry.field(description="demands submitted")
    demands_completed: int
    demands_rejected: int
    demands_escalated: int = strawberry.field(description="demands escalated to the hub")
    demands_open: int = strawberry.field(
        description="demands submitted by the period's end that had not been completed, "
        "rejected, escalated or closed by then"
    )
    median_response_hours: float | None = strawberry.field(
        description="submission to acceptance, over the demands accepted in the period"
    )
    median_resolution_hours: float | None = strawberry.field(
        description="submission to completion, over the demands completed in the period"
    )
    vouchers_issued: int
    vouchers_redeemed: int

    @classmethod
    def from_domain(cls, s: stats.Stats) -> Stats:
        return cls(
            from_date=s.date_from,
            to_date=s.date_to,
            services_delivered=s.services_delivered,
            services_online=s.services_online,
            services_offline=s.services_offline,
            services_by_category=[
                CategoryCount(category=ServiceCategory(c.category), count=c.count)
                for c in s.services_by_category
            ],
            public_welfare_services=s.public_welfare_services,
            public_welfare_share=s.public_welfare_share,
            enterprises_served=s.enterprises_served,
            activities=s.activities,
            activity_participants=s.activity_participants,
            feedback_count=s.feedback_count,
            satisfied_feedback=s.satisfied_feedback,
            satisfaction_rate=s.satisfaction_rate,
            demands_received=s.demands_received,
            demands_completed=s.demands_completed,
            demands_rejected=s.demands_rejected,
            demands_escalated=s.demands_escalated,
            demands_open=s.demands_open,
            median_response_hours=s.median_response_hours,
            median_resolution_hours=s.median_resolution_hours,
            vouchers_issued=s.vouchers_issued,
            vouchers_redeemed=s.vouchers_redeemed,
        )


@strawberry.type(
    description="One agency's services of a period (seed 001 第十二条), by when they happened"
)
class AgencyStats:
    agency: Agency
    services_delivered: int = strawberry.field(
        description="service records completed with this agency delivering"
    )
    services_online: int
    services_offline: int
    enterprises_served: int = strawberry.field(description="distinct enterprises of those services")
    feedback_count: int = strawberry.field(description="ratings given of those services")
    satisfied_feedback: int = strawberry.field(description="ratings of 4 or 5")
    satisfaction_rate: float | None = strawberry.field(
        description="satisfiedFeedback / feedbackCount; null when no rating"
    )

    @classmethod
    def from_domain(cls, s: stats.AgencyStats, ctx: Context) -> AgencyStats:
        return cls(
            agency=Agency.from_row(s.agency, ctx),
            services_delivered=s.services_delivered,
            services_online=s.services_online,
            services_offline=s.services_offline,
            enterprises_served=s.enterprises_served,
            feedback_count=s.feedback_count,
            satisfied_feedback=s.satisfied_feedback,
            satisfaction_rate=s.satisfaction_rate,
        )


def stats_query(stats_type: type[Stats] = Stats) -> type:
    """The ``stats`` query field; with plugin indicators, ``stats_type`` adds ``Stats.ext``."""

    @strawberry.type
    class StatsQuery:
        @strawberry.field(
            graphql_type=stats_type,
            description="indicators of the calendar days from..to (both included) in the "
            "node's time zone; without from: 1 January of to's year; without to: today (or "
            "from, if later); without both: this year up to today",
        )
        async def stats(
            self,
            info: Ctx,
            from_: Annotated[date | None, strawberry.argument(name="from")] = None,
            to: date | None = None,
        ) -> Stats:
            ctx = info.context
            result = await stats.compute_stats(ctx.actor, from_, to, ctx.settings.timezone)
            return stats_type.from_domain(result)

        @strawberry.field(
            description="every agency's indicators of the calendar days from..to, by name; "
            "the period as for stats"
        )
        async def agency_stats(
            self,
            info: Ctx,
            from_: Annotated[date | None, strawberry.argument(name="from")] = None,
            to: date | None = None,
        ) -> list[AgencyStats]:
            ctx = info.context
            rows = await stats.compute_agency_stats(ctx.actor, from_, to, ctx.settings.timezone)
            return [AgencyStats.from_domain(row, ctx) for row in rows]

    return StatsQuery
