"""GraphQL of the hub's deliveries to windows (``hub.domain.deliveries``): where each stands."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from hub.domain import deliveries
from hub.models import HubDelivery as DeliveryRow
from hub.schema.windows import Window


@strawberry.enum
class DeliveryState(enum.Enum):
    PENDING = "PENDING"  # not yet taken by the node: retried with backoff
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # refused for good by the node; lastError says why


@strawberry.type
class HubDelivery:
    window: Window
    kind: str
    state: DeliveryState
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: DeliveryRow) -> HubDelivery:
        return cls(
            window=Window.from_row(row.window),
            kind=row.kind,
            state=DeliveryState(deliveries.delivery_state(row)),
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
        )


async def deliveries_of(subject: str) -> list[HubDelivery]:
    return [HubDelivery.from_row(row) for row in await deliveries.deliveries_of(subject)]
