"""The outbox pusher (DESIGN §7): a scheduled job sending the node's pending outbox messages to
the hub's ``acceptWindowMessage``, oldest first, one at a time.

A message the hub did not take (unreachable, down, or refusing this window for now — e.g. while
it is SUSPENDED) is tried again after a wait that doubles with each attempt, and the messages
behind it wait with it, so the hub receives them in order. A message the hub refuses for good
(an input or conflict error: the message itself is bad) is marked failed and skipped, so it
never blocks the queue; ``smenet node outbox --failed`` lists those. The hub recognises a message
it has already stored by its id, so a message whose answer was lost is never handled twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from tortoise.queryset import QuerySet

from federation.errors import Conflict, InputError, codes_of
from node import clock
from node.config import NodeSettings
from node.hub_client import HubClient, HubUnavailable
from node.models import OutboxMessage

__all__ = ["ACCEPT_MESSAGE", "REFUSED_FOR_GOOD", "Pusher", "pending", "undelivered"]

log = logging.getLogger("smenet.outbox")

ACCEPT_MESSAGE = """mutation($id: ID!, $kind: String!, $payload: JSON!) {
  acceptWindowMessage(id: $id, kind: $kind, payload: $payload) { id duplicate } }"""


# The hub's codes that say the message itself is bad: sending it again cannot help.
REFUSED_FOR_GOOD = codes_of(InputError) | codes_of(Conflict)


def pending() -> QuerySet[OutboxMessage]:
    """Messages still to send: neither delivered nor failed for good, oldest first."""
    return OutboxMessage.filter(delivered_at=None, failed_at=None).order_by("id")


def undelivered(failed: bool) -> QuerySet[OutboxMessage]:
    """Failed messages (``failed``), or the pending ones, oldest first."""
    if failed:
        return OutboxMessage.filter(failed_at__isnull=False).order_by("id")
    return pending()


class Pusher:
    def __init__(self, settings: NodeSettings, client: HubClient) -> None:
        self.client = client
        self.retry = timedelta(seconds=settings.outbox_retry_seconds)
        self.max_retry = timedelta(seconds=settings.outbox_max_retry_seconds)

    async def push(self) -> int:
        """Send what is due, oldest first, until the queue is empty or its head must wait; how
        many messages the hub took."""
        taken = 0
        while (message := await pending().first()) is not None:
            if message.next_attempt_at is not None and message.next_attempt_at > clock.now():
                break  # the head waits for its retry, and the rest with it: order is kept
            if not await self.send(message):
                break
            taken += message.delivered_at is not None
        return taken

    async def send(self, message: OutboxMessage) -> bool:
        """One attempt; False when the message is to be tried again later."""
        message.attempts += 1
        variables = {"id": str(message.id), "kind": message.kind, "payload": message.payload}
        try:
            answer = await self.client.execute(ACCEPT_MESSAGE, variables)
        except HubUnavailable as error:
            return await self._retry_later(message, str(error))
        errors = answer.get("errors") or []
        if not errors and (answer.get("data") or {}).get("acceptWindowMessage"):
            message.delivered_at, message.last_error = clock.now(), None
            await message.save(update_fields=["attempts", "delivered_at", "last_error"])
            return True
        code = str((errors[0].get("extensions") or {}).get("code", "")) if errors else ""
        text = f"{code or 'NO_CODE'}: {errors[0].get('message', '')}" if errors else "no answer"
        if code in REFUSED_FOR_GOOD:
            log.warning("outbox message %s (%s) refused: %s", message.id, message.kind, text)
            message.failed_at, message.last_error = clock.now(), text
            await message.save(update_fields=["attempts", "failed_at", "last_error"])
            return True
        return await self._retry_later(message, text)

    async def _retry_later(self, message: OutboxMessage, error: str) -> bool:
        wait = min(self.retry * 2 ** (message.attempts - 1), self.max_retry)
        message.next_attempt_at, message.last_error = clock.now() + wait, error
        await message.save(update_fields=["attempts", "next_attempt_at", "last_error"])
        log.info("outbox message %s not taken (%s); next try in %s", message.id, error, wait)
        return False
