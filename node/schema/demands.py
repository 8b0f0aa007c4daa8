"""GraphQL of demands: submitted by or for an enterprise, accepted, matched, resolved."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from federation.errors import Forbidden
from federation.relay import PAGE, Connection, connection
from node.domain import demands
from node.domain.access import PERSONAL_DATA_ROLES
from node.domain.catalogue import ServiceStatus as DomainServiceStatus
from node.domain.catalogue import sees_every_service
from node.models import Demand as DemandRow
from node.models import DemandTransition as TransitionRow
from node.models import Enterprise as EnterpriseRow
from node.models import Service as ServiceRow
from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning, Service
from node.schema.context import Context, Ctx
from node.schema.enterprises import ContactPerson, Enterprise
from node.schema.enums import DemandStatus, ServiceCategory


@strawberry.type
class DemandTransition:
    from_status: DemandStatus | None
    to_status: DemandStatus
    actor: str
    at: datetime
    note: str | None

    @classmethod
    def from_row(cls, row: TransitionRow) -> DemandTransition:
        return cls(
            from_status=DemandStatus(row.from_status) if row.from_status else None,
            to_status=DemandStatus(row.to_status),
            actor=row.actor,
            at=row.created_at,
            note=row.note,
        )


@strawberry.type(description="the enterprise a demand from the public form names, as typed")
class DemandClaim:
    name: str
    uscc: str
    region_code: str
    industry_code: str
    values: strawberry.Private[dict[str, str]]

    @strawberry.field(description="personal information: STAFF and WINDOW_ADMIN only")
    def contact(self, info: Info[Context, None]) -> ContactPerson:
        if not info.context.actor.has_any(PERSONAL_DATA_ROLES):
            raise Forbidden("a claim's contact person is visible to STAFF and WINDOW_ADMIN")
        return ContactPerson(
            name=self.values["contact_name"], phone=self.values["contact_phone"], email=""
        )

    @classmethod
    def of(cls, values: dict[str, str]) -> DemandClaim:
        return cls(
            name=values["name"],
            uscc=values["uscc"],
            region_code=values["region_code"],
            industry_code=values["industry_code"],
            values=values,
        )


@strawberry.type
class Demand:
    id: strawberry.ID
    title: str
    description: str
    category: ServiceCategory
    status: DemandStatus
    submitted_by: str = strawberry.field(description='a username, or "public" for the web form')
    matched_service_id: strawberry.ID | None = strawberry.field(
        description="network ID of the matched service, possibly of another window"
    )
    reject_reason: str | None
    claim: DemandClaim | None = strawberry.field(
        description="from the public form: the enterprise it names, unchecked; enterprise is"
        " null until staff confirm it (confirmDemandEnterprise)"
    )
    origin: strawberry.ID | None = strawberry.field(
        description="network ID of the escalated demand the hub dispatched this one from"
    )
    accepted_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    response_hours: float | None = strawberry.field(description="submission to acceptance")
    resolution_hours: float | None = strawberry.field(description="submission to completion")
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[DemandRow]

    @strawberry.field
    async def enterprise(self, info: Ctx) -> Enterprise | None:
        return await info.context.related(
            EnterpriseRow, self.row.enterprise_id, Enterprise.from_row
        )

    @strawberry.field(description="matched service of this window")
    async def service(self, info: Ctx) -> Service | None:
        key = self.row.matched_service_id
        if key is None:
            return None
        row = await info.context.loaders.of(ServiceRow).load(key)
        # The catalogue's rule (the hub asks with a READONLY role only where SERVICES is shared).
        if row is None or not (
            row.status == DomainServiceStatus.PUBLISHED
            or sees_every_service(info.context.audit_actor)
        ):
            return None
        return Service.from_row(row, info.context)

    @strawberry.field(description="every status change, oldest first")
    async def transitions(self, info: Ctx) -> list[DemandTransition]:
        loader = info.context.loaders.children(TransitionRow, "demand_id", "id")
        return [DemandTransition.from_row(row) for row in await loader.load(self.row.id)]

    @classmethod
    def from_row(cls, row: DemandRow, ctx: Context) -> Demand:
        matched = (
            ctx.network_id(row.matched_service_id)
            if row.matched_service_id
            else row.matched_service_ref
        )
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            title=row.title,
            description=row.description,
            category=ServiceCategory(row.category),
            status=DemandStatus(row.status),
            submitted_by=row.submitted_by,
            matched_service_id=strawberry.ID(matched) if matched else None,
            reject_reason=row.reject_reason,
            claim=DemandClaim.of(row.claim) if row.claim else None,
            origin=strawberry.ID(row.origin) if row.origin else None,
            accepted_at=row.accepted_at,
            completed_at=row.completed_at,
            closed_at=row.closed_at,
            response_hours=demands.response_hours(row),
            resolution_hours=demands.resolution_hours(row),
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )


@strawberry.input
class DemandFilter:
    status: DemandStatus | None = None
    category: ServiceCategory | None = None
    enterprise_id: strawberry.ID | None = None
    from_date: date | None = strawberry.field(
        default=None, description="first calendar day of the submission period, window time"
    )
    to_date: date | None = strawberry.field(
        default=None, description="last calendar day of the submission period, included"
    )


@strawberry.input
class SubmitDemandInput:
    title: str
    description: str = ""
    category: ServiceCategory
    enterprise_id: strawberry.ID


@strawberry.type
class DemandPayload:
    demand: Demand
    warnings: list[PayloadWarning]


def _payload(row: DemandRow, ctx: Context) -> DemandPayload:
    return DemandPayload(demand=Demand.from_row(row, ctx), warnings=[])


@strawberry.type
class DemandQuery:
    @strawberry.field
    async def demands(
        self,
        info: Ctx,
        filter: DemandFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Demand]:
        ctx = info.context
        domain_filter = demands.DemandFilter(timezone=ctx.settings.timezone)
        if filter is not None:
            domain_filter.status = (
                demands.DemandStatus(filter.status.value) if filter.status else None
            )
            domain_filter.category = filter.category
            domain_filter.enterprise_id = (
                ctx.local_id(filter.enterprise_id) if filter.enterprise_id else None
            )
            domain_filter.from_date = filter.from_date
            domain_filter.to_date = filter.to_date
        page = await demands.list_demands(ctx.actor, domain_filter, first, after)
        return connection(page, lambda row: Demand.from_row(row, ctx))

    @strawberry.field
    async def demand(self, info: Ctx, id: strawberry.ID) -> Demand | None:
        ctx = info.context
        row = await demands.get_demand(ctx.actor, ctx.local_id(id))
        return None if row is None else Demand.from_row(row, ctx)


@strawberry.type
class DemandMutation:
    @mutation()
    async def submit_demand(self, info: Ctx, input: SubmitDemandInput) -> DemandPayload:
        ctx = info.context
        row = await demands.submit_demand(
            ctx.actor,
            ctx.local_id(input.enterprise_id),
            input.title,
            input.description,
            input.category.value,
        )
        return _payload(row, ctx)

    @mutation()
    async def accept_demand(
        self, info: Ctx, id: strawberry.ID, note: str | None = None
    ) -> DemandPayload:
        ctx = info.context
        return _payload(await demands.accept_demand(ctx.actor, ctx.local_id(id), note), ctx)

    @mutation(description="to a service of this window or, by network ID, of another window")
    async def match_demand(
        self, info: Ctx, id: strawberry.ID, service_id: strawberry.ID, note: str | None = None
    ) -> DemandPayload:
        ctx = info.context
        row = await demands.match_demand(
            ctx.actor, ctx.local_id(id), service_id, ctx.settings.window_id, note
        )
        return _payload(row, ctx)

    @mutation()
    async def reject_demand(self, info: Ctx, id: strawberry.ID, reason: str) -> DemandPayload:
        ctx = info.context
        return _payload(await demands.reject_demand(ctx.actor, ctx.local_id(id), reason), ctx)

    @mutation(
        description="the registered enterprise a demand from the public form is from, once staff"
        " checked its claim; warns where their names or credit codes differ"
    )
    async def confirm_demand_enterprise(
        self, info: Ctx, id: strawberry.ID, enterprise_id: strawberry.ID
    ) -> DemandPayload:
        ctx = info.context
        row, warnings = await demands.confirm_enterprise(
            ctx.actor, ctx.local_id(id), ctx.local_id(enterprise_id)
        )
        return DemandPayload(
            demand=Demand.from_row(row, ctx),
            warnings=[PayloadWarning(code=w.code, message=w.message) for w in warnings],
        )

    @mutation(description="hand the demand to the hub, without the enterprise's contact data")
    async def escalate_demand(
        self, info: Ctx, id: strawberry.ID, note: str | None = None
    ) -> DemandPayload:
        ctx = info.context
        row = await demands.escalate_demand(
            ctx.actor, ctx.local_id(id), ctx.settings.window_id, note
        )
        return _payload(row, ctx)

    @mutation(description="a completed demand, or one matched to another window's service")
    async def close_demand(
        self, info: Ctx, id: strawberry.ID, note: str | None = None
    ) -> DemandPayload:
        ctx = info.context
        return _payload(await demands.close_demand(ctx.actor, ctx.local_id(id), note), ctx)
