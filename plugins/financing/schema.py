"""The plugin's GraphQL roots: ``ext { financing }`` in Query and Mutation, and
``stats { ext { financing } }``. Thin resolvers over the domain modules."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import strawberry

from node.plugins import api
from plugins.financing import demands, indicators, products
from plugins.financing.demands import DemandStatus
from plugins.financing.objects import (
    FinancingCoreDemand,
    FinancingDemand,
    FinancingDemandInput,
    FinancingDemandPayload,
    FinancingMatch,
    FinancingProduct,
    FinancingProductInput,
    FinancingProductPayload,
    FinancingProductUpdateInput,
)


def _product_fields(ctx: api.Context, input: Any) -> dict[str, Any]:
    """The domain's fields of a product input (create or update)."""
    return {
        "name": input.name,
        "provider_name": input.provider_name,
        "provider_kind": input.provider_kind,
        "amount_min": input.amount_min,
        "amount_max": input.amount_max,
        "term_min_months": input.term_min_months,
        "term_max_months": input.term_max_months,
        "size_classes": input.size_classes,
        "rate_description": input.rate_description,
        "agency_id": None if input.agency_id is None else ctx.local_id(input.agency_id),
    }


@strawberry.type
class FinancingQuery:
    @strawberry.field(
        description="the catalogue of active products, for anyone; includeRetired: the "
        "window's users only"
    )
    async def products(
        self,
        info: api.Info,
        include_retired: bool = False,
        first: int = api.PAGE,
        after: str | None = None,
    ) -> api.Connection[FinancingProduct]:
        ctx = info.context
        page = await products.list_products(ctx.actor, include_retired, first, after)
        return api.connection(page, lambda row: FinancingProduct.from_row(row, ctx))

    @strawberry.field(description="an active product, or a retired one for the window's users")
    async def product(self, info: api.Info, id: strawberry.ID) -> FinancingProduct | None:
        ctx = info.context
        row = await products.get_product(ctx.actor, ctx.local_id(id))
        return None if row is None else FinancingProduct.from_row(row, ctx)

    @strawberry.field(description="the window's users only: financing needs are confidential")
    async def demands(
        self,
        info: api.Info,
        status: DemandStatus | None = None,
        enterprise_id: strawberry.ID | None = None,
        first: int = api.PAGE,
        after: str | None = None,
    ) -> api.Connection[FinancingDemand]:
        ctx = info.context
        enterprise = None if enterprise_id is None else ctx.local_id(enterprise_id)
        page = await demands.list_demands(ctx.actor, status, enterprise, first, after)
        return api.connection(page, lambda row: FinancingDemand.from_row(row, ctx))

    @strawberry.field(description="the window's users only")
    async def demand(self, info: api.Info, id: strawberry.ID) -> FinancingDemand | None:
        ctx = info.context
        row = await demands.get_demand(ctx.actor, ctx.local_id(id))
        return None if row is None else FinancingDemand.from_row(row, ctx)

    @strawberry.field(
        description="every active product assessed against the demand: eligible ones first, "
        "closest to the centre of their amount range first, then by name and ID; then the "
        "ineligible ones, fewest failing criteria first, then by name and ID"
    )
    async def matches(self, info: api.Info, demand_id: strawberry.ID) -> list[FinancingMatch]:
        ctx = info.context
        found = await demands.matches(ctx.actor, ctx.local_id(demand_id))
        return [FinancingMatch.from_match(match, ctx) for match in found]

    @strawberry.field(
        description="core demands of category FINANCING not yet taken in as financing demands"
    )
    async def pending_core_demands(
        self, info: api.Info, first: int = api.PAGE, after: str | None = None
    ) -> api.Connection[FinancingCoreDemand]:
        ctx = info.context
        page = await demands.pending_core_demands(ctx.actor, first, after)
        return api.connection(page, lambda row: FinancingCoreDemand.from_row(row, ctx))


