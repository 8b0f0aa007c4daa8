"""The hub's scheduled jobs (``federation.schedule``): built in the app's lifespan, each run by
one hub process at a time, whichever holds its lease in the hub's database."""

from __future__ import annotations

from federation.schedule import Job, Scheduler, holder_name
from hub.config import HubSettings
from hub.domain import rectification, reports
from hub.domain.deliveries import Backoff, Pusher
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.models import Lease

DELIVERIES = "deliveries"  # hub → node (hub.domain.deliveries)
VERIFY_REPORTS = "verify-reports"  # received reports against their windows (hub.domain.reports)
RECHECKS = "rechecks"  # rectifications past their deadline (hub.domain.rectification)


def build_jobs(settings: HubSettings, network: Network, trust: HubTrust) -> list[Job]:
    """Every job of the hub; an area adds its own here."""
    backoff = Backoff(settings.delivery_retry_seconds, settings.delivery_retry_max_seconds)
    pusher = Pusher(trust, settings.node_timeout_seconds, backoff)
    reports.set_due_days(
        reports.DueDays(settings.report_due_days_monthly, settings.report_due_days_quarterly)
    )

    # A report's node that does not answer is asked again after one round, then two, four...
    verify_backoff = Backoff(settings.report_verify_seconds, reports.VERIFY_MOST_SECONDS)

    async def verify_reports() -> None:
        await reports.verify_pending(network, trust, verify_backoff)

    async def recheck() -> None:
        await rectification.recheck_due(network, trust, settings.assessment_rules())

    return [
        Job(DELIVERIES, settings.delivery_poll_seconds, pusher.push),
        Job(VERIFY_REPORTS, settings.report_verify_seconds, verify_reports),
        Job(RECHECKS, settings.recheck_poll_seconds, recheck),
    ]


def build_scheduler(settings: HubSettings, network: Network, trust: HubTrust) -> Scheduler:
    return Scheduler(build_jobs(settings, network, trust), Lease, holder_name())
