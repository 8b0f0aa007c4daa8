"""GraphQL of the hub's deliveries to this node (``node.domain.hub_messages``)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from node.domain import hub_messages
from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.context import Ctx


@strawberry.type
class HubMessagePayload:
    id: strawberry.ID
    duplicate: bool = strawberry.field(description="already taken before: nothing was run again")
    warnings: list[PayloadWarning]


@strawberry.type
class HubMessageMutation:
    # Not atomic: the domain service commits the message with its handler's writes, and a
    # duplicate is told by the message table's key, which needs a transaction of its own.
    @mutation(atomic=False, description="a message from the hub (its HUB_DELIVERY token only)")
    async def accept_hub_message(
        self, info: Ctx, id: strawberry.ID, kind: str, payload: JSON
    ) -> HubMessagePayload:
        duplicate = await hub_messages.accept_hub_message(info.context.actor, id, kind, payload)
        return HubMessagePayload(id=id, duplicate=duplicate, warnings=[])
