"""Dispatch of committed domain events to the plugins' ``smenet_event`` handlers.

Events are rows written in the transaction of the change (``node.domain.events``), so only
committed changes are ever dispatched. Each plugin has its own loop: it takes the events it has
not handled yet, oldest first, after each write request and on a timer, and notes every success
in ``event_deliveries`` — so a slow or failing plugin holds up only itself, and after a restart an
event goes again only to the plugins that had not handled it. A failing handler is retried with
a capped backoff for as long as it fails (at once after a restart); the domain write stands.
An event is marked dispatched once every plugin in use has handled it; a plugin not in use then
(disabled, or failed to load) does not get it later.

One process per window dispatches (DESIGN: a node is one process); the delivery rows are unique
per event and plugin, so a second process would fail its insert, not handle an event twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

from tortoise.expressions import Q, Subquery

from node import clock
from node.domain import events
from node.models import DomainEvent, EventDelivery
from node.plugins.manager import Plugin, PluginHost
from node.plugins.types import Event

log = logging.getLogger("smenet.plugins.events")

MAX_BACKOFF = timedelta(minutes=5)
# A handler taking longer is counted as failed and retried later.
HANDLER_TIMEOUT_S = 60


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


class Dispatcher:
    def __init__(self, host: PluginHost, poll_seconds: float = 2.0, batch: int = 100) -> None:
        self.host = host
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._wakeups: list[asyncio.Event] = []
        self._written_before_pass = -1

    def wake(self) -> None:
        """A request has ended: if it wrote events, they are committed by now, so look for them
        rather than at the next tick (events other processes write wait for the tick)."""
        if events.written != self._written_before_pass:
            for wakeup in self._wakeups:
                wakeup.set()

    async def run(self) -> None:
        handlers = self.host.implementing("smenet_event")
        # After a restart, what failed before is tried again at once.
        await EventDelivery.filter(delivered_at=None).update(next_attempt_at=None)
        loops = [self._loop(lambda p=p: self._round(p)) for p in handlers]
        await asyncio.gather(self._loop(self.settle), *loops)

    async def _round(self, plugin: Plugin) -> int:
        handled = await self.dispatch_to(plugin)
        if handled:  # the events may be done now: say so at once, not at the next tick
            await self.settle()
        return handled

    async def _loop(self, dispatch: Callable[[], Awaitable[int]]) -> None:
        wakeup = asyncio.Event()
        self._wakeups.append(wakeup)
        while True:
            wakeup.clear()
            self._written_before_pass = events.written
            try:
                await dispatch()
            except Exception:  # the database may be briefly unreachable: try again later
                log.exception("event dispatch failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), self.poll_seconds)

    async def dispatch_to(self, plugin: Plugin) -> int:
        """Hand the plugin every undispatched event it has not handled and is due for; how many
        it handled."""
        handled = 0
        while True:
            done_or_waiting = EventDelivery.filter(plugin=plugin.name).filter(
                Q(delivered_at__isnull=False) | Q(next_attempt_at__gt=clock.now())
            )
            due = (
                await DomainEvent.filter(dispatched_at=None)
                .filter(~Q(id__in=Subquery(done_or_waiting.values("event_id"))))
                .order_by("id")
                .limit(self.batch)
            )
            deliveries = {
                d.event_id: d  # type: ignore[attr-defined]
                for d in await EventDelivery.filter(
                    plugin=plugin.name, event_id__in=[e.id for e in due]
                )
            }
            for event in due:
                handled += await self._deliver(plugin, event, deliveries.get(event.id))
            if len(due) < self.batch:
                return handled

    async def settle(self) -> int:
        """Mark dispatched the events every plugin in use has handled; how many."""
        handlers = [p.name for p in self.host.implementing("smenet_event")]
        pending = DomainEvent.filter(dispatched_at=None)
        for name in handlers:
            delivered = EventDelivery.filter(plugin=name, delivered_at__isnull=False)
            pending = pending.filter(id__in=Subquery(delivered.values("event_id")))
        return await pending.update(dispatched_at=clock.now())

    async def _deliver(
        self, plugin: Plugin, event: DomainEvent, delivery: EventDelivery | None
    ) -> bool:
        """True when the plugin handled the event; a failure is noted and retried later."""
        if delivery is None:
            delivery = EventDelivery(event_id=event.id, plugin=plugin.name)
        delivery.attempts += 1
        try:
            await asyncio.wait_for(
                self.host.acall(plugin, "smenet_event", event=as_event(event)), HANDLER_TIMEOUT_S
            )
        except Exception as error:  # noqa: BLE001 - logged and listed; the write stands
            self.host.failed(plugin, f"handling event {event.kind} {event.id} failed", error)
            delivery.last_error = f"{type(error).__name__}: {error}"
            delivery.next_attempt_at = clock.now() + backoff(delivery.attempts)
        else:
            delivery.delivered_at = clock.now()
        await delivery.save()
        return delivery.delivered_at is not None


def as_event(row: DomainEvent) -> Event:
    return Event(
        id=row.id,
        kind=row.kind,
        subject_id=uuid.UUID(row.subject_id),
        payload=dict(row.payload),
        created_at=row.created_at,
    )
