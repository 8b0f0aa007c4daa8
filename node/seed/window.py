"""`smenet node seed`: realistic demo data for a window, created through the domain services.

Everything passes the same validation as real input, and a window always gets the same data
(the random generator is seeded with its window id). The catalogue and the enterprises are
written in one transaction, dated a few weeks before the months of history (node.seed.history)
that follow them step by step.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tortoise import connections
from tortoise.transactions import in_transaction

from federation.errors import InvalidRegionCode, NotFound
from node import clock, db
from node.config import NodeSettings
from node.domain import catalogue, enterprises, users
from node.domain.access import Actor, Role
from node.models import User
from node.reference import Region, check_industry_code, check_region_code, uscc_check_character
from node.seed.data import (
    AGENCIES,
    AREA_CODES,
    BRAND,
    EXPERTS,
    FIGURES,
    GIVEN_NAMES,
    INDUSTRIES,
    MOBILE_PREFIXES,
    SERVICES,
    SIZE_WEIGHTS,
    SURNAMES,
    IndustryProfile,
    ServiceTemplate,
)
from node.seed.history import HistorySummary, history_bounds, write_history
from node.seed.world import SeededCompany, SeededService, World

DEMO_PASSWORD = "demo-pass-1"
DEMO_USERS = (("staff", "窗口服务专员", Role.STAFF), ("viewer", "只读查看员", Role.READONLY))
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_MAIL_DOMAINS = ("163.com", "126.com", "qq.com", "foxmail.com")


@dataclass(frozen=True)
class SeedSummary:
    window_id: str
    skipped: bool = False  # the window already had services, so nothing was added
    users: int = 0
    agencies: int = 0
    experts: int = 0
    published: int = 0
    drafts: int = 0
    retired: int = 0
    enterprises: int = 0
    history: HistorySummary | None = None

    @property
    def services(self) -> int:
        return self.published + self.drafts + self.retired


@dataclass(frozen=True)
class _Place:
    """Where the window is, for names, phone numbers and codes."""

    region: Region
    city: Region
    province: Region
    districts: tuple[str, ...]  # the city's other current divisions

    @property
    def texts(self) -> dict[str, str]:
        return {
            "city": self.city.name,
            "province": self.province.name,
            "prov": _short(self.province.name),
        }


# The catalogue is built this long before the history starts, the enterprises registered after.
CATALOGUE_LEAD = timedelta(days=30)
REGISTRATION_DAYS = 24


class _Ticker:
    """Successive moments for the catalogue's rows, as the clock's time while each is written."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self.moment, self.step = start, step

    def tick(self) -> AbstractContextManager[datetime]:
        self.moment += self.step
        return clock.frozen_at(self.moment)


async def seed(settings: NodeSettings, size: int = 40) -> SeedSummary:
    """Fill an empty window with demo data; a window that has services is left alone.

    Raises ``HistoryError`` when the history fails part way: the catalogue is written then.
    """
    rng = random.Random(settings.window_id)
    place = _place(settings.region_code)
    profiles = _profiles(settings.industries)
    zone = ZoneInfo(settings.timezone)
    start, end = history_bounds(clock.now(), zone)
    await db.open_db(settings.db_url())
    try:
        actor = await _admin_actor()
        if (await catalogue.list_services(actor, catalogue.ServiceFilter(), 1, None)).items:
            return SeedSummary(settings.window_id, skipped=True)
        # All or nothing: an interrupted seed leaves an empty window that can be seeded again.
        async with in_transaction():
            ticker = _Ticker(start - CATALOGUE_LEAD, timedelta(minutes=7))
            new_users = await _seed_users(actor, ticker)
            agencies = await _seed_agencies(actor, rng, place, ticker)
            experts = await _seed_experts(actor, rng, place, ticker)
            services, drafts = await _seed_services(actor, rng, agencies, ticker)
            step = timedelta(days=REGISTRATION_DAYS) / max(size, 1)
            ticker = _Ticker(start - timedelta(days=REGISTRATION_DAYS + 1), step)
            companies = await _seed_enterprises(actor, rng, place, profiles, size, ticker)
        summary = SeedSummary(
            settings.window_id,
            users=new_users,
            agencies=len(agencies),
            experts=experts,
            published=len(services),
            drafts=drafts,
            retired=1,
            enterprises=size,
        )
        staff = await _staff_actor() or actor
        world = World(settings.window_id, place.city.name, services, companies, staff, actor)
        if connections.get("default").capabilities.dialect == "sqlite":
            # Thousands of small transactions follow: in WAL mode NORMAL still never corrupts
            # the file, it only skips a disk flush per commit, which a seed does not need.
            await connections.get("default").execute_script("PRAGMA synchronous=NORMAL")
        history = await write_history(world, rng, start, end, zone)
    finally:
        await db.close_db()
    return dataclasses.replace(summary, history=history)


