"""Public service activities (公共服务活动): registration within capacity, attendance, feedback."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Sum
from tortoise.transactions import in_transaction

from federation.errors import (
    AlreadyRegistered,
    CapacityReached,
    FeedbackExists,
    InputError,
    InvalidTransition,
    NotFound,
)
from federation.inputs import check_lengths
from federation.pagination import Page, paginate
from node import clock
from node.domain import event_kinds, events
from node.domain.access import WRITE_ROLES, Actor, require
from node.domain.periods import within
from node.models import Activity, ActivityRegistration, Enterprise


class ActivityKind(enum.StrEnum):
    TRAINING = "TRAINING"
    ROADSHOW = "ROADSHOW"
    POLICY_BRIEFING = "POLICY_BRIEFING"
    MATCHMAKING = "MATCHMAKING"
    COMPETITION = "COMPETITION"
    EXPERT_CONSULTATION = "EXPERT_CONSULTATION"
    OTHER = "OTHER"


@dataclass
class ActivityFilter:
    kind: ActivityKind | None = None
    from_date: date | None = None  # calendar days in ``timezone`` on starts_at, both included
    to_date: date | None = None
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class Figures:
    registrations: int = 0
    attended: int = 0
    average_rating: float | None = None


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise InputError(f"{name} needs a time zone offset")
    return value.astimezone(UTC)


async def create_activity(
    actor: Actor,
    title: str,
    kind: ActivityKind,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    online: bool = False,
    location: str = "",
    description: str = "",
) -> Activity:
    require(actor, WRITE_ROLES, "create activities")
    title = title.strip()
    if not title:
        raise InputError("title must not be empty")
    starts_at, ends_at = _aware(starts_at, "startsAt"), _aware(ends_at, "endsAt")
    if ends_at <= starts_at:
        raise InputError("an activity must end after it starts")
    if capacity < 1:
        raise InputError("capacity must be at least 1")
    check_lengths(Activity, {"title": title, "location": location.strip()})
    return await Activity.create(
        title=title,
        kind=ActivityKind(kind).value,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        online=online,
        location=location.strip(),
        description=description.strip(),
        created_by=actor.username,
    )


async def register_for_activity(
    actor: Actor,
    activity_id: uuid.UUID,
    enterprise_id: uuid.UUID | None,
    participant_name: str = "",
) -> ActivityRegistration:
    """Register an enterprise (or a named participant) while seats are left, once per enterprise.

    The activity row is locked before counting, so concurrent registrations queue on it and
    never overfill it (PostgreSQL; SQLite serialises writers anyway).
    """
    require(actor, WRITE_ROLES, "register for activities")
    participant_name = participant_name.strip()
    if enterprise_id is None and not participant_name:
        raise InputError("a registration needs an enterprise or a participant name")
    check_lengths(ActivityRegistration, {"participant_name": participant_name})
    if enterprise_id is not None and not await Enterprise.exists(id=enterprise_id):
        raise NotFound(f"no enterprise {enterprise_id}")
    async with in_transaction() as connection:
        activity = (
            await Activity.filter(id=activity_id).select_for_update().using_db(connection).first()
        )
        if activity is None:
            raise NotFound(f"no activity {activity_id}")
        if activity.ends_at <= clock.now():
            raise InvalidTransition(f"activity {activity_id} has ended: registration is closed")
        registrations = ActivityRegistration.filter(activity_id=activity_id).using_db(connection)
        if (
            enterprise_id is not None
            and await registrations.filter(enterprise_id=enterprise_id).exists()
        ):
            raise AlreadyRegistered(f"enterprise {enterprise_id} is already registered")
        if await registrations.count() >= activity.capacity:
            raise CapacityReached(
                f"activity {activity_id} is full ({activity.capacity} places)",
                capacity=activity.capacity,
            )
        try:
            return await ActivityRegistration.create(
                activity_id=activity_id,
                enterprise_id=enterprise_id,
                participant_name=participant_name,
                using_db=connection,
            )
        except IntegrityError:
            # The unique (activity, enterprise) pair: the last line of defence.
            raise AlreadyRegistered(f"enterprise {enterprise_id} is already registered") from None


async def record_attendance(
    actor: Actor, activity_id: uuid.UUID, registration_ids: list[uuid.UUID]
) -> Activity:
    """Mark registrations as attended, one ``activity.attendance_recorded`` event each."""
    require(actor, WRITE_ROLES, "record attendance")
    wanted = set(registration_ids)
    if not wanted:
        raise InputError("name at least one registration")
    async with in_transaction() as connection:
        activity = (
            await Activity.filter(id=activity_id).select_for_update().using_db(connection).first()
        )
        if activity is None:
            raise NotFound(f"no activity {activity_id}")
        now = clock.now()
        if activity.starts_at > now:
            raise InvalidTransition(f"activity {activity_id} has not started yet")
        rows = await ActivityRegistration.filter(id__in=wanted, activity_id=activity_id).using_db(
            connection
        )
        missing = wanted - {row.id for row in rows}
        if missing:
            raise NotFound(
                f"no registration {', '.join(sorted(map(str, missing)))} for this activity"
            )
        attended = sorted(str(row.id) for row in rows if row.attended_at is not None)
        if attended:
            raise InvalidTransition(f"attendance already recorded for {', '.join(attended)}")
        await (
            ActivityRegistration.filter(id__in=wanted).using_db(connection).update(attended_at=now)
        )
        for row in sorted(rows, key=lambda r: r.id):
            await events.emit(
                event_kinds.ATTENDANCE_RECORDED,
                row.id,
                # No participant name: personal data stays out of events.
                {
                    "activity": activity_id,
                    "registration": row.id,
                    "enterprise": row.enterprise_id,
                    "attendedAt": now,
                },
                connection,
            )
    return activity


async def rate_activity(
    actor: Actor, registration_id: uuid.UUID, rating: int, comment: str = ""
) -> ActivityRegistration:
    """The participant's feedback on an activity they attended, recorded once."""
    require(actor, WRITE_ROLES, "record activity feedback")
    if not 1 <= rating <= 5:
        raise InputError("rating must be between 1 and 5")
    async with in_transaction() as connection:
        registration = (
            await ActivityRegistration.filter(id=registration_id)
            .select_for_update()
            .using_db(connection)
            .first()
        )
        if registration is None:
            raise NotFound(f"no registration {registration_id}")
        if registration.attended_at is None:
            raise InvalidTransition("only a participant who attended can rate the activity")
        if registration.rating is not None:
            raise FeedbackExists(f"registration {registration_id} has already rated the activity")
        registration.rating, registration.comment = rating, comment.strip()
        await registration.save(update_fields=["rating", "comment"], using_db=connection)
    return registration


