"""GraphQL enums of the hub, registered from the domain's enums."""

from __future__ import annotations

import enum

import strawberry

from federation.gather import BreakerState
from hub.domain import access, registry

HubRole = strawberry.enum(access.HubRole, name="HubRole")
WindowStatus = strawberry.enum(registry.WindowStatus, name="WindowStatus")
# The same values as the core contract's WindowKind, so the network schema can share it.
WindowKind = strawberry.enum(registry.WindowKind, name="WindowKind")
Recommendation = strawberry.enum(registry.Recommendation, name="Recommendation")
ObjectionStatus = strawberry.enum(registry.ObjectionStatus, name="ObjectionStatus")
Circuit = strawberry.enum(BreakerState, name="Circuit")


@strawberry.enum
class ObjectionResolution(enum.Enum):
    UPHELD = "UPHELD"
    DISMISSED = "DISMISSED"
