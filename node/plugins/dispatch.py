"""Dispatch of committed domain events to the plugins' ``smenet_event`` handlers.

Events are rows written in the transaction of the change (``node.domain.events``), so only
committed changes are ever dispatched. The dispatcher reads them oldest first, after each write
request and on a timer, and records each plugin's success in ``event_deliveries``: after a
restart an event goes again only to the plugins that had not handled it. A failing handler is
retried with backoff, then given up on; either way the domain write stands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

from node import clock
from node.domain import events
from node.models import DomainEvent, EventDelivery
from node.plugins.manager import Plugin, PluginHost
from node.plugins.types import Event

log = logging.getLogger("smenet.plugins.events")

MAX_ATTEMPTS = 5
MAX_BACKOFF = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


class Dispatcher:
    def __init__(self, host: PluginHost, poll_seconds: float = 2.0, batch: int = 100) -> None:
        self.host = host
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._wakeup = asyncio.Event()
        self._written_before_pass = -1

    def wake(self) -> None:
        """A request has ended: if it wrote events, they are committed by now, so look for them
        rather than at the next tick (events other processes write wait for the tick)."""
        if events.written != self._written_before_pass:
            self._wakeup.set()

    async def run(self) -> None:
        while True:
            self._wakeup.clear()
            self._written_before_pass = events.written
            try:
                await self.dispatch_pending()
            except Exception:  # the database may be briefly unreachable: try again later
                log.exception("event dispatch failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)

    async def dispatch_pending(self) -> int:
        """Hand every undispatched event to the plugins due to handle it; the events finished."""
        handlers = self.host.implementing("smenet_event")
        if not handlers:
            return await DomainEvent.filter(dispatched_at=None).update(dispatched_at=clock.now())
        finished = 0
        while True:
            events = await DomainEvent.filter(dispatched_at=None).order_by("id").limit(self.batch)
            deliveries = {
                (d.event_id, d.plugin): d  # type: ignore[attr-defined]
                for d in await EventDelivery.filter(event_id__in=[e.id for e in events])
            }
            done_now = 0
            for event in events:
                outstanding = False
                for plugin in handlers:
                    delivery = deliveries.get((event.id, plugin.name))
                    if not await self._deliver(plugin, event, delivery):
                        outstanding = True
                if not outstanding:
                    event.dispatched_at = clock.now()
                    await event.save(update_fields=["dispatched_at"])
                    done_now += 1
            finished += done_now
            # A batch of events all waiting for a retry ends the round, until the next one.
            if len(events) < self.batch or done_now == 0:
                return finished

    async def _deliver(
        self, plugin: Plugin, event: DomainEvent, delivery: EventDelivery | None
    ) -> bool:
        """True when the plugin is done with the event: handled, or given up on."""
        now = clock.now()
        if delivery is not None:
            if delivery.delivered_at is not None or delivery.attempts >= MAX_ATTEMPTS:
                return True
            if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
                return False
        else:
            delivery = EventDelivery(event_id=event.id, plugin=plugin.name)
        delivery.attempts += 1
        try:
            await self.host.acall(plugin, "smenet_event", event=as_event(event))
        except Exception as error:  # noqa: BLE001 - logged and listed; the write stands
            self.host.failed(plugin, f"handling event {event.kind} {event.id} failed", error)
            delivery.last_error = f"{type(error).__name__}: {error}"
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            if delivery.attempts >= MAX_ATTEMPTS:
                log.error("plugin %s: gave up on event %s", plugin.name, event.id)
        else:
            delivery.delivered_at = clock.now()
        await delivery.save()
        return delivery.delivered_at is not None or delivery.attempts >= MAX_ATTEMPTS


def as_event(row: DomainEvent) -> Event:
    return Event(
        id=row.id,
        kind=row.kind,
        subject_id=uuid.UUID(row.subject_id),
        payload=dict(row.payload),
        created_at=row.created_at,
    )
