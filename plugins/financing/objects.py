"""GraphQL types of the financing plugin; every name starts with ``Financing``."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import strawberry

from node.plugins import api
from plugins.financing import matching
from plugins.financing.demands import DemandStatus
from plugins.financing.models import FinancingCoreDemandLink
from plugins.financing.models import FinancingDemand as FinancingDemandRow
from plugins.financing.models import FinancingDemandTransition as FinancingDemandTransitionRow
from plugins.financing.models import FinancingProduct as FinancingProductRow
from plugins.financing.products import ProviderKind, SizeClass

# The domain's enums serve as GraphQL enums, under the namespace's prefix.
strawberry.enum(ProviderKind, name="FinancingProviderKind")
strawberry.enum(SizeClass, name="FinancingSizeClass")
strawberry.enum(DemandStatus, name="FinancingDemandStatus")
strawberry.enum(matching.Criterion, name="FinancingCriterion")


def _id(ctx: api.Context, key: uuid.UUID | None) -> strawberry.ID | None:
    return None if key is None else strawberry.ID(ctx.network_id(key))


@strawberry.type(description="a loan or guarantee product; amounts in 万元, terms in months")
class FinancingProduct:
    id: strawberry.ID
    name: str
    provider_name: str
    provider_kind: ProviderKind
    agency_id: strawberry.ID | None = strawberry.field(description="the core Agency, if any")
    amount_min: Decimal
    amount_max: Decimal
    term_min_months: int
    term_max_months: int
    size_classes: list[SizeClass] = strawberry.field(description="the size classes it serves")
    rate_description: str = strawberry.field(description="interest rate and fees, as offered")
    active: bool = strawberry.field(description="false once retired: out of the catalogue")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: FinancingProductRow, ctx: api.Context) -> FinancingProduct:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            name=row.name,
            provider_name=row.provider_name,
            provider_kind=ProviderKind(row.provider_kind),
            agency_id=_id(ctx, row.agency_id),
            amount_min=row.amount_min,
            amount_max=row.amount_max,
            term_min_months=row.term_min_months,
            term_max_months=row.term_max_months,
            size_classes=[SizeClass(c) for c in row.size_classes],
            rate_description=row.rate_description,
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type
class FinancingDemandTransition:
    from_status: DemandStatus | None
    to_status: DemandStatus
    actor: str
    note: str | None
    at: datetime

    @classmethod
    def from_row(cls, row: FinancingDemandTransitionRow) -> FinancingDemandTransition:
        return cls(
            from_status=None if row.from_status is None else DemandStatus(row.from_status),
            to_status=DemandStatus(row.to_status),
            actor=row.actor,
            note=row.note,
            at=row.created_at,
        )


@strawberry.type(description="an enterprise's financing need and its outcome; amounts in 万元")
class FinancingDemand:
    id: strawberry.ID
    enterprise_id: strawberry.ID
    amount: Decimal
    term_months: int
    purpose: str
    status: DemandStatus
    approved_amount: Decimal | None = strawberry.field(description="set once APPROVED")
    decline_reason: str | None = strawberry.field(description="set once DECLINED")
    core_demand_id: strawberry.ID | None = strawberry.field(
        description="the core demand it was taken in from, if any"
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    key: strawberry.Private[uuid.UUID]
    product_key: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="the product it was matched to, retired or not")
    async def product(self, info: api.Info) -> FinancingProduct | None:
        ctx = info.context
        return await ctx.related(FinancingProductRow, self.product_key, FinancingProduct.from_row)

    @strawberry.field(description="every change of status, oldest first")
    async def transitions(self, info: api.Info) -> list[FinancingDemandTransition]:
        loader = info.context.loaders.children(FinancingDemandTransitionRow, "demand_id")
        return [FinancingDemandTransition.from_row(row) for row in await loader.load(self.key)]

    @classmethod
    def from_row(cls, row: FinancingDemandRow, ctx: api.Context) -> FinancingDemand:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            enterprise_id=strawberry.ID(ctx.network_id(row.enterprise_id)),
            amount=row.amount,
            term_months=row.term_months,
            purpose=row.purpose,
            status=DemandStatus(row.status),
            approved_amount=row.approved_amount,
            decline_reason=row.decline_reason,
            core_demand_id=_id(ctx, row.core_demand_id),
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            key=row.id,
            product_key=row.product_id,
        )


@strawberry.type
class FinancingCriterionCheck:
    criterion: matching.Criterion
    passed: bool
    reason: str = strawberry.field(description='e.g. "amount 300 万元 within 100–500 万元"')


@strawberry.type(description="one active product assessed against a demand")
class FinancingMatch:
    product: FinancingProduct
    eligible: bool
    centre_distance: float | None = strawberry.field(
        description="ranking key of an eligible product: the requested amount's distance from "
        "the centre of its amount range as a share of the range's width (0 at the centre, 0.5 "
        "at either end); null when not eligible"
    )
    criteria: list[FinancingCriterionCheck] = strawberry.field(
        description="amount, term and size class, each passed or failed with the reason"
    )

    @classmethod
    def from_match(cls, match: matching.Match, ctx: api.Context) -> FinancingMatch:
        distance = match.centre_distance
        return cls(
            product=FinancingProduct.from_row(match.product, ctx),
            eligible=match.eligible,
            centre_distance=None if distance is None else float(distance),
            criteria=[
                FinancingCriterionCheck(criterion=c.criterion, passed=c.passed, reason=c.reason)
                for c in match.checks
            ],
        )


@strawberry.type(description="a core demand of category FINANCING not yet taken in")
class FinancingCoreDemand:
    core_demand_id: strawberry.ID
    enterprise_id: strawberry.ID
    submitted_by: str
    received_at: datetime

    @classmethod
    def from_row(cls, row: FinancingCoreDemandLink, ctx: api.Context) -> FinancingCoreDemand:
        return cls(
            core_demand_id=strawberry.ID(ctx.network_id(row.core_demand_id)),
            enterprise_id=strawberry.ID(ctx.network_id(row.enterprise_id)),
            submitted_by=row.submitted_by,
            received_at=row.created_at,
        )


@strawberry.input
class FinancingProductInput:
    name: str
    provider_name: str
    provider_kind: ProviderKind
    amount_min: Decimal
    amount_max: Decimal
    term_min_months: int
    term_max_months: int
    size_classes: list[SizeClass]
    rate_description: str = ""
    agency_id: strawberry.ID | None = None


@strawberry.input(description="the fields to change; those left out stay as they are")
class FinancingProductUpdateInput:
    name: str | None = None
    provider_name: str | None = None
    provider_kind: ProviderKind | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    term_min_months: int | None = None
    term_max_months: int | None = None
    size_classes: list[SizeClass] | None = None
    rate_description: str | None = None
    agency_id: strawberry.ID | None = None


@strawberry.input
class FinancingDemandInput:
    enterprise_id: strawberry.ID
    amount: Decimal = strawberry.field(description="万元")
    term_months: int
    purpose: str
    core_demand_id: strawberry.ID | None = strawberry.field(
        default=None, description="a pendingCoreDemands entry of the same enterprise"
    )


@strawberry.type
class FinancingProductPayload:
    product: FinancingProduct


@strawberry.type
class FinancingDemandPayload:
    demand: FinancingDemand
