"""The window's calendar in the demo history: public activities and reviewed announcements."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from node.domain import activities, announcements
from node.domain.access import Actor
from node.seed.history_data import (
    ACTIVITIES,
    ACTIVITY_COMMENTS,
    ANNOUNCEMENTS,
    REVIEW_REJECTIONS,
    ActivityTemplate,
)
from node.seed.timeline import Action, Ref, Timeline
from node.seed.world import SeededCompany, World, person_name

ACTIVITY_STARTS = (time(9, 30), time(10, 0), time(14, 0), time(14, 30), time(15, 0))
# Registrations have all been made by the time an activity starts.
REGISTRATION_CLOSES = timedelta(hours=1)


def plan_activities(world: World, t: Timeline) -> None:
    """About two a month through the history; the next ones still take registrations."""
    templates = list(ACTIVITIES)
    t.rng.shuffle(templates)
    editions: dict[str, int] = {}
    day = t.first_day + timedelta(days=t.rng.randint(8, 14))
    for index in itertools.count():
        if day >= t.last_day + timedelta(days=21):
            return
        template = templates[index % len(templates)]
        editions[template.title] = editions.get(template.title, 0) + 1
        while day.weekday() >= 5:
            day += timedelta(days=1)
        starts = datetime.combine(day, t.rng.choice(ACTIVITY_STARTS), t.zone)
        title = template.title.format(year=starts.year, n=editions[template.title])
        _activity(world, t, template, title, starts)
        day += timedelta(days=t.rng.randint(10, 17))


def _activity(
    world: World,
    t: Timeline,
    template: ActivityTemplate,
    title: str,
    starts: datetime,
) -> None:
    rng, staff, activity = t.rng, world.staff, Ref()
    ends = starts + timedelta(hours=template.hours)
    created = t.office(t.local(starts).date() - timedelta(days=rng.randint(12, 25)))

    async def create() -> None:
        activity.id = (
            await activities.create_activity(
                staff,
                title,
                template.kind,
                starts,
                ends,
                template.capacity,
                online=template.online,
                location="" if template.online else template.location,
                description=template.description,
            )
        ).id

    if not t.add(created, f"activity {title}: create", create):
        return
    wanted = max(1, round(len(world.companies) * rng.uniform(0.08, 0.3)))
    guests: Sequence[SeededCompany | None] = rng.sample(
        world.companies, min(template.capacity, len(world.companies), wanted)
    )
    # A few people come without an enterprise the window knows.
    guests = [*guests, *[None] * rng.randint(0, min(3, template.capacity - len(guests)))]
    open_minutes = int((starts - REGISTRATION_CLOSES - created).total_seconds() // 60)
    attending: list[Ref] = []
    for guest in guests:
        registration = Ref()
        register = _register(staff, activity, registration, guest, person_name(rng))
        at = t.soon(created, 1, max(open_minutes, 2))
        if t.add(at, f"activity {title}: register", register) and rng.random() < 0.82:
            attending.append(registration)
    if not attending or not t.add(
        ends - timedelta(minutes=10),
        f"activity {title}: attendance",
        lambda: activities.record_attendance(staff, activity.get(), [r.get() for r in attending]),
    ):
        return
    for registration in attending:
        if rng.random() < 0.6:
            rating = rng.choices((5, 4, 3), weights=(6, 3, 1))[0]
            comment = rng.choice(ACTIVITY_COMMENTS)
            rate = functools.partial(_rate, staff, registration, rating, comment)
            t.add(t.soon(ends, 30, 3 * 24 * 60), f"activity {title}: rating", rate)


def _register(
    staff: Actor, activity: Ref, registration: Ref, guest: SeededCompany | None, person: str
) -> Action:
    async def register() -> None:
        enterprise = None if guest is None else guest.row.id
        registration.id = (
            await activities.register_for_activity(staff, activity.get(), enterprise, person)
        ).id

    return register


async def _rate(staff: Actor, registration: Ref, rating: int, comment: str) -> None:
    await activities.rate_activity(staff, registration.get(), rating, comment)


def plan_announcements(world: World, t: Timeline) -> None:
    """Written by one user and reviewed by another; one rejected, the latest still in review."""
    rng = t.rng
    templates = list(ANNOUNCEMENTS)
    rng.shuffle(templates)
    spacing = (t.last_day - t.first_day).days // (len(templates) + 1)
    rejected = rng.randrange(len(templates) - 1)
    for index, template in enumerate(templates):
        latest = index == len(templates) - 1
        if latest:  # the last working day, so that it is written before the history ends
            day = t.last_day
            while day.weekday() >= 5:
                day -= timedelta(days=1)
        else:
            day = t.first_day + timedelta(days=spacing * (index + 1))
        written = t.office(day)
        texts = {"year": t.local(written).year, "city": world.city}
        title, body = template.title.format(**texts), template.body.format(**texts)
        author, reviewer = world.staff, world.admin
        if rng.random() < 0.25:
            author, reviewer = reviewer, author
        comment = rng.choice(REVIEW_REJECTIONS) if index == rejected else None
        _announcement(t, title, body, written, author, None if latest else reviewer, comment)


def _announcement(
    t: Timeline,
    title: str,
    body: str,
    written: datetime,
    author: Actor,
    reviewer: Actor | None,
    comment: str | None,
) -> None:
    notice = Ref()

    async def write() -> None:
        notice.id = (await announcements.create_announcement(author, title, body)).id

    submitted = t.soon(written, 20, 120)
    t.add(written, f"announcement {title}: write", write)
    t.add(
        submitted,
        f"announcement {title}: submit",
        lambda: announcements.submit_announcement_for_review(author, notice.get()),
    )
    if reviewer is not None:
        t.add(
            t.later(submitted, 0, 2),
            f"announcement {title}: review",
            lambda: announcements.review_announcement(
                reviewer, notice.get(), comment is None, comment
            ),
        )
