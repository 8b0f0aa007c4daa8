"""Hub → window deliveries (DESIGN §7): messages to a window's node — broadcasts, dispatched
demands, the outcomes of dispatched demands — written in the transaction of the change, then
pushed to the node's ``acceptHubMessage`` by the ``Pusher``.

Each window's deliveries go oldest first, one at a time: a failed one is tried again after a
backoff that doubles per attempt (its error kept in ``last_error``), and nothing newer goes to
that window before it. Windows are pushed side by side, so one that is down holds up only its
own queue. A node stores each delivery id once, so a delivery sent twice (the answer lost on the
way back) is handled once. One the node refuses for good (the message itself is bad) is marked
failed and skipped. Only windows on the network are pushed: a suspended window's deliveries wait
until it is reinstated.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from federation.errors import Conflict, InputError, InvalidTransition, NotFound, codes_of
from federation.fetch import bounded_request
from federation.ids import make_id
from federation.trust import bearer
from hub.domain.registry import ON_NETWORK
from hub.domain.trust import HUB, HubTrust
from hub.models import HubDelivery, Window

__all__ = ["Backoff", "Pusher", "deliver", "delivery_state"]

log = logging.getLogger("smenet.hub.deliveries")

ACCEPT_HUB_MESSAGE = """mutation($id: ID!, $kind: String!, $payload: JSON!) {
  acceptHubMessage(id: $id, kind: $kind, payload: $payload) { id duplicate } }"""
# The node's codes that say the message itself is bad: sending it again cannot help.
# Refusals of the caller (an unknown key, a missing role) are retried: they are fixed at a side.
REFUSED = (
    codes_of(InputError) | codes_of(Conflict) | codes_of(NotFound) | codes_of(InvalidTransition)
)
MAX_ANSWER_BYTES = 64 * 1024
MAX_ERROR = 2000


def _now() -> datetime:
    return datetime.now(UTC)


async def deliver(
    window: Window,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    connection: BaseDBAsyncClient,
) -> HubDelivery:
    """A delivery to ``window``, in the caller's transaction: it exists if the change commits.
    ``payload`` must be JSON (the node reads it as the ``JSON`` scalar)."""
    return await HubDelivery.create(
        window_id=window.id, kind=kind, subject=subject, payload=payload, using_db=connection
    )


def delivery_state(row: HubDelivery) -> str:
    if row.delivered_at is not None:
        return "DELIVERED"
    return "FAILED" if row.failed_at is not None else "PENDING"


@dataclass(frozen=True)
class Backoff:
    first: float  # seconds before the first retry
    most: float  # the longest wait

    def after(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.most, self.first * 2 ** max(0, attempts - 1)))


class _Retry(Exception):
    """The node did not take the delivery this time (down, slow, a server error)."""


class _Refused(Exception):
    """The node refused the delivery for good."""


class Pusher:
    """Pushes the pending deliveries: ``push`` is one round, run as the hub's scheduled job
    ``deliveries`` (``hub.jobs``), so one hub process at a time pushes."""

    def __init__(self, trust: HubTrust, timeout: float, backoff: Backoff) -> None:
        self.trust = trust
        self.timeout = timeout
        self.backoff = backoff

    async def push(self) -> None:
        """Every window with pending deliveries, side by side."""
        pending = HubDelivery.filter(delivered_at__isnull=True, failed_at__isnull=True)
        keys = await pending.distinct().values_list("window_id", flat=True)
        windows = await Window.filter(id__in=list(keys), status__in=list(ON_NETWORK))
        await asyncio.gather(*(self._push_window(w) for w in windows))

    async def _push_window(self, window: Window) -> None:
        while True:
            delivery = (
                await HubDelivery.filter(
                    window_id=window.id, delivered_at__isnull=True, failed_at__isnull=True
                )
                .order_by("id")
                .first()
            )
            if delivery is None or (
                delivery.next_attempt_at is not None and delivery.next_attempt_at > _now()
            ):
                return
            delivery.attempts += 1
            try:
                await self._send(window, delivery)
            except _Retry as error:
                delivery.last_error = str(error)[:MAX_ERROR]
                delivery.next_attempt_at = _now() + self.backoff.after(delivery.attempts)
                await delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                log.info("delivery to %s failed, retrying: %s", window.window_id, error)
                return
            except _Refused as error:
                delivery.last_error = str(error)[:MAX_ERROR]
                delivery.failed_at = _now()
                await delivery.save(update_fields=["attempts", "last_error", "failed_at"])
                log.warning("%s refused delivery %s: %s", window.window_id, delivery.id, error)
                continue
            delivery.delivered_at = _now()
            delivery.last_error = None
            await delivery.save(update_fields=["attempts", "last_error", "delivered_at"])

    async def _send(self, window: Window, delivery: HubDelivery) -> None:
        variables = {
            "id": make_id(HUB, delivery.id),
            "kind": delivery.kind,
            "payload": delivery.payload,
        }
        try:
            async with asyncio.timeout(self.timeout):
                status, raw = await bounded_request(
                    "POST",
                    window.endpoint,
                    MAX_ANSWER_BYTES,
                    json={"query": ACCEPT_HUB_MESSAGE, "variables": variables},
                    headers={
                        "accept": "application/json",
                        **bearer(self.trust.delivery_token(window.window_id)),
                    },
                )
        except (httpx.HTTPError, TimeoutError) as error:
            raise _Retry(f"{window.endpoint} did not answer: {error!r}") from None
        try:
            body = None if raw is None else orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise _Retry(f"{window.endpoint} answered HTTP {status} without a GraphQL response")
        data = body.get("data")
        if isinstance(data, dict) and data.get("acceptHubMessage"):
            return
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        messages = "; ".join(str(e.get("message")) for e in errors) or f"HTTP {status}, no data"
        codes = {(e.get("extensions") or {}).get("code") for e in errors}
        if codes and codes <= REFUSED:
            raise _Refused(f"{', '.join(sorted(str(c) for c in codes))}: {messages}")
        raise _Retry(messages)