async def _admin_actor() -> Actor:
    admin = next((u for u in await User.all().order_by("id") if Role.WINDOW_ADMIN in u.roles), None)
    if admin is None:
        raise NotFound("the window has no WINDOW_ADMIN user to seed as")
    return Actor(username=admin.username, user_id=admin.id, roles=frozenset({Role.WINDOW_ADMIN}))


async def _staff_actor() -> Actor | None:
    """The demo staff user, who does the day-to-day work of the history."""
    user = await User.get_or_none(username=DEMO_USERS[0][0])
    if user is None:
        return None
    return Actor(user.username, user.id, frozenset(Role(role) for role in user.roles))


async def _seed_users(actor: Actor, ticker: _Ticker) -> int:
    existing = {user.username for user in await User.all()}
    missing = [user for user in DEMO_USERS if user[0] not in existing]
    for username, display_name, role in missing:
        with ticker.tick():
            await users.ACCOUNTS.create_user(actor, username, DEMO_PASSWORD, [role], display_name)
    return len(missing)


async def _seed_agencies(
    actor: Actor, rng: random.Random, place: _Place, ticker: _Ticker
) -> dict[str, uuid.UUID]:
    made: dict[str, uuid.UUID] = {}
    for template in AGENCIES:
        with ticker.tick():
            agency = await catalogue.create_agency(
                actor,
                name=template.name.format(**place.texts),
                uscc=_uscc(rng, template.kind, rng.choice((place.city.code, place.region.code))),
                categories=list(template.categories),
                qualifications=list(template.qualifications),
                contact_phone=_landline(rng, place),
            )
        made[template.key] = agency.id
    return made


async def _seed_experts(actor: Actor, rng: random.Random, place: _Place, ticker: _Ticker) -> int:
    chosen = rng.sample(EXPERTS, rng.randint(12, len(EXPERTS)))
    for expert in chosen:
        with ticker.tick():
            await catalogue.create_expert(
                actor,
                name=expert.name,
                title=expert.title,
                organisation=expert.organisation.format(**place.texts),
                specialties=list(expert.specialties),
                bio=expert.bio,
                phone=_mobile(rng),
                email=f"{expert.pinyin}@{rng.choice(_MAIL_DOMAINS)}",
            )
    return len(chosen)


