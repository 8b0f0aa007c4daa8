"""The scheduler's database lease (federation.schedule): two schedulers on one database — as two
replicas of a server would be — never run a job at the same time, on SQLite and PostgreSQL; a
check-then-write lease, kept here to show the test can fail, does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from federation.schedule import Job, Scheduler
from node.models import Lease
from tests.conftest import DATABASES
from tests.support.node_db import open_node_db

# Between a naive scheduler's read and its write: the time a replica's round trip takes.
GAP = 0.05


class NaiveScheduler(Scheduler):
    """Reads the lease, then writes it: both replicas may read "expired" before either writes."""

    async def take(self, job: Job) -> bool:
        now = datetime.now(UTC)
        row = await Lease.get(name=job.name)
        if row.holder != self.holder and row.expires_at > now:
            return False
        await asyncio.sleep(GAP)
        expires_at = now + timedelta(seconds=job.lease_seconds)
        await Lease.filter(name=job.name).update(holder=self.holder, expires_at=expires_at)
        return True


@pytest.fixture(scope="module", params=DATABASES)
async def database(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[str]:
    async with open_node_db(make_db_url(request.param)):
        yield request.param


async def stalled_lease() -> None:
    await Lease.all().delete()
    stalled = datetime.now(UTC) - timedelta(seconds=1)
    await Lease.create(name="probe", holder="stalled-replica", expires_at=stalled)


class Probe:
    """A job that notes how many copies of it run at once."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.runs: list[str] = []

    def job(self, holder: str) -> Job:
        async def run() -> None:
            self.running += 1
            self.most = max(self.most, self.running)
            self.runs.append(holder)
            try:
                await asyncio.sleep(0.02)
            finally:
                self.running -= 1

        return Job("probe", 0.05, run)


async def run_pair(kind: type[Scheduler], seconds: float) -> Probe:
    """Two schedulers of ``kind`` with one job, started together after the replica that held
    its lease stalled, run for ``seconds``."""
    await stalled_lease()
    probe = Probe()
    schedulers = [kind([probe.job(h)], Lease, h) for h in ("replica-a", "replica-b")]
    tasks = [asyncio.create_task(s.run()) for s in schedulers]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return probe


async def test_two_schedulers_never_run_a_job_at_once(database: str) -> None:
    probe = await run_pair(Scheduler, 1.0)
    assert probe.most == 1
    # One replica holds the lease and keeps it by running: the other never ran.
    assert len(set(probe.runs)) == 1
    assert len(probe.runs) >= 5


async def test_a_check_then_write_lease_runs_the_job_twice_at_once(database: str) -> None:
    probe = await run_pair(NaiveScheduler, 0.5)
    assert probe.most == 2


async def test_the_other_replica_takes_over_when_the_holder_stops(database: str) -> None:
    await Lease.all().delete()
    probe = Probe()
    first = Scheduler([probe.job("replica-a")], Lease, "replica-a")
    second = Scheduler([probe.job("replica-b")], Lease, "replica-b")
    running = asyncio.create_task(first.run())
    await asyncio.sleep(0.2)
    assert not await second.run_once("probe")  # the lease is live and not its own
    running.cancel()  # stopping hands the lease back
    await asyncio.gather(running, return_exceptions=True)
    assert await second.run_once("probe")
    assert probe.runs[-1] == "replica-b" and set(probe.runs) == {"replica-a", "replica-b"}


async def test_an_expired_lease_is_taken_and_a_live_one_is_not(database: str) -> None:
    await stalled_lease()
    probe = Probe()
    replica = Scheduler([probe.job("replica-a")], Lease, "replica-a")
    assert await replica.run_once("probe")
    assert (await Lease.get(name="probe")).holder == "replica-a"
    other = Scheduler([probe.job("replica-b")], Lease, "replica-b")
    assert not await other.run_once("probe")


async def test_wake_runs_a_job_before_its_next_round(database: str) -> None:
    await Lease.all().delete()
    ran = asyncio.Event()
    rounds = 0

    async def run() -> None:
        nonlocal rounds
        rounds += 1
        if rounds > 1:
            ran.set()

    scheduler = Scheduler([Job("slow", 3600, run)], Lease, "replica-a")
    task = asyncio.create_task(scheduler.run())
    try:
        await asyncio.sleep(0.2)
        scheduler.wake("slow")
        scheduler.wake("no-such-job")  # ignored
        await asyncio.wait_for(ran.wait(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
