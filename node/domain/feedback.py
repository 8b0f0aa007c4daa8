"""Feedback (满意度评价) on completed service records, one-time feedback links, follow-ups (回访).

Feedback is written once per service record: the unique ``feedback.service_record_id`` column
decides between concurrent submissions. Comments and follow-up results may hold personal data,
so they stay out of the hashed chain content; the rating, channel and actor go in.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.errors import (
    FeedbackExists,
    InputError,
    InvalidLink,
)
from federation.inputs import required_text
from node import clock
from node.domain import chain, event_kinds, events
from node.domain.access import WRITE_ROLES, Actor, require
from node.domain.records import locked_record
from node.models import Feedback, FeedbackLink, FollowUp, Service, ServiceRecord

DEFAULT_LINK_TTL = timedelta(days=30)
# Who the chain names for feedback given through a link: the enterprise has no account.
LINK_ACTOR = "enterprise"
CHAIN_KIND_FEEDBACK = "FEEDBACK"
CHAIN_KIND_FOLLOW_UP = "FOLLOW_UP"
MAX_COMMENT = 2000
FOLLOW_UP_CHANNEL = FollowUp._meta.fields_map["channel"]  # its width bounds the input


class FeedbackChannel(enum.StrEnum):
    PHONE_CALLBACK = "PHONE_CALLBACK"
    ONE_TIME_LINK = "ONE_TIME_LINK"
    ON_SITE = "ON_SITE"


# Staff record what an enterprise told them; ONE_TIME_LINK is only ever the enterprise itself.
STAFF_CHANNELS = frozenset({FeedbackChannel.PHONE_CALLBACK, FeedbackChannel.ON_SITE})


class LinkProblem(enum.StrEnum):
    """Why a link is refused, in ``INVALID_LINK``'s ``reason`` extension."""

    UNKNOWN = "UNKNOWN"
    USED = "USED"
    EXPIRED = "EXPIRED"


@dataclass(frozen=True)
class IssuedLink:
    token: str  # shown once; only its hash is stored
    expires_at: datetime


@dataclass(frozen=True)
class LinkedService:
    """What the feedback page may show: the service, never the enterprise or its people."""

    service_name: str
    completed_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _checked_comment(rating: int, comment: str) -> str:
    """The trimmed comment, once the rating and the comment are both acceptable."""
    if not 1 <= rating <= 5:
        raise InputError("rating must be from 1 to 5", field="rating")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InputError(f"comment is longer than {MAX_COMMENT} characters", field="comment")
    return comment


async def _write_feedback(
    service_record_id: uuid.UUID,
    rating: int,
    comment: str,
    channel: FeedbackChannel,
    actor_name: str,
    connection: BaseDBAsyncClient,
) -> Feedback:
    """The feedback row, its chain entry and its event, inside the caller's transaction."""
    await locked_record(service_record_id, connection, completed=True)
    try:
        feedback = await Feedback.create(
            service_record_id=service_record_id,
            rating=rating,
            comment=comment,
            channel=channel.value,
            actor=actor_name,
            using_db=connection,
        )
    except IntegrityError:
        raise FeedbackExists(f"service record {service_record_id} already has feedback") from None
    # The time counts too: moving feedback into another period would change the indicators.
    content = {"rating": rating, "channel": channel.value, "at": feedback.created_at}
    entry = await chain.append(
        service_record_id, CHAIN_KIND_FEEDBACK, actor_name, content, connection
    )
    await events.emit(
        event_kinds.FEEDBACK_RECEIVED,
        service_record_id,
        {**content, "feedback": feedback.id, "position": entry.position},
        connection,
    )
    return feedback


async def submit_feedback(
    actor: Actor,
    service_record_id: uuid.UUID,
    rating: int,
    comment: str = "",
    channel: FeedbackChannel = FeedbackChannel.PHONE_CALLBACK,
) -> Feedback:
    """Staff record the enterprise's rating, given on a phone callback or on site."""
    require(actor, WRITE_ROLES, "record feedback")
    if channel not in STAFF_CHANNELS:
        raise InputError(f"staff record feedback given by {' or '.join(sorted(STAFF_CHANNELS))}")
    comment = _checked_comment(rating, comment)
    async with in_transaction() as connection:
        return await _write_feedback(
            service_record_id, rating, comment, channel, actor.username, connection
        )


