"""The hub's scheduled jobs (``federation.schedule``): built in the app's lifespan, each run by
one hub process at a time, whichever holds its lease in the hub's database."""

from __future__ import annotations

from federation.schedule import Job, Scheduler, holder_name
from hub.config import HubSettings
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.models import Lease


def build_jobs(settings: HubSettings, network: Network, trust: HubTrust) -> list[Job]:
    """Every job of the hub; an area adds its own here."""
    return []


def build_scheduler(settings: HubSettings, network: Network, trust: HubTrust) -> Scheduler:
    return Scheduler(build_jobs(settings, network, trust), Lease, holder_name())
