"""GraphQL of service records, their hash-chained history, feedback and follow-ups."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning, Service
from node.schema.demands import Demand
from node.schema.enterprises import Enterprise
from node.schema.enums import Channel, FeedbackChannel, ServiceRecordStatus
from node.schema.relay import PAGE, Connection
from node.schema.unavailable import unavailable
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


@strawberry.type
class Feedback:
    rating: int
    comment: str
    channel: FeedbackChannel
    at: datetime


@strawberry.type
class FollowUp:
    id: strawberry.ID
    channel: str
    result: str
    actor: str
    at: datetime


@strawberry.type
class ServiceRecord:
    id: strawberry.ID
    enterprise: Enterprise | None
    service: Service | None
    agency_id: strawberry.ID | None
    demand: Demand | None
    channel: Channel
    staff: str
    status: ServiceRecordStatus
    started_at: datetime
    completed_at: datetime | None
    outcome: str | None
    fee: Decimal | None
    voucher: Voucher | None
    feedback: Feedback | None
    follow_ups: list[FollowUp]
    history: list[ChainEntry]
    created_at: datetime


@strawberry.input
class ServiceRecordFilter:
    enterprise_id: strawberry.ID | None = None
    service_id: strawberry.ID | None = None
    agency_id: strawberry.ID | None = None
    channel: Channel | None = None
    from_date: date | None = None
    to_date: date | None = None


@strawberry.input
class StartServiceRecordInput:
    enterprise_id: strawberry.ID
    service_id: strawberry.ID
    channel: Channel
    agency_id: strawberry.ID | None = None
    demand_id: strawberry.ID | None = None
    staff: str | None = None


@strawberry.input
class CompleteServiceRecordInput:
    outcome: str
    fee: Decimal | None = None
    voucher_id: strawberry.ID | None = None


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


@strawberry.type
class ServiceRecordQuery:
    @strawberry.field
    def service_records(
        self,
        filter: ServiceRecordFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[ServiceRecord]:
        raise unavailable()

    @strawberry.field(description="the service-record chain entry at a position (0-based)")
    def chain_entry(self, position: int) -> ChainEntry | None:
        raise unavailable()


@strawberry.type
class ServiceRecordMutation:
    @mutation()
    async def start_service_record(self, input: StartServiceRecordInput) -> ServiceRecordPayload:
        raise unavailable()

    @mutation()
    async def complete_service_record(
        self, id: strawberry.ID, input: CompleteServiceRecordInput
    ) -> ServiceRecordPayload:
        raise unavailable()

    @mutation()
    async def correct_service_record(
        self, id: strawberry.ID, input: CorrectServiceRecordInput
    ) -> ServiceRecordPayload:
        raise unavailable()
