"""GraphQL enums of the core contract, registered from the domain's enums."""

from __future__ import annotations

import enum

import strawberry

from node.domain import (
    access,
    activities,
    announcements,
    catalogue,
    demands,
    feedback,
    records,
    vouchers,
)
from node.reference import SizeClass as DomainSizeClass

Role = strawberry.enum(access.Role, name="Role")
ServiceCategory = strawberry.enum(catalogue.ServiceCategory, name="ServiceCategory")
ServiceMode = strawberry.enum(catalogue.ServiceMode, name="ServiceMode")
ServiceStatus = strawberry.enum(catalogue.ServiceStatus, name="ServiceStatus")
SizeClass = strawberry.enum(DomainSizeClass, name="SizeClass")
DemandStatus = strawberry.enum(demands.DemandStatus, name="DemandStatus")
Channel = strawberry.enum(records.Channel, name="Channel")
ServiceRecordStatus = strawberry.enum(records.ServiceRecordStatus, name="ServiceRecordStatus")
FeedbackChannel = strawberry.enum(feedback.FeedbackChannel, name="FeedbackChannel")
ActivityKind = strawberry.enum(activities.ActivityKind, name="ActivityKind")
AnnouncementStatus = strawberry.enum(announcements.AnnouncementStatus, name="AnnouncementStatus")
VoucherStatus = strawberry.enum(vouchers.VoucherStatus, name="VoucherStatus")


@strawberry.enum
class WindowKind(enum.Enum):
    COMPREHENSIVE = "COMPREHENSIVE"
    INDUSTRY = "INDUSTRY"
