"""GraphQL of service records, their hash-chained history, feedback and follow-ups."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import strawberry

from federation.relay import PAGE, Connection, connection
from node.domain import records
from node.models import ChainEntry as ChainEntryRow
from node.models import Demand as DemandRow
from node.models import Enterprise as EnterpriseRow
from node.models import Feedback as FeedbackRow
from node.models import FollowUp as FollowUpRow
from node.models import Service as ServiceRow
from node.models import ServiceRecord as ServiceRecordRow
from node.models import Voucher as VoucherRow
from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning, Service
from node.schema.context import Context, Ctx
from node.schema.demands import Demand
from node.schema.enterprises import Enterprise
from node.schema.enums import Channel, FeedbackChannel, ServiceRecordStatus
from node.schema.vouchers import Voucher


@strawberry.type
class ChainEntry:
    """One entry of the node's service-record hash chain."""

    position: int
    service_record_id: strawberry.ID
    kind: str
    at: datetime
    actor: str
    content: str = strawberry.field(description="canonical JSON that was hashed")
    previous_hash: str
    hash: str

    @classmethod
    def from_row(cls, row: ChainEntryRow, ctx: Context) -> ChainEntry:
        return cls(
            position=row.position,
            service_record_id=strawberry.ID(ctx.network_id(row.service_record_id)),
            kind=row.kind,
            at=row.created_at,
            actor=row.actor,
            content=row.content,
            previous_hash=row.previous_hash,
            hash=row.hash,
        )


@strawberry.type
class Feedback:
    rating: int
    channel: FeedbackChannel
    at: datetime
    comment_text: strawberry.Private[str]

    @strawberry.field(description="may hold personal information: STAFF and WINDOW_ADMIN only")
    def comment(self, info: Ctx) -> str | None:
        return info.context.personal(self.comment_text, "a feedback comment")

    @classmethod
    def from_row(cls, row: FeedbackRow) -> Feedback:
        return cls(
            rating=row.rating,
            comment_text=row.comment,
            channel=FeedbackChannel(row.channel),
            at=row.created_at,
        )


@strawberry.type
class FollowUp:
    id: strawberry.ID
    channel: str
    actor: str
    at: datetime
    result_text: strawberry.Private[str]

    @strawberry.field(description="may hold personal information: STAFF and WINDOW_ADMIN only")
    def result(self, info: Ctx) -> str | None:
        return info.context.personal(self.result_text, "a follow-up's result")

    @classmethod
    def from_row(cls, row: FollowUpRow, ctx: Context) -> FollowUp:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            channel=row.channel,
            result_text=row.result,
            actor=row.actor,
            at=row.created_at,
        )


@strawberry.type
class ServiceRecord:
    """The current view of one service activity; ``history`` is how it got there."""

    id: strawberry.ID
    agency_id: strawberry.ID | None
    channel: Channel
    status: ServiceRecordStatus
    started_at: datetime
    completed_at: datetime | None
    outcome: str | None
    fee: Decimal | None = strawberry.field(description="yuan")
    created_at: datetime
    row: strawberry.Private[ServiceRecordRow]

    @strawberry.field(description="a person's name: STAFF and WINDOW_ADMIN only")
    def staff(self, info: Ctx) -> str | None:
        return info.context.personal(self.row.staff, "the staff member's name")

    @strawberry.field
    async def enterprise(self, info: Ctx) -> Enterprise | None:
        return await info.context.related(
            EnterpriseRow, self.row.enterprise_id, Enterprise.from_row
        )

    @strawberry.field
    async def service(self, info: Ctx) -> Service | None:
        return await info.context.related(ServiceRow, self.row.service_id, Service.from_row)

    @strawberry.field
    async def demand(self, info: Ctx) -> Demand | None:
        return await info.context.related(DemandRow, self.row.demand_id, Demand.from_row)

    @strawberry.field
    async def voucher(self, info: Ctx) -> Voucher | None:
        return await info.context.related(VoucherRow, self.row.voucher_id, Voucher.from_row)

    @strawberry.field
    async def feedback(self, info: Ctx) -> Feedback | None:
        loader = info.context.loaders.children(FeedbackRow, "service_record_id")
        rows = await loader.load(self.row.id)
        return Feedback.from_row(rows[0]) if rows else None

    @strawberry.field(description="callbacks (回访), oldest first")
    async def follow_ups(self, info: Ctx) -> list[FollowUp]:
        loader = info.context.loaders.children(FollowUpRow, "service_record_id", "id")
        return [FollowUp.from_row(row, info.context) for row in await loader.load(self.row.id)]

    @strawberry.field(description="its entries of the node's hash chain, oldest first")
    async def history(self, info: Ctx) -> list[ChainEntry]:
        loader = info.context.loaders.children(ChainEntryRow, "service_record_id", "position")
        return [ChainEntry.from_row(row, info.context) for row in await loader.load(self.row.id)]

    @classmethod
    def from_row(cls, row: ServiceRecordRow, ctx: Context) -> ServiceRecord:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            agency_id=None
            if row.agency_id is None
            else strawberry.ID(ctx.network_id(row.agency_id)),
            channel=Channel(row.channel),
            status=ServiceRecordStatus(row.status),
            started_at=row.started_at,
            completed_at=row.completed_at,
            outcome=row.outcome,
            fee=row.fee,
            created_at=row.created_at,
            row=row,
        )


