"""GraphQL enums of the core contract, registered from the domain's enums."""

from __future__ import annotations

import enum

import strawberry

from node.domain.access import Role as DomainRole
from node.domain.catalogue import ServiceCategory as DomainCategory
from node.domain.catalogue import ServiceMode as DomainMode
from node.domain.catalogue import ServiceStatus as DomainStatus
from node.reference import SizeClass as DomainSizeClass

Role = strawberry.enum(DomainRole, name="Role")
ServiceCategory = strawberry.enum(DomainCategory, name="ServiceCategory")
ServiceMode = strawberry.enum(DomainMode, name="ServiceMode")
ServiceStatus = strawberry.enum(DomainStatus, name="ServiceStatus")
SizeClass = strawberry.enum(DomainSizeClass, name="SizeClass")


@strawberry.enum
class WindowKind(enum.Enum):
    COMPREHENSIVE = "COMPREHENSIVE"
    INDUSTRY = "INDUSTRY"


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
