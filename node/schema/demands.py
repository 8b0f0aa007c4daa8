"""GraphQL of demands: submitted by or for an enterprise, accepted, matched, resolved."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning, Service
from node.schema.enterprises import Enterprise
from node.schema.enums import DemandStatus, ServiceCategory
from node.schema.relay import PAGE, Connection
from node.schema.unavailable import unavailable


@strawberry.type
class DemandTransition:
    from_status: DemandStatus | None
    to_status: DemandStatus
    actor: str
    at: datetime
    note: str | None


@strawberry.type
class Demand:
    id: strawberry.ID
    title: str
    description: str
    category: ServiceCategory
    status: DemandStatus
    enterprise: Enterprise | None
    service: Service | None = strawberry.field(description="matched service of this window")
    matched_service_id: strawberry.ID | None = strawberry.field(
        description="network ID of the matched service, possibly of another window"
    )
    reject_reason: str | None
    response_hours: float | None = strawberry.field(description="submission to acceptance")
    resolution_hours: float | None = strawberry.field(description="submission to completion")
    transitions: list[DemandTransition]
    created_at: datetime


@strawberry.input
class DemandFilter:
    status: DemandStatus | None = None
    category: ServiceCategory | None = None
    enterprise_id: strawberry.ID | None = None
    from_date: date | None = None
    to_date: date | None = None


@strawberry.input
class SubmitDemandInput:
    title: str
    description: str
    category: ServiceCategory
    enterprise_id: strawberry.ID


@strawberry.type
class DemandPayload:
    demand: Demand
    warnings: list[PayloadWarning]


@strawberry.type
class DemandQuery:
    @strawberry.field
    def demands(
        self, filter: DemandFilter | None = None, first: int = PAGE, after: str | None = None
    ) -> Connection[Demand]:
        raise unavailable()


@strawberry.type
class DemandMutation:
    @mutation()
    async def submit_demand(self, input: SubmitDemandInput) -> DemandPayload:
        raise unavailable()

    @mutation()
    async def accept_demand(self, id: strawberry.ID, note: str | None = None) -> DemandPayload:
        raise unavailable()

    @mutation(description="to a service of this window or, by network ID, of another window")
    async def match_demand(
        self, id: strawberry.ID, service_id: strawberry.ID, note: str | None = None
    ) -> DemandPayload:
        raise unavailable()

    @mutation()
    async def reject_demand(self, id: strawberry.ID, reason: str) -> DemandPayload:
        raise unavailable()

    @mutation()
    async def escalate_demand(self, id: strawberry.ID, note: str | None = None) -> DemandPayload:
        raise unavailable()

    @mutation()
    async def close_demand(self, id: strawberry.ID, note: str | None = None) -> DemandPayload:
        raise unavailable()
