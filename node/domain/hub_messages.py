"""What the hub delivers to this node (``acceptHubMessage``, DESIGN §7): each message id is
stored once, and in the same transaction the handler of its kind runs, so a message sent again
(its answer lost on the way back) changes nothing, and one whose handler fails leaves no trace.

    broadcast           a policy or notice, shown at once as a PUBLISHED announcement from the hub
    demand.dispatched   a demand another window escalated, now this window's, linked by ``origin``
    demand.outcome      the outcome of the demand dispatched from one this window escalated
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.errors import Conflict, InputError
from federation.inputs import quote
from node.domain import announcements, demands
from node.domain.access import Actor, require
from node.domain.trust import HUB_DELIVERY
from node.models import HubMessage

__all__ = ["HANDLERS", "accept_hub_message"]

Handler = Callable[[Actor, dict[str, Any], BaseDBAsyncClient], Awaitable[object]]

HANDLERS: Mapping[str, Handler] = {
    "broadcast": announcements.receive_broadcast,
    "demand.dispatched": demands.receive_dispatched,
    "demand.outcome": demands.follow_outcome,
}
MAX_ID = 128  # the column's length


async def accept_hub_message(
    actor: Actor, message_id: str, kind: str, payload: dict[str, Any]
) -> bool:
    """Store and handle the message; True when it was already stored (nothing is run again)."""
    require(actor, frozenset({HUB_DELIVERY}), "deliver hub messages")
    handler = HANDLERS.get(kind)
    if handler is None:
        known = ", ".join(sorted(HANDLERS))
        raise InputError(f"no hub message kind {quote(kind)}; known: {known}")
    if not message_id or len(message_id) > MAX_ID:
        raise InputError(f"a hub message id has 1 to {MAX_ID} characters")
    if not isinstance(payload, dict):
        raise InputError("a hub message's payload is a JSON object")
    try:
        async with in_transaction() as connection:
            # The key decides, even between two deliveries of one id at once: the second waits
            # for the first's transaction, then fails here and rolls back.
            await HubMessage.create(id=message_id, kind=kind, using_db=connection)
            await handler(actor, payload, connection)
    except IntegrityError:
        if await HubMessage.exists(id=message_id):
            return True
        raise Conflict(f"hub message {message_id} clashes with what this node holds") from None
    return False
