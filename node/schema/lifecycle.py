"""GraphQL types of the service lifecycle: demands, service records, activities, announcements,
vouchers and indicators. Part of the core contract; their storage and services come with the
lifecycle work, until then their fields answer ``NOT_IMPLEMENTED``."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import strawberry

from federation.errors import NotImplementedYet
from node.schema.catalogue import PayloadWarning, Service
from node.schema.enterprises import Enterprise
from node.schema.enums import ServiceCategory


def unavailable() -> NotImplementedYet:
    return NotImplementedYet("the service lifecycle is not available on this node version yet")


@strawberry.enum
class DemandStatus(enum.Enum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    MATCHED = "MATCHED"
    IN_SERVICE = "IN_SERVICE"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    ESCALATED = "ESCALATED"


@strawberry.enum
class Channel(enum.Enum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


@strawberry.enum
class ServiceRecordStatus(enum.Enum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


@strawberry.enum
class FeedbackChannel(enum.Enum):
    PHONE_CALLBACK = "PHONE_CALLBACK"
    ONE_TIME_LINK = "ONE_TIME_LINK"
    ON_SITE = "ON_SITE"


@strawberry.enum
class ActivityKind(enum.Enum):
    TRAINING = "TRAINING"
    ROADSHOW = "ROADSHOW"
    POLICY_BRIEFING = "POLICY_BRIEFING"
    MATCHMAKING = "MATCHMAKING"
    COMPETITION = "COMPETITION"
    EXPERT_CONSULTATION = "EXPERT_CONSULTATION"
    OTHER = "OTHER"


@strawberry.enum
class AnnouncementStatus(enum.Enum):
    DRAFT = "DRAFT"
    IN_REVIEW = "IN_REVIEW"
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"


@strawberry.enum
class VoucherStatus(enum.Enum):
    ISSUED = "ISSUED"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"


@strawberry.type
class DemandTransition:
    from_status: DemandStatus | None
    to_status: DemandStatus
    actor: str
    at: datetime
    note: str | None


@strawberry.type
class Demand:
    id: strawberry.ID
    title: str
    description: str
    category: ServiceCategory
    status: DemandStatus
    enterprise: Enterprise | None
    service: Service | None = strawberry.field(description="matched service of this window")
    matched_service_id: strawberry.ID | None = strawberry.field(
        description="network ID of the matched service, possibly of another window"
    )
    reject_reason: str | None
    response_hours: float | None = strawberry.field(description="submission to acceptance")
    resolution_hours: float | None = strawberry.field(description="submission to completion")
    transitions: list[DemandTransition]
    created_at: datetime


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


@strawberry.type
class Activity:
    id: strawberry.ID
    title: str
    kind: ActivityKind
    description: str
    starts_at: datetime
    ends_at: datetime
    online: bool
    location: str
    capacity: int
    registration_count: int
    attendance_count: int
    average_rating: float | None
    created_at: datetime


@strawberry.type
class Announcement:
    id: strawberry.ID
    title: str
    body: str
    status: AnnouncementStatus
    author: str
    reviewer: str | None
    review_comment: str | None
    from_hub: bool
    published_at: datetime | None
    created_at: datetime


@strawberry.type
class Stats:
    """Indicators of a period; rates come with numerator and denominator so the hub can sum."""

    from_date: date
    to_date: date
    enterprises_served: int
    services_delivered: int
    services_online: int
    services_offline: int
    activities: int
    activity_participants: int
    ratings: int
    satisfied_ratings: int = strawberry.field(description="ratings of 4 or 5")
    satisfaction_rate: float | None
    demands_received: int
    demands_resolved: int
    demand_resolution_rate: float | None
    median_resolution_hours: float | None


@strawberry.input
class DemandFilter:
    status: DemandStatus | None = None
    category: ServiceCategory | None = None
    enterprise_id: strawberry.ID | None = None
    from_date: date | None = None
    to_date: date | None = None


@strawberry.input
class ServiceRecordFilter:
    enterprise_id: strawberry.ID | None = None
    service_id: strawberry.ID | None = None
    agency_id: strawberry.ID | None = None
    channel: Channel | None = None
    from_date: date | None = None
    to_date: date | None = None


@strawberry.input
class ActivityFilter:
    kind: ActivityKind | None = None
    from_date: date | None = None
    to_date: date | None = None


@strawberry.input
class AnnouncementFilter:
    status: AnnouncementStatus | None = None


@strawberry.input
class VoucherFilter:
    status: VoucherStatus | None = None
    enterprise_id: strawberry.ID | None = None


@strawberry.input
class SubmitDemandInput:
    title: str
    description: str
    category: ServiceCategory
    enterprise_id: strawberry.ID


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


@strawberry.input
class ActivityInput:
    title: str
    kind: ActivityKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    online: bool = False
    location: str = ""
    description: str = ""


@strawberry.input
class ActivityRegistrationInput:
    enterprise_id: strawberry.ID | None = None
    participant_name: str = ""


@strawberry.input
class AnnouncementInput:
    title: str
    body: str


@strawberry.input
class IssueVoucherInput:
    enterprise_id: strawberry.ID
    amount: Decimal
    valid_until: date
    categories: list[ServiceCategory] = strawberry.field(default_factory=list)


@strawberry.type
class DemandPayload:
    demand: Demand
    warnings: list[PayloadWarning]


@strawberry.type
class ServiceRecordPayload:
    service_record: ServiceRecord
    warnings: list[PayloadWarning]


@strawberry.type
class ActivityPayload:
    activity: Activity
    warnings: list[PayloadWarning]


@strawberry.type
class AnnouncementPayload:
    announcement: Announcement
    warnings: list[PayloadWarning]


@strawberry.type
class VoucherPayload:
    voucher: Voucher
    warnings: list[PayloadWarning]
