"""GraphQL types of the catalogue: agencies, experts and services."""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from node.domain import catalogue
from node.domain.access import PERSONAL_DATA_ROLES
from node.models import Agency as AgencyRow
from node.models import Expert as ExpertRow
from node.models import Service as ServiceRow
from node.plugins import manager as plugins
from node.schema.context import Context
from node.schema.enums import ServiceCategory, ServiceMode, ServiceStatus


@strawberry.federation.type(keys=["id"])
class Agency:
    id: strawberry.ID
    name: str
    uscc: str | None
    categories: list[ServiceCategory]
    qualifications: list[str]
    created_at: datetime

    @classmethod
    async def resolve_reference(cls, id: strawberry.ID, info: Info[Context, None]) -> Agency | None:
        return await info.context.related(AgencyRow, info.context.local_id(id), cls.from_row)

    @classmethod
    def from_row(cls, row: AgencyRow, ctx: Context) -> Agency:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            name=row.name,
            uscc=row.uscc,
            categories=[ServiceCategory(c) for c in row.categories],
            qualifications=row.qualifications,
            created_at=row.created_at,
        )


@strawberry.federation.type(keys=["id"])
class Expert:
    """An expert of the expert pool; contact details (personal data) for STAFF and WINDOW_ADMIN
    only: never to the hub's callers, whatever an agreement shares."""

    id: strawberry.ID
    name: str
    title: str
    organisation: str
    specialties: list[str]
    bio: str
    created_at: datetime
    row: strawberry.Private[ExpertRow]

    @strawberry.field
    def phone(self, info: Info[Context, None]) -> str | None:
        return self.row.phone if info.context.audit_actor.has_any(PERSONAL_DATA_ROLES) else None

    @strawberry.field
    def email(self, info: Info[Context, None]) -> str | None:
        return self.row.email if info.context.audit_actor.has_any(PERSONAL_DATA_ROLES) else None

    @classmethod
    async def resolve_reference(cls, id: strawberry.ID, info: Info[Context, None]) -> Expert | None:
        row = await catalogue.get_expert(info.context.local_id(id))
        return None if row is None else cls.from_row(row, info.context)

    @classmethod
    def from_row(cls, row: ExpertRow, ctx: Context) -> Expert:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            name=row.name,
            title=row.title,
            organisation=row.organisation,
            specialties=row.specialties,
            bio=row.bio,
            created_at=row.created_at,
            row=row,
        )


@strawberry.federation.type(keys=["id"])
class Service:
    id: strawberry.ID
    name: str
    category: ServiceCategory
    public_welfare: bool = strawberry.field(description="公益性 (free or subsidised) service")
    function: str
    process: str
    standard: str
    fee: str
    time_limit_days: int | None
    mode: ServiceMode
    status: ServiceStatus
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    agency_key: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def agency(self, info: Info[Context, None]) -> Agency | None:
        return await info.context.related(AgencyRow, self.agency_key, Agency.from_row)

    @classmethod
    async def resolve_reference(
        cls, id: strawberry.ID, info: Info[Context, None]
    ) -> Service | None:
        ctx = info.context
        row = await catalogue.get_service(ctx.actor, ctx.local_id(id))
        return None if row is None else cls.from_row(row, ctx)

    @classmethod
    def from_row(cls, row: ServiceRow, ctx: Context) -> Service:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            name=row.name,
            category=ServiceCategory(row.category),
            public_welfare=row.public_welfare,
            function=row.function,
            process=row.process,
            standard=row.standard,
            fee=row.fee,
            time_limit_days=row.time_limit_days,
            mode=ServiceMode(row.mode),
            status=ServiceStatus(row.status),
            tags=[*row.tags, *plugins.service_tags(row)],
            created_at=row.created_at,
            updated_at=row.updated_at,
            published_at=row.published_at,
            agency_key=row.agency_id,  # type: ignore[arg-type]
        )


@strawberry.input
class ServiceFilter:
    category: ServiceCategory | None = None
    keyword: str | None = strawberry.field(
        default=None, description="substring of name or function"
    )
    public_welfare: bool | None = None
    mode: ServiceMode | None = None
    agency_id: strawberry.ID | None = None
    status: ServiceStatus | None = None


@strawberry.input
class AgencyFilter:
    keyword: str | None = None


@strawberry.input
class ExpertFilter:
    specialty: str | None = None


@strawberry.input
class AgencyInput:
    name: str
    uscc: str | None = None
    categories: list[ServiceCategory] = strawberry.field(default_factory=list)
    qualifications: list[str] = strawberry.field(default_factory=list)
    contact_phone: str | None = None


@strawberry.input
class AgencyUpdateInput:
    name: str | None = None
    uscc: str | None = None
    categories: list[ServiceCategory] | None = None
    qualifications: list[str] | None = None
    contact_phone: str | None = None


@strawberry.input
class ExpertInput:
    name: str
    title: str | None = None
    organisation: str | None = None
    specialties: list[str] = strawberry.field(default_factory=list)
    bio: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input
class ExpertUpdateInput:
    name: str | None = None
    title: str | None = None
    organisation: str | None = None
    specialties: list[str] | None = None
    bio: str | None = None
    phone: str | None = None
    email: str | None = None


@strawberry.input
class ServiceInput:
    name: str
    category: ServiceCategory
    public_welfare: bool = True
    function: str | None = None
    process: str | None = None
    standard: str | None = None
    fee: str | None = None
    time_limit_days: int | None = None
    mode: ServiceMode = ServiceMode.BOTH
    agency_id: strawberry.ID | None = None
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class ServiceUpdateInput:
    name: str | None = None
    category: ServiceCategory | None = None
    public_welfare: bool | None = None
    function: str | None = None
    process: str | None = None
    standard: str | None = None
    fee: str | None = None
    time_limit_days: int | None = None
    mode: ServiceMode | None = None
    agency_id: strawberry.ID | None = None
    tags: list[str] | None = None


@strawberry.type
class PayloadWarning:
    """Accepted, but worth a look (e.g. a retired region code)."""

    code: str
    message: str


@strawberry.type
class AgencyPayload:
    agency: Agency
    warnings: list[PayloadWarning]


@strawberry.type
class ExpertPayload:
    expert: Expert
    warnings: list[PayloadWarning]


@strawberry.type
class ServicePayload:
    service: Service
    warnings: list[PayloadWarning]