async def create_feedback_link(
    actor: Actor, service_record_id: uuid.UUID, ttl: timedelta = DEFAULT_LINK_TTL
) -> IssuedLink:
    """A one-time link for a completed record that has no feedback yet."""
    require(actor, WRITE_ROLES, "create feedback links")
    if ttl <= timedelta(0):
        raise InputError("a feedback link must live for some time")
    async with in_transaction() as connection:
        await locked_record(service_record_id, connection, completed=True)
        if await Feedback.filter(service_record_id=service_record_id).using_db(connection).exists():
            raise FeedbackExists(f"service record {service_record_id} already has feedback")
        token = secrets.token_urlsafe(32)
        link = await FeedbackLink.create(
            service_record_id=service_record_id,
            token_hash=token_hash(token),
            expires_at=clock.now() + ttl,
            using_db=connection,
        )
    return IssuedLink(token=token, expires_at=link.expires_at)


def _check_link(link: FeedbackLink | None, now: datetime) -> FeedbackLink:
    if link is None:
        raise InvalidLink("this feedback link does not exist", reason=LinkProblem.UNKNOWN.value)
    if link.used_at is not None:
        raise InvalidLink("this feedback link was already used", reason=LinkProblem.USED.value)
    if link.expires_at <= now:
        raise InvalidLink("this feedback link has expired", reason=LinkProblem.EXPIRED.value)
    return link


async def describe_link(token: str) -> LinkedService:
    """The service a usable link rates: else INVALID_LINK (with a reason) or FEEDBACK_EXISTS."""
    link = _check_link(await FeedbackLink.get_or_none(token_hash=token_hash(token)), clock.now())
    record = await ServiceRecord.get(id=link.service_record_id)
    # Staff may have recorded the rating by phone since the link was made.
    if await Feedback.exists(service_record_id=record.id):
        raise FeedbackExists(f"service record {record.id} already has feedback")
    service = await Service.get(id=record.service_id)
    return LinkedService(service_name=service.name, completed_at=record.completed_at)


async def submit_feedback_by_link(
    token: str,
    rating: int,
    comment: str = "",
    service_record_id: uuid.UUID | None = None,
) -> Feedback:
    """The enterprise rates through its one-time link, which is spent in the same transaction.

    ``service_record_id``, when given, must be the link's record (a GraphQL caller names both).
    """
    comment = _checked_comment(rating, comment)
    async with in_transaction() as connection:
        # Locked, so two submissions through one link cannot both find it unused.
        now = clock.now()
        link = _check_link(
            await FeedbackLink.filter(token_hash=token_hash(token))
            .select_for_update()
            .using_db(connection)
            .first(),
            now,
        )
        if service_record_id is not None and link.service_record_id != service_record_id:
            raise InvalidLink(
                "this feedback link is for another service record",
                reason=LinkProblem.UNKNOWN.value,
            )
        feedback = await _write_feedback(
            link.service_record_id,
            rating,
            comment,
            FeedbackChannel.ONE_TIME_LINK,
            LINK_ACTOR,
            connection,
        )
        link.used_at = now
        await link.save(update_fields=["used_at"], using_db=connection)
    return feedback


async def add_follow_up(
    actor: Actor, service_record_id: uuid.UUID, channel: str, result: str
) -> FollowUp:
    """A callback (回访) after the service, recorded by staff.

    The chain gets an entry with the channel only, so that a follow-up, its time and who made
    it cannot be added or removed unnoticed; the result text may hold personal data and stays
    out of the hashed content.
    """
    require(actor, WRITE_ROLES, "record follow-ups")
    channel = required_text(channel, "channel", FOLLOW_UP_CHANNEL.max_length)
    result = result.strip()
    if not result:
        raise InputError("result must not be empty", field="result")
    async with in_transaction() as connection:
        await locked_record(service_record_id, connection, completed=True)
        follow_up = await FollowUp.create(
            service_record_id=service_record_id,
            channel=channel,
            result=result,
            actor=actor.username,
            using_db=connection,
        )
        await chain.append(
            service_record_id,
            CHAIN_KIND_FOLLOW_UP,
            actor.username,
            {"followUp": follow_up.id, "channel": channel, "at": follow_up.created_at},
            connection,
        )
    return follow_up
