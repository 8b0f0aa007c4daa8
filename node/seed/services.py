"""Demands, service records and vouchers in the demo history.

Most demands are accepted, matched to the service that fits what they ask, served and closed;
some are rejected with a reason, a few escalated to the hub, and the latest are still open.
Service records also serve enterprises directly. Vouchers are issued in batches and most are
spent on a value-added service while they are valid; the rest run out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from federation.ids import make_id
from node.domain import demands, records, vouchers
from node.domain.catalogue import ServiceCategory as C
from node.domain.catalogue import ServiceMode
from node.seed.feedback import FeedbackPlanner
from node.seed.history_data import (
    ACCEPT_NOTES,
    CLOSE_NOTES,
    DEFAULT_OUTCOME,
    DEMANDS,
    ESCALATE_NOTES,
    FEE_CORRECTION,
    MATCH_NOTES,
    OUTCOME_CORRECTION,
    OUTCOMES,
    PRICES,
    REJECT_REASONS,
    VOUCHER_AMOUNTS,
    VOUCHER_CATEGORIES,
)
from node.seed.timeline import Ref, Timeline
from node.seed.world import SeededCompany, SeededService, World, person_name

# How often enterprises ask for each kind of service.
NEEDS = {
    C.POLICY: 14,
    C.FINANCING: 12,
    C.TECH_INNOVATION: 12,
    C.QUALITY_TESTING: 9,
    C.MANAGEMENT_CONSULTING: 9,
    C.TRAINING: 7,
    C.INFORMATION: 6,
    C.MARKET_EXPANSION: 6,
    C.RND_DESIGN: 5,
    C.EQUIPMENT_SHARING: 5,
    C.STANDARDS: 4,
    C.STARTUP_COACHING: 4,
    C.OTHER: 5,
}
MAKERS_ONLY = {C.QUALITY_TESTING, C.EQUIPMENT_SHARING, C.RND_DESIGN}
# Vouchers are issued in batches: (day of the history, days valid). The first batch runs out
# before the history ends, so what was not redeemed of it shows as EXPIRED.
VOUCHER_BATCHES = ((14, 120), (100, 150))


Fate = Literal["serve", "reject", "escalate"]


@dataclass(frozen=True)
class _Voucher:
    ref: Ref
    company: SeededCompany
    valid_until: date
    categories: tuple[C, ...]


class ServiceStories:
    """Demands through their lifecycle, the service records serving them and others, vouchers."""

    def __init__(self, world: World, timeline: Timeline, feedback: FeedbackPlanner) -> None:
        self.world, self.t, self.rng, self.feedback = world, timeline, timeline.rng, feedback
        self.staff, self.admin = world.staff, world.admin
        self.voucher_zone = ZoneInfo(vouchers.LOCAL_TIMEZONE)
        self.staff_names = [person_name(self.rng) for _ in range(4)]
        self.by_name = {service.template.name: service for service in world.services}
        self.by_category: dict[C, list[SeededService]] = {}
        for service in world.services:
            self.by_category.setdefault(service.template.category, []).append(service)

    def plan(self) -> None:
        self._vouchers()
        self._demands()
        self._direct_records()

    # Demands and the service records that serve them

    def _demands(self) -> None:
        slots = [
            (company, self.t.day(0.01))
            for company in self.world.companies
            for _ in range(self.rng.choices(range(5), weights=(20, 30, 25, 15, 10))[0])
        ]
        # A few of the last days, so that the window has demands still open.
        for index in self.rng.sample(range(len(slots)), min(len(slots), 3 + len(slots) // 20)):
            slots[index] = (slots[index][0], self.t.recent_workday(4))
        # About one in ten rejected and one in twenty escalated, at least one of each.
        fates: list[Fate] = ["reject"] * max(1, round(len(slots) * 0.1))
        fates += ["escalate"] * max(1, round(len(slots) * 0.05))
        fates = (fates + ["serve"] * len(slots))[: len(slots)]
        self.rng.shuffle(fates)
        for (company, day), fate in zip(slots, fates, strict=True):
            self._demand(company, day, fate)

    def _demand(
        self,
        company: SeededCompany,
        day: date,
        fate: Fate,
        service: SeededService | None = None,
        voucher: _Voucher | None = None,
    ) -> None:
        rng, t = self.rng, self.t
        if service is None:
            # What the enterprise asks for decides the service it is matched to.
            category = self._need(company)
            asks = [a for a in DEMANDS[category] if a[2] in self.by_name] or DEMANDS[category]
            ask = rng.choice(asks)
            service = self.by_name.get(ask[2]) or self._service(category)
        else:
            category = service.template.category
            asks = [a for a in DEMANDS[category] if a[2] == service.template.name]
            ask = rng.choice(asks or DEMANDS[category])
        n = rng.randint(2, 9)
        title, description = (text.format(trade=company.trade, n=n) for text in ask[:2])
        demand = Ref()
        row = company.row
        form: demands.PublicDemand | None = None
        if rng.random() < 0.3:  # through the public form, whenever the enterprise likes
            form = demands.PublicDemand(
                uscc=row.uscc,
                name=row.name,
                region_code=row.region_code,
                industry_code=row.industry_code,
                contact_name=row.contact_name,
                contact_phone=row.contact_phone,
                title=title,
                description=description,
                category=category.value,
            )

            async def submit() -> None:
                demand.id = (await demands.submit_public_demand(form)).id

            moment = t.any_hour(day)
        else:

            async def submit() -> None:
                demand.id = (
                    await demands.submit_demand(
                        self.staff, row.id, title, description, category.value
                    )
                ).id

            moment = t.office(day)
        if not t.add(moment, f"demand {title}: submit", submit):
            return
        if form is not None:
            # Staff check who the form says it is from before anything else.
            moment = t.later(moment, 0, 1)
            if not t.add(
                moment,
                f"demand {title}: confirm the enterprise",
                lambda: demands.confirm_enterprise(self.staff, demand.get(), row.id),
            ):
                return
        if fate != "serve" and rng.random() < 0.5:
            moment, note = t.later(moment, 0, 2), rng.choice(ACCEPT_NOTES)
            t.add(
                moment,
                f"demand {title}: accept",
                lambda: demands.accept_demand(self.staff, demand.get(), note),
            )
        if fate == "reject":
            reason = rng.choice(REJECT_REASONS)
            t.add(
                t.later(moment, 0, 3),
                f"demand {title}: reject",
                lambda: demands.reject_demand(self.staff, demand.get(), reason),
            )
        elif fate == "escalate":
            note = rng.choice(ESCALATE_NOTES)
            t.add(
                t.later(moment, 1, 3),
                f"demand {title}: escalate",
                lambda: demands.escalate_demand(
                    self.staff, demand.get(), self.world.window_id, note
                ),
            )
        else:
            accept_note, match_note = rng.choice(ACCEPT_NOTES), rng.choice(MATCH_NOTES)
            ref = make_id(self.world.window_id, service.id)
            accepted = t.later(moment, 0, 1)
            matched = t.later(accepted, 0, 2)
            t.add(
                accepted,
                f"demand {title}: accept",
                lambda: demands.accept_demand(self.staff, demand.get(), accept_note),
            )
            t.add(
                matched,
                f"demand {title}: match",
                lambda: demands.match_demand(
                    self.staff, demand.get(), ref, self.world.window_id, match_note
                ),
            )
            self._record(company, service, t.later(matched, 1, 4), demand, voucher)

    def _direct_records(self) -> None:
        """Services given without a demand: walk-in consultations, trainings, tests."""
        for company in self.world.companies:
            for _ in range(self.rng.choices(range(4), weights=(35, 35, 20, 10))[0]):
                service = self._service(self._need(company))
                self._record(company, service, self.t.office(self.t.day(0.01)), None, None)

    def _record(
        self,
        company: SeededCompany,
        service: SeededService,
        begin: datetime,
        demand: Ref | None,
        voucher: _Voucher | None,
    ) -> None:
        rng, t, template = self.rng, self.t, service.template
        mode = ServiceMode(template.mode)
        if mode is ServiceMode.BOTH:
            channel = rng.choice((records.Channel.ONLINE, records.Channel.OFFLINE))
        else:
            channel = records.Channel(mode.value)
        record, staff = Ref(), rng.choice(self.staff_names)

        async def start() -> None:
            record.id = (
                await records.start_service_record(
                    self.staff,
                    company.row.id,
                    service.id,
                    channel,
                    demand_id=None if demand is None else demand.get(),
                    staff=staff,
                )
            ).id

        if not t.add(begin, f"{template.name}: start", start):
            return
        done = t.later(begin, template.days // 4, max(template.days, 1))
        fee = Decimal(0) if template.public_welfare else self._price(template.name)
        outcome = rng.choice(OUTCOMES.get(template.name, (DEFAULT_OUTCOME,))).format(
            n=rng.randint(2, 8)
        )
        pays, after = None, None
        if voucher is not None and self._valid(voucher, done):
            if rng.random() < 0.8:
                pays = voucher
            else:  # brought in after the service was recorded
                after = t.later(done, 1, 4)
                if not self._valid(voucher, after):
                    after = None

        async def complete() -> None:
            await records.complete_service_record(
                self.staff, record.get(), outcome, fee, None if pays is None else pays.ref.get()
            )

        if not t.add(done, f"{template.name}: complete", complete):
            return
        if after is not None and voucher is not None:
            held = voucher
            t.add(
                after,
                f"{template.name}: redeem a voucher",
                lambda: vouchers.redeem_voucher(self.staff, held.ref.get(), record.get()),
            )
        if demand is not None and rng.random() < 0.93:
            note = rng.choice(CLOSE_NOTES)
            t.add(
                t.later(done, 0, 3),
                f"{template.name}: close the demand",
                lambda: demands.close_demand(self.staff, demand.get(), note),
            )
        self.feedback.plan(record, done, channel, template.name)
        if rng.random() < 0.03:
            self._correct(record, done, outcome, fee, template.name)

    def _correct(self, record: Ref, done: datetime, outcome: str, fee: Decimal, name: str) -> None:
        """A later correction: a new history entry, the earlier ones kept."""
        at = self.t.later(done, 2, 10)
        if fee > 0 and self.rng.random() < 0.5:
            fixed_fee = fee * Decimal("0.9")
            self.t.add(
                at,
                f"{name}: correct the fee",
                lambda: records.correct_service_record(
                    self.staff, record.get(), FEE_CORRECTION, fee=fixed_fee
                ),
            )
        else:
            reason, addition = OUTCOME_CORRECTION
            self.t.add(
                at,
                f"{name}: correct the outcome",
                lambda: records.correct_service_record(
                    self.staff, record.get(), reason, outcome=outcome + addition
                ),
            )

    # Vouchers

    def _vouchers(self) -> None:
        """Batches issued to some enterprises; most are used on a value-added service."""
        rng, t, companies = self.rng, self.t, self.world.companies
        paid = {
            c: [s for s in group if not s.template.public_welfare]
            for c, group in self.by_category.items()
        }
        paid = {c: group for c, group in paid.items() if group}
        if not paid or not companies:
            return
        for day, valid_days in VOUCHER_BATCHES:
            moment = t.office(t.first_day + timedelta(days=day))
            for company in rng.sample(companies, max(1, round(len(companies) * 0.2))):
                moment = t.soon(moment, 2, 9)
                wanted = rng.choice(VOUCHER_CATEGORIES)
                categories = tuple(c for c in wanted if c in paid) if wanted else ()
                voucher = _Voucher(
                    Ref(), company, t.local(moment).date() + timedelta(days=valid_days), categories
                )
                amount = Decimal(rng.choice(VOUCHER_AMOUNTS))
                t.add(moment, "issue a voucher", functools.partial(self._issue, voucher, amount))
                if rng.random() < 0.6:
                    service = rng.choice(paid[rng.choice(categories or tuple(paid))])
                    day_used = t.local(moment).date() + timedelta(days=rng.randint(5, 75))
                    if rng.random() < 0.6:
                        self._demand(company, day_used, "serve", service, voucher)
                    else:
                        self._record(company, service, t.office(day_used), None, voucher)

    async def _issue(self, voucher: _Voucher, amount: Decimal) -> None:
        categories = [c.value for c in voucher.categories]
        voucher.ref.id = (
            await vouchers.issue_voucher(
                self.admin, voucher.company.row.id, amount, voucher.valid_until, categories
            )
        ).id

    def _valid(self, voucher: _Voucher, moment: datetime) -> bool:
        """Whether the voucher can still be redeemed at ``moment`` (valid through its last day)."""
        return moment.astimezone(self.voucher_zone).date() < voucher.valid_until

    # Choices

    def _need(self, company: SeededCompany) -> C:
        weights = {
            c: w / (4 if c in MAKERS_ONLY and not company.maker else 1)
            for c, w in NEEDS.items()
            if c in self.by_category
        }
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _service(self, category: C) -> SeededService:
        """Mostly a free public-welfare service where the category has one."""
        group = self.by_category[category]
        free = [s for s in group if s.template.public_welfare]
        paid = [s for s in group if not s.template.public_welfare]
        if free and paid:
            group = free if self.rng.random() < 0.7 else paid
        return self.rng.choice(group)

    def _price(self, name: str) -> Decimal:
        low, high, step = PRICES.get(name, (500, 5000, 500))
        return Decimal(self.rng.randrange(low, high + 1, step))
