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
