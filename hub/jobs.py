"""The hub's scheduled jobs (``federation.schedule``): built in the app's lifespan, each run by
one hub process at a time, whichever holds its lease in the hub's database."""

from __future__ import annotations

from federation.schedule import Job, Scheduler, holder_name
from hub.config import HubSettings
from hub.domain import reports
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.models import Lease

VERIFY_REPORTS = "verify-reports"


def build_jobs(settings: HubSettings, network: Network, trust: HubTrust) -> list[Job]:
    """Every job of the hub; an area adds its own here."""
    reports.set_due_days(
        reports.DueDays(settings.report_due_days_monthly, settings.report_due_days_quarterly)
    )

    async def verify_reports() -> None:
        await reports.verify_pending(network, trust)

    return [Job(VERIFY_REPORTS, settings.report_verify_seconds, verify_reports)]


def build_scheduler(settings: HubSettings, network: Network, trust: HubTrust) -> Scheduler:
    return Scheduler(build_jobs(settings, network, trust), Lease, holder_name())
