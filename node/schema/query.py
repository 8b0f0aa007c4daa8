"""The node's query root: thin resolvers over the domain services."""

from __future__ import annotations

import strawberry

import node
from federation import CORE_SCHEMA_VERSION
from federation.relay import PAGE, Connection, connection
from node.domain import audit, catalogue, chain, enterprises, users
from node.models import Agency as AgencyRow
from node.plugins import manager as plugins
from node.schema.catalogue import Agency, AgencyFilter, Expert, ExpertFilter, Service, ServiceFilter
from node.schema.context import Ctx
from node.schema.enterprises import Enterprise, EnterpriseFilter
from node.schema.enums import WindowKind
from node.schema.node_info import NodeInfo, PluginInfo
from node.schema.users import AuditEntry, AuditFilter, User


@strawberry.type
class CoreQuery:
    @strawberry.field
    async def node_info(self, info: Ctx) -> NodeInfo:
        s = info.context.settings
        chain_head, chain_length = await chain.head()
        return NodeInfo(
            window_id=s.window_id,
            name=s.name,
            kind=WindowKind(s.kind),
            region_code=s.region_code,
            industries=s.industries,
            node_version=node.__version__,
            core_schema_version=CORE_SCHEMA_VERSION,
            plugins=[
                PluginInfo(
                    name=p.name,
                    version=p.version,
                    namespace=p.namespace,
                    hooks=p.hooks,
                    error=p.error,
                )
                for p in plugins.listed()
            ],
            chain_head=chain_head,
            chain_length=chain_length,
        )

    @strawberry.field
    async def me(self, info: Ctx) -> User | None:
        return await User.of_caller(users.ACCOUNTS, info.context)

    @strawberry.field(description="the window's users: WINDOW_ADMIN only")
    async def users(
        self, info: Ctx, first: int = PAGE, after: str | None = None
    ) -> Connection[User]:
        return await User.listing(users.ACCOUNTS, info.context, first, after)

    @strawberry.field
    async def services(
        self,
        info: Ctx,
        filter: ServiceFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Service]:
        ctx = info.context
        domain_filter = catalogue.ServiceFilter()
        if filter is not None:
            domain_filter = catalogue.ServiceFilter(
                category=filter.category,
                keyword=filter.keyword,
                public_welfare=filter.public_welfare,
                mode=filter.mode,
                agency_id=ctx.local_id(filter.agency_id) if filter.agency_id else None,
                status=filter.status,
            )
        page = await catalogue.list_services(ctx.actor, domain_filter, first, after)
        return connection(page, lambda row: Service.from_row(row, ctx))

    @strawberry.field
    async def service(self, info: Ctx, id: strawberry.ID) -> Service | None:
        ctx = info.context
        row = await catalogue.get_service(ctx.actor, ctx.local_id(id))
        return None if row is None else Service.from_row(row, ctx)

    @strawberry.field
    async def agencies(
        self,
        info: Ctx,
        filter: AgencyFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Agency]:
        ctx = info.context
        page = await catalogue.list_agencies(first, after, filter.keyword if filter else None)
        return connection(page, lambda row: Agency.from_row(row, ctx))

    @strawberry.field
    async def agency(self, info: Ctx, id: strawberry.ID) -> Agency | None:
        return await info.context.related(AgencyRow, info.context.local_id(id), Agency.from_row)

    @strawberry.field
    async def experts(
        self,
        info: Ctx,
        filter: ExpertFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Expert]:
        ctx = info.context
        page = await catalogue.list_experts(first, after, filter.specialty if filter else None)
        return connection(page, lambda row: Expert.from_row(row, ctx))

    @strawberry.field
    async def enterprises(
        self,
        info: Ctx,
        filter: EnterpriseFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Enterprise]:
        ctx = info.context
        domain_filter = enterprises.EnterpriseFilter()
        if filter is not None:
            domain_filter = enterprises.EnterpriseFilter(
                keyword=filter.keyword,
                region_code=filter.region_code,
                industry_code=filter.industry_code,
                size_class=filter.size_class.value if filter.size_class else None,
            )
        page = await enterprises.list_enterprises(ctx.actor, domain_filter, first, after)
        return connection(page, lambda row: Enterprise.from_row(row, ctx))

    @strawberry.field
    async def enterprise(self, info: Ctx, id: strawberry.ID) -> Enterprise | None:
        ctx = info.context
        row = await enterprises.get_enterprise(ctx.actor, ctx.local_id(id))
        return None if row is None else Enterprise.from_row(row, ctx)

    @strawberry.field
    async def audit_log(
        self,
        info: Ctx,
        filter: AuditFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[AuditEntry]:
        ctx = info.context
        operation = filter.operation if filter else None
        page = await audit.list_audit(ctx.actor, first, after, operation)
        return connection(page, lambda row: AuditEntry.from_row(row, ctx))
