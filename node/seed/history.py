"""Months of demo history for `smenet node seed`, written through the lifecycle services.

Demands, service records and vouchers (node.seed.services), feedback and follow-ups
(node.seed.feedback), activities and announcements (node.seed.calendar) are planned on one
``Timeline`` from the window's random generator, then written in time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from node.domain.demands import DemandStatus
from node.domain.vouchers import VoucherStatus
from node.models import (
    Activity,
    ActivityRegistration,
    Announcement,
    Demand,
    Feedback,
    FollowUp,
    ServiceRecord,
    Voucher,
)
from node.seed.calendar import plan_activities, plan_announcements
from node.seed.feedback import FeedbackPlanner
from node.seed.services import ServiceStories
from node.seed.timeline import Timeline
from node.seed.world import World

HISTORY_DAYS = 182


@dataclass(frozen=True)
class HistorySummary:
    first_day: date
    last_day: date
    demands: int
    open_demands: int  # submitted or accepted, not yet decided
    records: int
    feedback: int
    satisfied: int
    follow_ups: int
    activities: int
    registrations: int
    announcements: int
    vouchers: int
    redeemed: int


def history_bounds(now: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """HISTORY_DAYS whole days up to the start of today: the same bounds all day long."""
    today = datetime.combine(now.astimezone(zone).date(), time(), zone)
    return today - timedelta(days=HISTORY_DAYS), today


async def write_history(
    world: World, rng: Random, start: datetime, end: datetime, zone: ZoneInfo
) -> HistorySummary:
    """Plan the history between ``start`` and ``end``, write it, and count what is there."""
    timeline = Timeline(rng, start, end, zone)
    feedback = FeedbackPlanner(world, timeline)
    ServiceStories(world, timeline, feedback).plan()
    plan_activities(world, timeline)
    plan_announcements(world, timeline)
    feedback.rate()  # last: the ratings are dealt out over all the feedback planned
    await timeline.run("demo history")
    undecided = [DemandStatus.SUBMITTED.value, DemandStatus.ACCEPTED.value]
    return HistorySummary(
        first_day=timeline.first_day,
        last_day=timeline.last_day,
        demands=await Demand.all().count(),
        open_demands=await Demand.filter(status__in=undecided).count(),
        records=await ServiceRecord.all().count(),
        feedback=await Feedback.all().count(),
        satisfied=await Feedback.filter(rating__gte=4).count(),
        follow_ups=await FollowUp.all().count(),
        activities=await Activity.all().count(),
        registrations=await ActivityRegistration.all().count(),
        announcements=await Announcement.all().count(),
        vouchers=await Voucher.all().count(),
        redeemed=await Voucher.filter(status=VoucherStatus.REDEEMED.value).count(),
    )
