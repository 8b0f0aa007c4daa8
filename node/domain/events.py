"""Domain events and hub-bound outbox messages, written in the transaction of the change.

Both are rows, never in-memory queues: if the change commits, they exist; if it rolls back,
they never did. Plugins are dispatched events after commit; the outbox is pushed to the hub.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from node.domain.chain import canonical_value
from node.models import DomainEvent, OutboxMessage

OUTBOX_DEMAND_ESCALATED = "demand.escalated"
OUTBOX_DEMAND_OUTCOME = "demand.outcome"  # of a demand the hub dispatched here

# Events written by this process, committed or not: lets the dispatcher skip looking for new
# events after a request that wrote none.
written = 0
# Outbox messages written by this process, committed or not: the pusher is woken after a
# request that enqueued one (node.app).
enqueued = 0


async def emit(
    kind: str, subject_id: uuid.UUID, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> DomainEvent:
    global written
    written += 1
    return await DomainEvent.create(
        kind=kind,
        subject_id=str(subject_id),
        payload=canonical_value(payload),
        using_db=connection,
    )


async def enqueue(
    kind: str, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> OutboxMessage:
    global enqueued
    enqueued += 1
    return await OutboxMessage.create(
        kind=kind, payload=canonical_value(payload), using_db=connection
    )
