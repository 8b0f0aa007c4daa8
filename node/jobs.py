"""The node's scheduled jobs (``federation.schedule``): built in the app's lifespan, each run by
one process at a time, whichever holds its lease in the node's database."""

from __future__ import annotations

from federation.schedule import Job, Scheduler, holder_name
from node.config import NodeSettings
from node.domain import reports
from node.hub_client import HubClient
from node.models import Lease
from node.outbox import Pusher

OUTBOX = "outbox"
REPORTS = "reports"


def build_scheduler(settings: NodeSettings, client: HubClient) -> Scheduler:
    """Every job of the node; an area adds its own here."""
    jobs: list[Job] = []
    # Without a hub the outbox only fills: its messages wait until one is configured, and no
    # report is written for nobody.
    if settings.hub:
        pusher = Pusher(settings, client)

        async def push() -> None:
            await pusher.push()

        async def write_due_reports() -> None:
            if await reports.write_due(settings, client.key):
                scheduler.wake(OUTBOX)

        jobs += [
            Job(OUTBOX, settings.outbox_push_seconds, push),
            Job(REPORTS, settings.report_check_seconds, write_due_reports),
        ]
    scheduler = Scheduler(jobs, Lease, holder_name())
    return scheduler
