"""The hub's intake of the messages windows push from their outboxes (DESIGN §7): each message
is stored once per window and message id, and handled by the handler of its kind in the same
transaction, so a message is either stored and handled, or neither — and a message sent again
(a retry whose answer was lost) is recognised and handled no second time.

Handlers register by kind: ``@handles("report")`` over
``async def handle(window, payload, connection) -> None``. A handler refuses a bad message with
an ``InputError`` or a ``Conflict``: the node then marks it failed for good, rather than retry it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, ValidationError
from tortoise.transactions import in_transaction

from federation.errors import Conflict, Forbidden, InputError, UnknownMessageKind
from federation.inputs import quote
from hub.domain import registry
from hub.domain.access import Actor
from hub.models import Window, WindowMessage

__all__ = ["HANDLERS", "Accepted", "Handler", "accept", "handles"]

Handler = Callable[[Window, dict[str, Any], BaseDBAsyncClient], Awaitable[None]]
HANDLERS: dict[str, Handler] = {}
MAX_MESSAGE_ID = 64


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of messages of ``kind``."""

    def register(handler: Handler) -> Handler:
        if kind in HANDLERS:
            raise ValueError(f"messages of kind {kind!r} have a handler already")
        HANDLERS[kind] = handler
        return handler

    return register


@dataclass(frozen=True)
class Accepted:
    message: WindowMessage
    duplicate: bool  # stored before: nothing was run this time


async def accept(actor: Actor, message_id: str, kind: str, payload: dict[str, Any]) -> Accepted:
    """Store and handle a message of the window whose node calls (``actor.via``)."""
    window = await _calling_window(actor)
    if not message_id or len(message_id) > MAX_MESSAGE_ID:
        raise InputError(f"a message id has 1 to {MAX_MESSAGE_ID} characters", field="id")
    if not isinstance(payload, dict):
        raise InputError("a message's payload is a JSON object", field="payload")
    existing = await _stored(window, message_id)
    if existing is not None:
        return Accepted(existing, duplicate=True)
    handler = HANDLERS.get(kind)
    if handler is None:
        message = f"the hub handles no messages of kind {quote(kind)}"
        raise UnknownMessageKind(message, kind=kind)
    try:
        async with in_transaction() as connection:
            # The unique key decides between two copies sent at once: one inserts, the other
            # fails here (after the first commits) and answers as a duplicate.
            message = await WindowMessage.create(
                window_id=window.id,
                message_id=message_id,
                kind=kind,
                payload=payload,
                using_db=connection,
            )
            await handler(window, payload, connection)
    except IntegrityError:
        existing = await _stored(window, message_id)
        if existing is None:
            # Not the message's key: what it says clashes with what the hub holds. Refused for
            # good, so the window's node sets it aside rather than sending it forever.
            raise Conflict(
                f"{kind} message {message_id} clashes with what the hub holds", kind=kind
            ) from None
        return Accepted(existing, duplicate=True)
    except ValidationError as error:
        raise InputError(f"{kind} message {message_id}: {error}", field="payload") from None
    return Accepted(message, duplicate=False)


async def _calling_window(actor: Actor) -> Window:
    # SUSPENDED windows are refused already when their token is checked (hub.domain.trust):
    # their nodes keep the messages and send them again once the window is reinstated.
    window = None if actor.via is None else await registry.get_window(actor.via)
    if window is None or window.status not in registry.ON_NETWORK:
        raise Forbidden("only the node of a window on the network may send it messages")
    return window


async def _stored(window: Window, message_id: str) -> WindowMessage | None:
    return await WindowMessage.get_or_none(window_id=window.id, message_id=message_id)