@strawberry.input
class ServiceRecordFilter:
    enterprise_id: strawberry.ID | None = None
    service_id: strawberry.ID | None = None
    agency_id: strawberry.ID | None = None
    channel: Channel | None = None
    from_date: date | None = strawberry.field(
        default=None, description="first day started (Asia/Shanghai unless configured)"
    )
    to_date: date | None = strawberry.field(default=None, description="last day started")


@strawberry.input
class StartServiceRecordInput:
    enterprise_id: strawberry.ID
    service_id: strawberry.ID = strawberry.field(description="a PUBLISHED service of this window")
    channel: Channel
    agency_id: strawberry.ID | None = strawberry.field(
        default=None, description="the delivering agency; default: the service's"
    )
    demand_id: strawberry.ID | None = strawberry.field(
        default=None, description="a MATCHED demand of the same enterprise: goes IN_SERVICE"
    )
    staff: str | None = strawberry.field(
        default=None, description="who serves; default: the caller's username"
    )


@strawberry.input
class CompleteServiceRecordInput:
    outcome: str
    fee: Decimal | None = strawberry.field(default=None, description="yuan, rounded to the cent")
    voucher_id: strawberry.ID | None = strawberry.field(
        default=None, description="a voucher of the enterprise, redeemed in the same step"
    )


@strawberry.input
class CorrectServiceRecordInput:
    reason: str
    outcome: str | None = None
    fee: Decimal | None = None
    channel: Channel | None = None


@strawberry.input
class FeedbackInput:
    service_record_id: strawberry.ID
    rating: int
    comment: str = ""
    channel: FeedbackChannel = FeedbackChannel.PHONE_CALLBACK
    link_token: str | None = strawberry.field(
        default=None, description="the one-time link's token, for enterprises without an account"
    )


@strawberry.input
class FollowUpInput:
    channel: str
    result: str


@strawberry.type
class ServiceRecordPayload:
    service_record: ServiceRecord
    warnings: list[PayloadWarning]


def _payload(row: ServiceRecordRow, ctx: Context) -> ServiceRecordPayload:
    return ServiceRecordPayload(service_record=ServiceRecord.from_row(row, ctx), warnings=[])


def _key(ctx: Context, network_id: strawberry.ID | None) -> uuid.UUID | None:
    return None if network_id is None else ctx.local_id(network_id)


@strawberry.type
class ServiceRecordQuery:
    @strawberry.field(description="STAFF, WINDOW_ADMIN and READONLY; not anonymous")
    async def service_records(
        self,
        info: Ctx,
        filter: ServiceRecordFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[ServiceRecord]:
        ctx = info.context
        f = filter or ServiceRecordFilter()
        domain_filter = records.ServiceRecordFilter(
            enterprise_id=_key(ctx, f.enterprise_id),
            service_id=_key(ctx, f.service_id),
            agency_id=_key(ctx, f.agency_id),
            channel=None if f.channel is None else records.Channel(f.channel.value),
            from_date=f.from_date,
            to_date=f.to_date,
            timezone=ctx.settings.timezone,
        )
        page = await records.list_service_records(ctx.actor, domain_filter, first, after)
        return connection(page, lambda row: ServiceRecord.from_row(row, ctx))

    @strawberry.field
    async def service_record(self, info: Ctx, id: strawberry.ID) -> ServiceRecord | None:
        ctx = info.context
        row = await records.get_service_record(ctx.actor, ctx.local_id(id))
        return None if row is None else ServiceRecord.from_row(row, ctx)

    @strawberry.field(description="the service-record chain entry at a position (0-based)")
    async def chain_entry(self, info: Ctx, position: int) -> ChainEntry | None:
        ctx = info.context
        row = await records.get_chain_entry(ctx.actor, position)
        return None if row is None else ChainEntry.from_row(row, ctx)


@strawberry.type
class ServiceRecordMutation:
    @mutation()
    async def start_service_record(
        self, info: Ctx, input: StartServiceRecordInput
    ) -> ServiceRecordPayload:
        ctx = info.context
        row = await records.start_service_record(
            ctx.actor,
            ctx.local_id(input.enterprise_id),
            ctx.local_id(input.service_id),
            records.Channel(input.channel.value),
            agency_id=_key(ctx, input.agency_id),
            demand_id=_key(ctx, input.demand_id),
            staff=input.staff or "",
        )
        return _payload(row, ctx)

    @mutation()
    async def complete_service_record(
        self, info: Ctx, id: strawberry.ID, input: CompleteServiceRecordInput
    ) -> ServiceRecordPayload:
        ctx = info.context
        row = await records.complete_service_record(
            ctx.actor,
            ctx.local_id(id),
            input.outcome,
            fee=input.fee,
            voucher_id=_key(ctx, input.voucher_id),
        )
        return _payload(row, ctx)

    @mutation(description="a new history entry with the reason; nothing is overwritten")
    async def correct_service_record(
        self, info: Ctx, id: strawberry.ID, input: CorrectServiceRecordInput
    ) -> ServiceRecordPayload:
        ctx = info.context
        row = await records.correct_service_record(
            ctx.actor,
            ctx.local_id(id),
            input.reason,
            outcome=input.outcome,
            fee=input.fee,
            channel=None if input.channel is None else records.Channel(input.channel.value),
        )
        return _payload(row, ctx)
