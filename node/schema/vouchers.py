"""GraphQL of service vouchers (服务券): issued to an enterprise, redeemed against a service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.enterprises import Enterprise
from node.schema.enums import ServiceCategory, VoucherStatus
from node.schema.relay import PAGE, Connection
from node.schema.unavailable import unavailable


@strawberry.type
class Voucher:
    id: strawberry.ID
    enterprise: Enterprise | None
    amount: Decimal
    valid_until: date
    categories: list[ServiceCategory]
    status: VoucherStatus
    issued_by: str
    redeemed_at: datetime | None
    service_record_id: strawberry.ID | None
    created_at: datetime


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
    @strawberry.field
    def vouchers(
        self, filter: VoucherFilter | None = None, first: int = PAGE, after: str | None = None
    ) -> Connection[Voucher]:
        raise unavailable()


@strawberry.type
class VoucherMutation:
    @mutation()
    async def issue_voucher(self, input: IssueVoucherInput) -> VoucherPayload:
        raise unavailable()

    @mutation()
    async def redeem_voucher(
        self, id: strawberry.ID, service_record_id: strawberry.ID
    ) -> VoucherPayload:
        raise unavailable()
