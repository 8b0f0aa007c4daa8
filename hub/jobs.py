"""The hub's scheduled jobs (``federation.schedule``): built in the app's lifespan, each run by
one hub process at a time, whichever holds its lease in the hub's database."""

from __future__ import annotations

from federation.schedule import Job, Scheduler, holder_name
from hub.config import HubSettings
from hub.domain.deliveries import Backoff, Pusher
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.models import Lease

DELIVERIES = "deliveries"  # hub → node (hub.domain.deliveries)


def build_jobs(settings: HubSettings, network: Network, trust: HubTrust) -> list[Job]:
    """Every job of the hub; an area adds its own here."""
    backoff = Backoff(settings.delivery_retry_seconds, settings.delivery_retry_max_seconds)
    pusher = Pusher(trust, settings.node_timeout_seconds, backoff)
    return [Job(DELIVERIES, settings.delivery_poll_seconds, pusher.push)]


def build_scheduler(settings: HubSettings, network: Network, trust: HubTrust) -> Scheduler:
    return Scheduler(build_jobs(settings, network, trust), Lease, holder_name())
