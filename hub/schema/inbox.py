"""GraphQL of the hub's intake of windows' outbox messages (``hub.domain.inbox``)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from hub.domain import inbox
from hub.schema.audit import mutation
from hub.schema.context import Ctx


@strawberry.type
class WindowMessagePayload:
    id: strawberry.ID = strawberry.field(description="the message id the window sent")
    kind: str
    received_at: datetime = strawberry.field(description="when the hub first stored it")
    duplicate: bool = strawberry.field(
        description="true when the hub had this message already: nothing was run again"
    )


@strawberry.type
class InboxMutation:
    # Not atomic: the intake commits the message with its handler's writes by itself, so that
    # a copy sent at once can lose to the unique key and still answer as a duplicate.
    @mutation(
        atomic=False,
        description="a window's node (role WINDOW), CONNECTED or RECTIFYING: one outbox message,"
        " stored once and handled by its kind's handler in the same transaction",
    )
    async def accept_window_message(
        self, info: Ctx, id: strawberry.ID, kind: str, payload: JSON
    ) -> WindowMessagePayload:
        accepted = await inbox.accept(info.context.actor, str(id), kind, payload)
        message = accepted.message
        return WindowMessagePayload(
            id=strawberry.ID(message.message_id),
            kind=message.kind,
            received_at=message.created_at,
            duplicate=accepted.duplicate,
        )
