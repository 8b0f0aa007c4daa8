"""Indicators computed by the database: constructed periods with known answers, both databases."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from federation.errors import InputError, Unauthenticated
from node import db
from node.domain.access import ANONYMOUS, Actor, Role
from node.domain.stats import Stats, compute_agency_stats, compute_stats, resolve_period
from node.models import (
    Activity,
    ActivityRegistration,
    Agency,
    Demand,
    DemandTransition,
    Enterprise,
    Feedback,
    Service,
    ServiceRecord,
    Voucher,
)
from tests.support.node_server import NodeServer

TZ = "Asia/Shanghai"
# The domain checks roles only; this actor needs no row in the users table.
READER = Actor(username="reader", user_id=uuid.uuid4(), roles=frozenset({Role.READONLY}))
_serial = itertools.count()
# Children before parents, so a test's rows can be removed despite RESTRICT foreign keys.
LIFECYCLE = (
    Feedback,
    ServiceRecord,
    Voucher,
    DemandTransition,
    Demand,
    ActivityRegistration,
    Activity,
    Service,
    Enterprise,
    Agency,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def stats_db(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[None]:
    await db.open_db(make_db_url(request.param))
    yield
    await db.close_db()
    # Tortoise caches built queries per connection name, across databases of one process.
    EXECUTOR_CACHE.clear()


@pytest.fixture
async def clean(stats_db: None) -> AsyncIterator[None]:
    yield
    for model in LIFECYCLE:
        await model.all().delete()


async def enterprise() -> Enterprise:
    n = next(_serial)
    return await Enterprise.create(
        name=f"企业{n}",
        uscc=f"91440305MA{n:08d}",
        region_code="440305",
        industry_code="3981",
        size_class="SMALL",
    )


async def service(category: str = "OTHER", public_welfare: bool = True) -> Service:
    return await Service.create(
        name=f"服务{next(_serial)}", category=category, public_welfare=public_welfare
    )


async def record(
    ent: Enterprise,
    svc: Service,
    completed_at: datetime | None,
    channel: str = "OFFLINE",
    agency: Agency | None = None,
) -> ServiceRecord:
    started = (completed_at or utc(2026, 1, 1)) - timedelta(days=1)
    return await ServiceRecord.create(
        enterprise=ent,
        service=svc,
        agency=agency,
        channel=channel,
        status="IN_PROGRESS" if completed_at is None else "COMPLETED",
        started_at=started,
        completed_at=completed_at,
        created_at=started,
    )


async def demand(ent: Enterprise, submitted: datetime, **changes: object) -> Demand:
    return await Demand.create(
        enterprise=ent,
        title="需求",
        category="FINANCING",
        submitted_by="staff",
        created_at=submitted,
        **changes,
    )


async def transition(d: Demand, to: str, at: datetime) -> None:
    await DemandTransition.create(demand=d, to_status=to, actor="staff", created_at=at)


async def stats(date_from: date, date_to: date) -> Stats:
    return await compute_stats(READER, date_from, date_to, TZ)


def test_the_default_period_is_this_year_up_to_today() -> None:
    date_from, date_to = resolve_period(None, None, TZ)
    assert date_from == date(date_to.year, 1, 1)
    assert resolve_period(None, date(2025, 6, 30), TZ) == (date(2025, 1, 1), date(2025, 6, 30))
    with pytest.raises(InputError):
        resolve_period(date(2026, 2, 1), date(2026, 1, 31), TZ)


async def test_services_count_on_the_shanghai_day_they_were_completed(clean: None) -> None:
    ent, svc = await enterprise(), await service()
    await record(ent, svc, utc(2026, 3, 31, 15, 30))  # 23:30 on 31 March in Shanghai
    await record(ent, svc, utc(2026, 3, 31, 16, 10))  # 00:10 on 1 April in Shanghai
    await record(ent, svc, None)  # still in progress: counts nowhere
    march = await stats(date(2026, 3, 1), date(2026, 3, 31))
    april = await stats(date(2026, 4, 1), date(2026, 4, 30))
    assert (march.services_delivered, april.services_delivered) == (1, 1)
    assert (await stats(date(2026, 3, 31), date(2026, 4, 1))).services_delivered == 2


async def test_services_split_by_channel_category_and_public_welfare(clean: None) -> None:
    a, b = await enterprise(), await enterprise()
    free = await service("FINANCING", public_welfare=True)
    paid = await service("QUALITY_TESTING", public_welfare=False)
    at = utc(2026, 5, 10, 2)
    await record(a, free, at, "ONLINE")
    await record(a, free, at, "OFFLINE")
    await record(b, paid, at, "ONLINE")
    await record(b, paid, at + timedelta(days=1), "ONLINE")
    await record(b, paid, utc(2026, 6, 1, 2), "ONLINE")  # another month
    s = await stats(date(2026, 5, 1), date(2026, 5, 31))
    assert (s.services_delivered, s.services_online, s.services_offline) == (4, 3, 1)
    assert [(c.category, c.count) for c in s.services_by_category] == [
        ("FINANCING", 2),
        ("QUALITY_TESTING", 2),
    ]
    assert (s.public_welfare_services, s.public_welfare_share) == (2, 0.5)
    assert s.enterprises_served == 2


async def test_satisfaction_counts_ratings_of_four_and_five(clean: None) -> None:
    ent, svc = await enterprise(), await service()
    given = utc(2026, 7, 15)
    for rating in (5, 4, 3, 1):
        rated = await record(ent, svc, given - timedelta(days=1))
        await Feedback.create(
            service_record=rated,
            rating=rating,
            channel="PHONE_CALLBACK",
            actor="s",
            created_at=given,
        )
    later = await record(ent, svc, given)
    await Feedback.create(
        service_record=later,
        rating=5,
        channel="PHONE_CALLBACK",
        actor="s",
        created_at=utc(2026, 8, 1),
    )
    s = await stats(date(2026, 7, 1), date(2026, 7, 31))
    assert (s.feedback_count, s.satisfied_feedback, s.satisfaction_rate) == (4, 2, 0.5)


async def rate(rated: ServiceRecord, rating: int, given: datetime) -> None:
    await Feedback.create(
        service_record=rated, rating=rating, channel="PHONE_CALLBACK", actor="s", created_at=given
    )


async def test_agencies_count_their_own_services_enterprises_and_ratings(clean: None) -> None:
    lab = await Agency.create(name="检测所")
    bank = await Agency.create(name="合作银行")
    idle = await Agency.create(name="咨询公司")
    a, b, svc = await enterprise(), await enterprise(), await service()
    at = utc(2026, 5, 10, 2)
    await rate(await record(a, svc, at, "ONLINE", lab), 5, at)
    await rate(await record(a, svc, at, "OFFLINE", lab), 3, at)
    await rate(await record(b, svc, at, "OFFLINE", lab), 4, utc(2026, 6, 2))  # rated in June
    await record(b, svc, at, "ONLINE", bank)
    await record(b, svc, utc(2026, 6, 1, 2), "ONLINE", bank)  # another month
    await record(a, svc, at)  # no agency: the window's figures only
    rows = {
        s.agency.id: s
        for s in await compute_agency_stats(READER, date(2026, 5, 1), date(2026, 5, 31), TZ)
    }
    figures = {
        key: (
            s.services_delivered,
            s.services_online,
            s.services_offline,
            s.enterprises_served,
            s.feedback_count,
            s.satisfied_feedback,
        )
        for key, s in rows.items()
    }
    assert figures == {
        lab.id: (3, 1, 2, 2, 2, 1),
        bank.id: (1, 1, 0, 1, 0, 0),
        idle.id: (0, 0, 0, 0, 0, 0),
    }
    assert (rows[lab.id].satisfaction_rate, rows[idle.id].satisfaction_rate) == (0.5, None)
    with pytest.raises(Unauthenticated):
        await compute_agency_stats(ANONYMOUS, None, None, TZ)


async def test_activities_participants_and_vouchers_count_in_their_period(clean: None) -> None:
    ent, other = await enterprise(), await enterprise()
    inside, outside = utc(2026, 9, 10, 1), utc(2026, 10, 10, 1)
    talk = await Activity.create(
        title="政策宣讲",
        kind="POLICY_BRIEFING",
        starts_at=inside,
        ends_at=inside + timedelta(hours=2),
        capacity=50,
        created_by="staff",
    )
    await Activity.create(
        title="路演",
        kind="ROADSHOW",
        starts_at=outside,
        ends_at=outside + timedelta(hours=2),
        capacity=50,
        created_by="staff",
    )
    await ActivityRegistration.create(activity=talk, enterprise=ent, attended_at=inside)
    await ActivityRegistration.create(activity=talk, enterprise=other)  # registered, absent
    await ActivityRegistration.create(activity=talk, participant_name="个人", attended_at=inside)
    for issued, redeemed in ((inside, inside), (inside, outside), (outside, None)):
        await Voucher.create(
            enterprise=ent,
            amount=Decimal("1000"),
            valid_until=date(2026, 12, 31),
            issued_by="staff",
            created_at=issued,
            redeemed_at=redeemed,
            status="ISSUED" if redeemed is None else "REDEEMED",
        )
    s = await stats(date(2026, 9, 1), date(2026, 9, 30))
    assert (s.activities, s.activity_participants) == (1, 2)
    assert (s.vouchers_issued, s.vouchers_redeemed) == (2, 1)


async def test_demands_count_each_outcome_when_it_happened(clean: None) -> None:
    ent = await enterprise()
    t0 = utc(2026, 11, 2, 1)
    done = await demand(ent, t0, status="COMPLETED", completed_at=t0 + timedelta(hours=5))
    await transition(done, "COMPLETED", t0 + timedelta(hours=5))
    no = await demand(ent, t0, status="REJECTED")
    await transition(no, "REJECTED", t0 + timedelta(hours=1))
    up = await demand(ent, t0, status="ESCALATED")
    await transition(up, "ESCALATED", t0 + timedelta(hours=2))
    await demand(ent, t0, status="MATCHED")  # open
    late = await demand(ent, t0, status="REJECTED")
    await transition(late, "REJECTED", utc(2026, 12, 5))  # rejected after the period: open then
    old = await demand(ent, utc(2026, 10, 1), status="SUBMITTED")  # submitted earlier, still open
    assert old.status == "SUBMITTED"
    s = await stats(date(2026, 11, 1), date(2026, 11, 30))
    assert s.demands_received == 5
    assert (s.demands_completed, s.demands_rejected, s.demands_escalated) == (1, 1, 1)
    assert s.demands_open == 3  # the matched one, the late rejection, the older submission


async def test_median_demand_times_in_hours_for_odd_and_even_counts(clean: None) -> None:
    ent = await enterprise()
    t0 = utc(2026, 2, 3, 4)
    for response in (1, 10, 2):  # odd: the middle one
        await demand(ent, t0, accepted_at=t0 + timedelta(hours=response))
    for resolution in (4, 8):  # even: the mean of the middle two
        await demand(ent, t0, completed_at=t0 + timedelta(hours=resolution, minutes=30))
    s = await stats(date(2026, 2, 1), date(2026, 2, 28))
    assert s.median_response_hours == pytest.approx(2)
    assert s.median_resolution_hours == pytest.approx(6.5)
    await demand(ent, t0, completed_at=t0 + timedelta(hours=20))
    s = await stats(date(2026, 2, 1), date(2026, 2, 28))
    assert s.median_resolution_hours == pytest.approx(8.5)


async def test_an_empty_period_has_zeros_and_no_rates(clean: None) -> None:
    s = await stats(date(2031, 1, 1), date(2031, 12, 31))
    counts = (
        s.services_delivered,
        s.services_online,
        s.services_offline,
        s.public_welfare_services,
        s.enterprises_served,
        s.activities,
        s.activity_participants,
        s.feedback_count,
        s.satisfied_feedback,
        s.demands_received,
        s.demands_completed,
        s.demands_rejected,
        s.demands_escalated,
        s.demands_open,
        s.vouchers_issued,
        s.vouchers_redeemed,
    )
    assert counts == (0,) * len(counts)
    assert s.services_by_category == []
    assert s.satisfaction_rate is s.public_welfare_share is None
    assert s.median_response_hours is s.median_resolution_hours is None


async def test_anonymous_callers_cannot_compute_indicators(stats_db: None) -> None:
    with pytest.raises(Unauthenticated):
        await compute_stats(ANONYMOUS, None, None, TZ)


STATS = """query($from: Date, $to: Date) { stats(from: $from, to: $to) {
  fromDate toDate servicesDelivered servicesByCategory { category count } satisfactionRate
  feedbackCount demandsOpen medianResolutionHours } }"""


async def test_stats_answer_logged_in_users_and_refuse_anonymous(node: NodeServer) -> None:
    token = await node.login()
    data = await node.ok(STATS, {"from": "2026-01-01", "to": "2026-12-31"}, token)
    assert data["stats"] == {
        "fromDate": "2026-01-01",
        "toDate": "2026-12-31",
        "servicesDelivered": 0,
        "servicesByCategory": [],
        "satisfactionRate": None,
        "feedbackCount": 0,
        "demandsOpen": 0,
        "medianResolutionHours": None,
    }
    assert (await node.call(STATS, {}, None)).codes == ["UNAUTHENTICATED"]
    backwards = await node.call(STATS, {"from": "2026-02-01", "to": "2026-01-01"}, token)
    assert backwards.codes == ["BAD_INPUT"]
