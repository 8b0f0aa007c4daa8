"""GraphQL of network vouchers (``hub.domain.vouchers``): issued and listed by hub users,
redeemed by windows' nodes (``redeemNetworkVoucher``, which a node's ``redeemVoucher`` calls)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from federation.relay import PAGE, Connection, connection
from hub.domain import vouchers
from hub.models import NetworkVoucher as VoucherRow
from hub.schema.audit import mutation
from hub.schema.context import Context, Ctx

# The core contract's enum, so the network schema shares this one (``hub.schema.network``).
ServiceCategory = strawberry.enum(vouchers.ServiceCategory, name="ServiceCategory")
NetworkVoucherStatus = strawberry.enum(vouchers.VoucherStatus, name="NetworkVoucherStatus")


@strawberry.type
class NetworkVoucher:
    id: strawberry.ID
    uscc: str = strawberry.field(description="the enterprise's unified social credit code")
    amount: Decimal
    category: ServiceCategory | None = strawberry.field(
        description="the service category it pays for; null: any value-added service"
    )
    valid_until: date = strawberry.field(description="last day it can be redeemed, Asia/Shanghai")
    status: NetworkVoucherStatus = strawberry.field(
        description="EXPIRED once validUntil has passed unredeemed"
    )
    issued_by: str
    redeemed_by: str | None = strawberry.field(description="the window that redeemed it")
    service_record_id: strawberry.ID | None = strawberry.field(
        description="the service record it paid, at that window"
    )
    redeemed_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: VoucherRow, ctx: Context) -> NetworkVoucher:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            uscc=row.uscc,
            amount=row.amount,
            category=None if row.category is None else ServiceCategory(row.category),
            valid_until=row.valid_until,
            status=NetworkVoucherStatus(vouchers.effective_status(row).value),
            issued_by=row.issued_by,
            redeemed_by=row.redeemed_by,
            service_record_id=None
            if row.service_record_id is None
            else strawberry.ID(row.service_record_id),
            redeemed_at=row.redeemed_at,
            created_at=row.created_at,
        )


@strawberry.input
class IssueNetworkVoucherInput:
    uscc: str
    amount: Decimal
    valid_until: date
    category: ServiceCategory | None = None


@strawberry.type
class VoucherQuery:
    @strawberry.field(description="the hub's vouchers, newest first: hub roles")
    async def network_vouchers(
        self,
        info: Ctx,
        status: NetworkVoucherStatus | None = None,
        uscc: str | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[NetworkVoucher]:
        ctx = info.context
        wanted = None if status is None else vouchers.VoucherStatus(status.value)
        page = await vouchers.list_vouchers(ctx.actor, wanted, uscc, first, after)
        return connection(page, lambda row: NetworkVoucher.from_row(row, ctx))


@strawberry.type
class VoucherMutation:
    @mutation(description="HUB_OPERATOR or HUB_ADMIN issues a voucher redeemable at any window")
    async def issue_network_voucher(
        self, info: Ctx, input: IssueNetworkVoucherInput
    ) -> NetworkVoucher:
        ctx = info.context
        row = await vouchers.issue_voucher(
            ctx.actor,
            input.uscc,
            input.amount,
            None if input.category is None else input.category.value,
            input.valid_until,
        )
        return NetworkVoucher.from_row(row, ctx)

    @mutation(
        description="a window's node spends a voucher on one of its service records, once"
        " across the network; the same record again answers it as redeemed"
    )
    async def redeem_network_voucher(
        self,
        info: Ctx,
        id: strawberry.ID,
        service_record_id: strawberry.ID,
        uscc: str,
        category: ServiceCategory,
    ) -> NetworkVoucher:
        ctx = info.context
        row = await vouchers.redeem_voucher(
            ctx.actor, ctx.local_id(id), service_record_id, uscc, category.value
        )
        return NetworkVoucher.from_row(row, ctx)