async def _seed_services(
    actor: Actor, rng: random.Random, agencies: dict[str, uuid.UUID], ticker: _Ticker
) -> tuple[list[SeededService], int]:
    """Every category published at least once; two extras stay drafts and one is retired.

    Returns the services that stay published, and the number of drafts.
    """
    by_category: dict[str, list[ServiceTemplate]] = {}
    for template in SERVICES:
        by_category.setdefault(template.category, []).append(template)
    core = [group[0] for group in by_category.values()]
    spare = [template for group in by_category.values() for template in group[1:]]
    extras = rng.sample(spare, rng.randint(len(spare) * 2 // 3, len(spare)))
    drafts, retired = set(extras[:2]), extras[2]
    chosen = core + extras
    rng.shuffle(chosen)
    published: list[SeededService] = []
    for template in chosen:
        with ticker.tick():
            service = await catalogue.create_service(
                actor,
                name=template.name,
                category=template.category,
                agency_id=agencies[template.agency] if template.agency else None,
                public_welfare=template.public_welfare,
                mode=template.mode,
                function=template.function,
                process=template.process,
                standard=template.standard,
                fee=template.fee,
                time_limit_days=template.days,
            )
        if template in drafts:
            continue
        with ticker.tick():
            await catalogue.publish_service(actor, service.id)
        if template is retired:
            with ticker.tick():
                await catalogue.retire_service(actor, service.id)
        else:
            published.append(SeededService(service.id, template))
    return published, len(drafts)


async def _seed_enterprises(
    actor: Actor,
    rng: random.Random,
    place: _Place,
    profiles: list[IndustryProfile],
    size: int,
    ticker: _Ticker,
) -> list[SeededCompany]:
    brands: set[str] = set()
    companies: list[SeededCompany] = []
    for _ in range(size):
        profile = rng.choice(profiles)
        size_class = rng.choices(list(SIZE_WEIGHTS), weights=list(SIZE_WEIGHTS.values()))[0]
        (low_staff, high_staff), (low_revenue, high_revenue) = FIGURES[profile.figures][size_class]
        revenue = Decimal(rng.randint(low_revenue * 100, high_revenue * 100)) / 100
        assets = (revenue * rng.randint(60, 150) / 100).quantize(Decimal("0.01"))
        # Most enterprises sit in the window's own district, the rest elsewhere in its city.
        if place.districts and rng.random() < 0.3:
            region = rng.choice(place.districts)
        else:
            region = place.region.code
        brand, brand_pinyin = _brand(rng, brands)
        suffix = "股份有限公司" if size_class == "MEDIUM" and rng.random() < 0.5 else "有限公司"
        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
        person = f"{surname[1]}{given[1]}"
        trade = rng.choice(profile.words)
        with ticker.tick():
            saved = await enterprises.create_enterprise(
                actor,
                name=f"{place.city.name}{brand}{trade}{suffix}",
                uscc=_uscc(rng, "91", rng.choice((place.city.code, region))),
                region_code=region,
                industry_code=profile.code,
                employees=rng.randint(low_staff, high_staff),
                revenue=revenue,
                assets=assets,
                contact_name=surname[0] + given[0],
                contact_phone=_mobile(rng),
                contact_email=rng.choice(
                    (
                        f"{person}@{brand_pinyin}.com",
                        f"{person}@{brand_pinyin}.com.cn",
                        f"{rng.randint(10_000_000, 3_999_999_999)}@qq.com",
                        f"{person}{rng.randint(1, 99)}@163.com",
                    )
                ),
            )
        companies.append(
            SeededCompany(saved.enterprise, profile.words[0], profile.figures == "industry")
        )
    return companies


def _brand(rng: random.Random, used: set[str]) -> tuple[str, str]:
    """An unused 字号 and its pinyin: two syllables, longer once short ones keep repeating."""
    for attempt in itertools.count():
        syllables = rng.sample(BRAND, min(2 + attempt // 20, len(BRAND)))
        brand = "".join(hanzi for hanzi, _ in syllables)
        if brand not in used:
            used.add(brand)
            return brand, "".join(pinyin for _, pinyin in syllables)
    raise AssertionError("unreachable")


def _uscc(rng: random.Random, kind: str, registry: str) -> str:
    """A valid credit code: authority and category, the registry's region, a random body."""
    if rng.random() < 0.6:  # registered since 2015: the body starts with MA
        body = "MA" + "".join(rng.choices(_USCC_ALPHABET, k=7))
    else:  # an older organisation code carried over
        body = "".join(rng.choices("0123456789", k=8)) + rng.choice(_USCC_ALPHABET)
    first17 = kind + registry + body
    return first17 + uscc_check_character(first17)


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choices("0123456789", k=8))


def _landline(rng: random.Random, place: _Place) -> str:
    area = AREA_CODES.get(place.region.code[:4])
    if area is None:
        return f"400-{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"
    return f"{area}-{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}"


def _place(region_code: str) -> _Place:
    region = check_region_code(region_code)
    province = check_region_code(region.code[:2] + "0000")
    prefix = region.code[:4]
    districts = tuple(
        found.code
        for n in range(1, 100)
        if (found := _current(f"{prefix}{n:02d}")) is not None and found.code != region.code
    )
    return _Place(region, _current(prefix + "00") or province, province, districts)


def _current(code: str) -> Region | None:
    try:
        region = check_region_code(code)
    except InvalidRegionCode:
        return None
    return None if region.retired else region


def _short(province: str) -> str:
    for suffix in ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市"):
        if province.endswith(suffix):
            return province.removesuffix(suffix)
    return province


def _profiles(industries: list[str]) -> list[IndustryProfile]:
    """The companies an industry window serves; a comprehensive window serves them all."""
    wanted = [check_industry_code(code).code for code in industries]
    matching = [
        profile
        for profile in INDUSTRIES
        if any(
            profile.code.startswith(code) or check_industry_code(profile.code).section == code
            for code in wanted
        )
    ]
    return matching or list(INDUSTRIES)