async def list_activities(
    activity_filter: ActivityFilter, first: int, after: str | None
) -> Page[Activity]:
    """The public schedule: anyone may read it."""
    query = Activity.all()
    f = activity_filter
    if f.kind is not None:
        query = query.filter(kind=ActivityKind(f.kind).value)
    query = within(query, "starts_at", f.from_date, f.to_date, f.timezone)
    return await paginate(query, first, after)


async def get_activity(activity_id: uuid.UUID) -> Activity:
    activity = await Activity.get_or_none(id=activity_id)
    if activity is None:
        raise NotFound(f"no activity {activity_id}")
    return activity


async def figures(activity_ids: list[uuid.UUID]) -> dict[uuid.UUID, Figures]:
    """Registrations, attendance and average rating of each activity: one grouped query."""
    if not activity_ids:
        return {}
    # Sum and count, not AVG: Tortoise would cast an AVG of a SMALLINT column back to int.
    rows = (
        await ActivityRegistration.filter(activity_id__in=activity_ids)
        .annotate(
            registrations=Count("id"),
            attended=Count("attended_at"),
            rated=Count("rating"),
            rating_sum=Sum("rating"),
        )
        .group_by("activity_id")
        .values("activity_id", "registrations", "attended", "rated", "rating_sum")
    )
    result = {key: Figures() for key in activity_ids}
    for row in rows:
        rated = row["rated"]
        result[row["activity_id"]] = Figures(
            registrations=row["registrations"],
            attended=row["attended"],
            average_rating=round(row["rating_sum"] / rated, 2) if rated else None,
        )
    return result
