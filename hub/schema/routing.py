"""GraphQL of demand routing (``hub.domain.routing``, ``hub.domain.proposals``): the routing
queue, where a demand could go and why, and the operator's dispatch."""

from __future__ import annotations

from datetime import datetime

import strawberry

from federation.relay import PAGE, Connection, connection
from hub.domain import calendar, proposals, routing
from hub.models import RoutedDemand as RoutedRow
from hub.schema.audit import mutation
from hub.schema.context import Ctx
from hub.schema.deliveries import HubDelivery, deliveries_of
from hub.schema.windows import Window, window_by_key

RoutingStatus = strawberry.enum(routing.RoutingStatus, name="RoutingStatus")


@strawberry.type
class EscalatedEnterprise:
    """The enterprise's public registration data and profile; its contact stays at its window."""

    name: str | None
    uscc: str | None
    region_code: str | None
    industry_code: str | None
    size_class: str | None


@strawberry.type
class RoutedDemand:
    id: strawberry.ID = strawberry.field(description="the escalated demand's network ID")
    title: str
    description: str
    category: str
    note: str | None = strawberry.field(description="the escalating window's note")
    enterprise: EscalatedEnterprise
    status: RoutingStatus
    submitted_at: datetime
    escalated_at: datetime = strawberry.field(description="when it reached the hub")
    service_id: strawberry.ID | None = strawberry.field(description="the service suggested")
    dispatched_by: str | None
    dispatch_note: str | None
    dispatched_at: datetime | None
    dispatched_demand_id: strawberry.ID | None = strawberry.field(
        description="the receiving window's demand, once it reported an outcome"
    )
    outcome_note: str | None
    outcome_at: datetime | None
    row: strawberry.Private[RoutedRow]

    @strawberry.field(description="the window that escalated it")
    async def window(self, info: Ctx) -> Window:
        return await window_by_key(info.context, self.row.origin_id)

    @strawberry.field(description="the window it was dispatched to")
    async def dispatched_to(self, info: Ctx) -> Window | None:
        key = self.row.target_id
        return None if key is None else await window_by_key(info.context, key)

    @strawberry.field(description="the dispatch to the receiving window, the outcome to this one")
    async def deliveries(self, info: Ctx) -> list[HubDelivery]:
        return await deliveries_of(info.context, self.row.demand_id)

    @classmethod
    def from_row(cls, row: RoutedRow) -> RoutedDemand:
        e = row.enterprise
        return cls(
            id=strawberry.ID(row.demand_id),
            title=row.title,
            description=row.description,
            category=row.category,
            note=row.note,
            enterprise=EscalatedEnterprise(
                name=e.get("name"),
                uscc=e.get("uscc"),
                region_code=e.get("region_code"),
                industry_code=e.get("industry_code"),
                size_class=e.get("size_class"),
            ),
            status=RoutingStatus(row.status),
            submitted_at=row.submitted_at,
            escalated_at=row.created_at,
            service_id=strawberry.ID(row.service_id) if row.service_id else None,
            dispatched_by=row.dispatched_by,
            dispatch_note=row.dispatch_note,
            dispatched_at=row.dispatched_at,
            dispatched_demand_id=(
                strawberry.ID(row.dispatched_demand_id) if row.dispatched_demand_id else None
            ),
            outcome_note=row.outcome_note,
            outcome_at=row.outcome_at,
            row=row,
        )


@strawberry.type
class RoutingReason:
    factor: str = strawberry.field(description="category, region, industry, load, satisfaction")
    weight: int
    score: float = strawberry.field(description="0 to 1")
    points: float = strawberry.field(description="weight × score: its share of the total")
    detail: str


@strawberry.type
class ServiceOffer:
    id: strawberry.ID
    name: str


@strawberry.type
class RoutingCandidate:
    window: Window
    score: float = strawberry.field(description="the sum of the reasons' points, of 100")
    services: list[ServiceOffer] = strawberry.field(
        description="its published services in the demand's category (at most 10)"
    )
    reasons: list[RoutingReason]


@strawberry.type
class UnavailableWindow:
    window: Window
    code: str


@strawberry.type
class DemandProposals:
    demand: RoutedDemand
    candidates: list[RoutingCandidate] = strawberry.field(description="best placed first")
    unavailable: list[UnavailableWindow] = strawberry.field(
        description="windows that did not answer: not ranked"
    )

    @classmethod
    def of(cls, found: proposals.Proposals) -> DemandProposals:
        return cls(
            demand=RoutedDemand.from_row(found.demand),
            candidates=[
                RoutingCandidate(
                    window=Window.from_row(c.window),
                    score=c.score,
                    services=[ServiceOffer(id=o.id, name=o.name) for o in c.services],
                    reasons=[
                        RoutingReason(
                            factor=r.factor,
                            weight=r.weight,
                            score=r.score,
                            points=r.points,
                            detail=r.detail,
                        )
                        for r in c.reasons
                    ],
                )
                for c in found.candidates
            ],
            unavailable=[
                UnavailableWindow(window=Window.from_row(u.window), code=u.code)
                for u in found.unavailable
            ],
        )


@strawberry.type
class RoutingQuery:
    @strawberry.field(description="escalated demands, newest first; QUEUED unless asked: hub roles")
    async def routing_queue(
        self,
        info: Ctx,
        status: RoutingStatus | None = routing.RoutingStatus.QUEUED,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[RoutedDemand]:
        page = await routing.routing_queue(info.context.actor, status, first, after)
        return connection(page, RoutedDemand.from_row)

    @strawberry.field(description="one escalated demand by its network ID: hub roles")
    async def routed_demand(self, info: Ctx, id: strawberry.ID) -> RoutedDemand:
        return RoutedDemand.from_row(await routing.get_routed_demand(info.context.actor, id))

    @strawberry.field(
        description="every other window on the network, ranked with each factor's points:"
        " HUB_ADMIN, HUB_OPERATOR, SUPERVISOR"
    )
    async def demand_proposals(self, info: Ctx, id: strawberry.ID) -> DemandProposals:
        ctx = info.context
        demand = await routing.get_routed_demand(ctx.actor, id)
        assert ctx.network is not None and ctx.view is not None
        found = await proposals.propose(
            ctx.actor, demand, ctx.view, ctx.network.gatherer, ctx.trust, calendar.local_today()
        )
        return DemandProposals.of(found)


@strawberry.type
class RoutingMutation:
    @mutation(description="a QUEUED demand to a window on the network: HUB_OPERATOR")
    async def dispatch_demand(
        self,
        info: Ctx,
        id: strawberry.ID,
        window_id: strawberry.ID,
        service_id: strawberry.ID | None = None,
        note: str | None = None,
    ) -> RoutedDemand:
        row = await routing.dispatch_demand(info.context.actor, id, window_id, service_id, note)
        return RoutedDemand.from_row(row)