@strawberry.type
class FinancingMutation:
    @api.mutation()
    async def create_product(
        self, info: api.Info, input: FinancingProductInput
    ) -> FinancingProductPayload:
        ctx = info.context
        row = await products.create_product(ctx.actor, **_product_fields(ctx, input))
        return FinancingProductPayload(product=FinancingProduct.from_row(row, ctx))

    @api.mutation(description="change an active product; a retired one stays as it was")
    async def update_product(
        self, info: api.Info, id: strawberry.ID, input: FinancingProductUpdateInput
    ) -> FinancingProductPayload:
        ctx = info.context
        fields = _product_fields(ctx, input)
        row = await products.update_product(ctx.actor, ctx.local_id(id), **fields)
        return FinancingProductPayload(product=FinancingProduct.from_row(row, ctx))

    @api.mutation(description="take a product out of the catalogue and of matching, for good")
    async def retire_product(self, info: api.Info, id: strawberry.ID) -> FinancingProductPayload:
        ctx = info.context
        row = await products.retire_product(ctx.actor, ctx.local_id(id))
        return FinancingProductPayload(product=FinancingProduct.from_row(row, ctx))

    @api.mutation()
    async def create_demand(
        self, info: api.Info, input: FinancingDemandInput
    ) -> FinancingDemandPayload:
        ctx = info.context
        core = input.core_demand_id
        row = await demands.create_demand(
            ctx.actor,
            ctx.local_id(input.enterprise_id),
            input.amount,
            input.term_months,
            input.purpose,
            None if core is None else ctx.local_id(core),
        )
        return FinancingDemandPayload(demand=FinancingDemand.from_row(row, ctx))

    @api.mutation(description="OPEN → MATCHED, to an active product the demand is eligible for")
    async def match_demand(
        self, info: api.Info, id: strawberry.ID, product_id: strawberry.ID, note: str | None = None
    ) -> FinancingDemandPayload:
        ctx = info.context
        row = await demands.match_demand(
            ctx.actor, ctx.local_id(id), ctx.local_id(product_id), note
        )
        return FinancingDemandPayload(demand=FinancingDemand.from_row(row, ctx))

    @api.mutation(description="MATCHED → APPROVED, for at most the requested amount")
    async def approve_demand(
        self, info: api.Info, id: strawberry.ID, approved_amount: Decimal, note: str | None = None
    ) -> FinancingDemandPayload:
        ctx = info.context
        row = await demands.approve_demand(ctx.actor, ctx.local_id(id), approved_amount, note)
        return FinancingDemandPayload(demand=FinancingDemand.from_row(row, ctx))

    @api.mutation(description="MATCHED → DECLINED, with the reason")
    async def decline_demand(
        self, info: api.Info, id: strawberry.ID, reason: str
    ) -> FinancingDemandPayload:
        ctx = info.context
        row = await demands.decline_demand(ctx.actor, ctx.local_id(id), reason)
        return FinancingDemandPayload(demand=FinancingDemand.from_row(row, ctx))

    @api.mutation(description="OPEN or MATCHED → WITHDRAWN")
    async def withdraw_demand(
        self, info: api.Info, id: strawberry.ID, note: str | None = None
    ) -> FinancingDemandPayload:
        ctx = info.context
        row = await demands.withdraw_demand(ctx.actor, ctx.local_id(id), note)
        return FinancingDemandPayload(demand=FinancingDemand.from_row(row, ctx))


@strawberry.type(description="a share with its parts, so windows' figures can be summed")
class FinancingRate:
    numerator: int
    denominator: int
    value: float | None = strawberry.field(description="numerator / denominator; null when 0")


@strawberry.type(description="financing indicators of the period")
class FinancingStats:
    period: strawberry.Private[api.Period]
    # The figures are read once per request, however many fields ask (concurrently).
    computing: strawberry.Private[asyncio.Future[indicators.Indicators] | None] = None

    async def _figures(self, info: api.Info) -> indicators.Indicators:
        api.require(info.context.actor, api.READ_ROLES, "read the indicators")
        if self.computing is None:
            start, end = self.period.bounds()
            self.computing = asyncio.ensure_future(indicators.compute(start, end))
        return await self.computing

    @strawberry.field(description="financing demands taken in")
    async def demands_received(self, info: api.Info) -> int:
        return (await self._figures(info)).demands_received

    @strawberry.field(description="demands approved in the period")
    async def approved_count(self, info: api.Info) -> int:
        return (await self._figures(info)).approved

    @strawberry.field(description="万元 approved in the period")
    async def approved_amount(self, info: api.Info) -> Decimal:
        return (await self._figures(info)).approved_amount

    @strawberry.field(description="demands declined in the period")
    async def declined_count(self, info: api.Info) -> int:
        return (await self._figures(info)).declined

    @strawberry.field(description="approved / (approved + declined), decided in the period")
    async def approval_rate(self, info: api.Info) -> FinancingRate:
        figures = await self._figures(info)
        decided = figures.decided
        return FinancingRate(
            numerator=figures.approved,
            denominator=decided,
            value=figures.approved / decided if decided else None,
        )
