"""GraphQL of service vouchers (服务券): issued to an enterprise, redeemed against a service."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import partial

import strawberry

from federation.extensions import Write
from federation.ids import make_id, parse_id
from federation.relay import PAGE, Connection, connection
from node.domain import vouchers
from node.hub_client import HUB, HubClient
from node.models import Enterprise as EnterpriseRow
from node.models import Voucher as VoucherRow
from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.context import Context, Ctx
from node.schema.enterprises import Enterprise
from node.schema.enums import ServiceCategory, VoucherStatus


@strawberry.type
class Voucher:
    id: strawberry.ID
    amount: Decimal
    valid_until: date = strawberry.field(description="last day it can be redeemed, Asia/Shanghai")
    categories: list[ServiceCategory] = strawberry.field(
        description="service categories it pays for; empty: any value-added service"
    )
    status: VoucherStatus = strawberry.field(
        description="EXPIRED once validUntil has passed unredeemed"
    )
    issued_by: str
    redeemed_at: datetime | None
    service_record_id: strawberry.ID | None
    created_at: datetime
    enterprise_key: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def enterprise(self, info: Ctx) -> Enterprise | None:
        return await info.context.related(EnterpriseRow, self.enterprise_key, Enterprise.from_row)

    @classmethod
    def from_row(cls, row: VoucherRow, ctx: Context) -> Voucher:
        record = row.service_record_id
        return cls(
            id=strawberry.ID(make_id(HUB, row.id) if row.from_hub else ctx.network_id(row.id)),
            amount=row.amount,
            valid_until=row.valid_until,
            categories=[ServiceCategory(c) for c in row.categories],
            status=VoucherStatus(vouchers.effective_status(row).value),
            issued_by=row.issued_by,
            redeemed_at=row.redeemed_at,
            service_record_id=None if record is None else strawberry.ID(ctx.network_id(record)),
            created_at=row.created_at,
            enterprise_key=row.enterprise_id,
        )


@strawberry.input
class VoucherFilter:
    status: VoucherStatus | None = None
    enterprise_id: strawberry.ID | None = None


@strawberry.input
class IssueVoucherInput:
    enterprise_id: strawberry.ID
    amount: Decimal
    valid_until: date
    categories: list[ServiceCategory] = strawberry.field(default_factory=list)


@strawberry.type
class VoucherPayload:
    voucher: Voucher
    warnings: list[PayloadWarning]


@strawberry.type
class VoucherQuery:
    @strawberry.field(description="STAFF, WINDOW_ADMIN and READONLY; not anonymous")
    async def vouchers(
        self,
        info: Ctx,
        filter: VoucherFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Voucher]:
        ctx = info.context
        domain_filter = vouchers.VoucherFilter()
        if filter is not None:
            domain_filter = vouchers.VoucherFilter(
                status=None
                if filter.status is None
                else vouchers.VoucherStatus(filter.status.value),
                enterprise_id=None
                if filter.enterprise_id is None
                else ctx.local_id(filter.enterprise_id),
            )
        page = await vouchers.list_vouchers(ctx.actor, domain_filter, first, after)
        return connection(page, lambda row: Voucher.from_row(row, ctx))


@strawberry.type
class VoucherMutation:
    @mutation()
    async def issue_voucher(self, info: Ctx, input: IssueVoucherInput) -> VoucherPayload:
        ctx = info.context
        row = await vouchers.issue_voucher(
            ctx.actor,
            ctx.local_id(input.enterprise_id),
            input.amount,
            input.valid_until,
            [str(c) for c in input.categories],
        )
        return VoucherPayload(voucher=Voucher.from_row(row, ctx), warnings=[])

    # The contract's description (changed only with a version bump) does not mention it yet: a
    # network voucher (hub:<id>) is redeemed once the hub confirms it. Deferred: the hub is asked
    # before the mutation's transaction opens, which then only records the confirmed voucher.
    @mutation(
        deferred=True,
        graphql_type=VoucherPayload,
        description="pay a completed value-added service record with a voucher, once",
    )
    async def redeem_voucher(
        self, info: Ctx, id: strawberry.ID, service_record_id: strawberry.ID
    ) -> Write[VoucherPayload]:
        ctx = info.context
        owner, key = parse_id(id)
        record = ctx.local_id(service_record_id)
        if owner == HUB:  # a network voucher: the hub confirms it first
            hub = HubClient.of(ctx.settings)
            confirmed = await vouchers.confirm_network_voucher(ctx.actor, key, record, hub)
            redeem = partial(vouchers.record_network_voucher, ctx.actor, confirmed)
        else:
            redeem = partial(vouchers.redeem_voucher, ctx.actor, ctx.local_id(id), record)

        async def write() -> VoucherPayload:
            return VoucherPayload(voucher=Voucher.from_row(await redeem(), ctx), warnings=[])

        return Write(write)
