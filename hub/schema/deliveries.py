"""GraphQL of the hub's deliveries to windows (``hub.domain.deliveries``): where each stands."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from hub.domain import deliveries
from hub.models import HubDelivery as DeliveryRow
from hub.models import Window as WindowRow
from hub.schema.context import Context
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
    def from_row(cls, row: DeliveryRow, window: WindowRow) -> HubDelivery:
        return cls(
            window=Window.from_row(window),
            kind=row.kind,
            state=DeliveryState(deliveries.delivery_state(row)),
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
        )


async def deliveries_of(ctx: Context, subject: str) -> list[HubDelivery]:
    """The deliveries of a broadcast or a routed demand, by window id; a page of them costs one
    query for the deliveries and one for their windows."""
    rows = await ctx.loaders.children(DeliveryRow, "subject").load(subject)
    windows = await ctx.loaders.of(WindowRow).load_many([row.window_id for row in rows])
    found = [(row, window) for row, window in zip(rows, windows, strict=True) if window]
    found.sort(key=lambda pair: (pair[1].window_id, pair[0].id))
    return [HubDelivery.from_row(row, window) for row, window in found]
