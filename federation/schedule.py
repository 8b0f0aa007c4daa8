"""Time-driven work of a server process (DESIGN §7): jobs run on a timer, each only in the
process holding the job's lease, a row in the database, so two replicas sharing one database
never run the same job at once.

    scheduler = Scheduler([Job("outbox", 5.0, push)], LeaseRow, holder_name())
    task = asyncio.create_task(scheduler.run())   # in the app's lifespan; cancelled at shutdown
    scheduler.wake("outbox")                       # run it soon, not at the next tick

A lease is taken by one conditional UPDATE (the row is expired, or already ours) or, when there
is no row yet, an INSERT that loses to the primary key: the database decides, never a read
followed by a write. It expires ``LEASE_FACTOR`` × ``every`` after it was last renewed; the
holder renews it at each run and while a run lasts, so it keeps its jobs until it stops or stalls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.models import Model

__all__ = ["LEASE_FACTOR", "Job", "Lease", "Scheduler", "holder_name", "release", "take"]

log = logging.getLogger("smenet.schedule")

LEASE_FACTOR = 3
MIN_LEASE_SECONDS = 10.0


class Lease(Model):
    """Which process runs a job, until when (each server has its concrete table ``leases``)."""

    name = fields.CharField(max_length=64, primary_key=True)
    holder = fields.CharField(max_length=128)
    expires_at = fields.DatetimeField()

    class Meta:
        abstract = True


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between runs
    run: Callable[[], Awaitable[None]]

    @property
    def lease_seconds(self) -> float:
        return max(LEASE_FACTOR * self.every, MIN_LEASE_SECONDS)


def holder_name() -> str:
    """This process among the replicas: host, pid and a random part (pids repeat in containers)."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def take(model: type[Lease], name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease ``name`` for ``seconds``; False while another holder's is live."""
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=seconds)
    renewed = (
        await model.filter(name=name)
        .filter(Q(expires_at__lt=now) | Q(holder=holder))
        .update(holder=holder, expires_at=expires_at)
    )
    if renewed:
        return True
    try:
        await model.create(name=name, holder=holder, expires_at=expires_at)
    except IntegrityError:  # a row exists: another holder's, and live (or just taken)
        return False
    return True


async def release(model: type[Lease], name: str, holder: str) -> None:
    """Let another replica take the lease at once, if it is still ours."""
    await model.filter(name=name, holder=holder).update(expires_at=datetime.now(UTC))


class Scheduler:
    """Runs each job every ``every`` seconds (sooner when woken), while it holds the job's lease."""

    def __init__(self, jobs: Sequence[Job], lease_model: type[Lease], holder: str) -> None:
        if len({job.name for job in jobs}) != len(jobs):
            raise ValueError("job names must be unique")
        self.jobs = {job.name: job for job in jobs}
        self.lease_model = lease_model
        self.holder = holder
        self._wakeups = {job.name: asyncio.Event() for job in jobs}
        self._held: set[str] = set()

    def wake(self, name: str) -> None:
        """Run the job soon (if this process holds or can take its lease); unknown names are
        ignored, so a caller need not know which jobs an app registered."""
        if (wakeup := self._wakeups.get(name)) is not None:
            wakeup.set()

    async def run(self) -> None:
        """Run every job until cancelled; then hand back the leases held."""
        try:
            await asyncio.gather(*(self._loop(job) for job in self.jobs.values()))
        finally:
            for name in list(self._held):
                # Bounded: the database may be gone already, or held by a cancelled run.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(release(self.lease_model, name, self.holder), 5)

    async def take(self, job: Job) -> bool:
        """Take or renew the job's lease (``take``)."""
        return await take(self.lease_model, job.name, self.holder, job.lease_seconds)

    async def run_once(self, name: str) -> bool:
        """One round of job ``name``: True when this process held the lease and ran it."""
        job = self.jobs[name]
        if not await self.take(job):
            self._held.discard(job.name)
            return False
        self._held.add(job.name)
        running = asyncio.create_task(job.run())
        renewing = asyncio.create_task(self._renew(job, running))
        try:
            await running
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the scheduler stops (the run was cancelled with it)
            return False  # the run lost its lease (_renew)
        finally:
            renewing.cancel()
            # Not ``await renewing``: suppressing its CancelledError would swallow this task's.
            await asyncio.wait({renewing})
        return True

    async def _renew(self, job: Job, running: asyncio.Task[None]) -> None:
        """Keep the lease while a long run lasts; a run whose lease is lost is cancelled, since
        another process may be running the job by then."""
        while True:
            await asyncio.sleep(job.lease_seconds / LEASE_FACTOR)
            try:
                kept = await self.take(job)
            except Exception:  # the database may be briefly unreachable; the lease still runs
                log.exception("renewing the lease of job %s failed", job.name)
                continue
            if not kept:
                log.warning("job %s lost its lease while running: cancelled", job.name)
                running.cancel()
                return

    async def _loop(self, job: Job) -> None:
        wakeup = self._wakeups[job.name]
        while True:
            wakeup.clear()
            started = time.monotonic()
            try:
                await self.run_once(job.name)
            except Exception:  # a job's failure waits for its next round, never stops the loop
                log.exception("job %s failed", job.name)
            remaining = job.every - (time.monotonic() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), max(remaining, 0))
