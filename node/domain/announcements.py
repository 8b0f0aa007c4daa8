"""Announcements (信息发布) and their review: DRAFT → IN_REVIEW → PUBLISHED | REJECTED.

Only PUBLISHED announcements are public. A reviewer is never the author (four-eyes rule).
The hub's broadcasts arrive already PUBLISHED, marked ``from_hub`` (``receive_broadcast``).
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from federation.errors import Forbidden, InputError, InvalidTransition, NotFound
from federation.inputs import check_lengths
from federation.pagination import Page, paginate
from node import clock
from node.domain.access import WRITE_ROLES, Actor, Role, require
from node.models import Announcement


class AnnouncementStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    IN_REVIEW = "IN_REVIEW"
    PUBLISHED = "PUBLISHED"
    REJECTED = "REJECTED"


@dataclass
class AnnouncementFilter:
    status: AnnouncementStatus | None = None


async def create_announcement(actor: Actor, title: str, body: str) -> Announcement:
    require(actor, WRITE_ROLES, "write announcements")
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise InputError("an announcement needs a title and a body")
    check_lengths(Announcement, {"title": title})
    return await Announcement.create(
        title=title, body=body, status=AnnouncementStatus.DRAFT.value, author=actor.username
    )


async def receive_broadcast(
    actor: Actor, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> Announcement:
    """A policy or notice the hub broadcast (``node.domain.hub_messages``): published as it is,
    the hub having reviewed it. The author is the hub user who published it."""
    title, body = str(payload.get("title", "")).strip(), str(payload.get("body", "")).strip()
    if not title or not body:
        raise InputError("a broadcast needs a title and a body")
    author = f"hub:{payload.get('author', '')}"[:64]
    check_lengths(Announcement, {"title": title})
    return await Announcement.create(
        title=title,
        body=body,
        status=AnnouncementStatus.PUBLISHED.value,
        author=author,
        from_hub=True,
        published_at=clock.now(),
        using_db=connection,
    )


async def _locked(
    announcement_id: uuid.UUID, expected: AnnouncementStatus, connection: BaseDBAsyncClient
) -> Announcement:
    announcement = (
        await Announcement.filter(id=announcement_id)
        .select_for_update()
        .using_db(connection)
        .first()
    )
    if announcement is None:
        raise NotFound(f"no announcement {announcement_id}")
    if announcement.status != expected:
        raise InvalidTransition(
            f"announcement {announcement_id} is {announcement.status}, not {expected}"
        )
    return announcement


async def submit_announcement_for_review(actor: Actor, announcement_id: uuid.UUID) -> Announcement:
    require(actor, WRITE_ROLES, "submit announcements for review")
    async with in_transaction() as connection:
        announcement = await _locked(announcement_id, AnnouncementStatus.DRAFT, connection)
        if announcement.author != actor.username and Role.WINDOW_ADMIN not in actor.roles:
            raise Forbidden("only the author or a WINDOW_ADMIN submits an announcement")
        announcement.status = AnnouncementStatus.IN_REVIEW.value
        await announcement.save(update_fields=["status", "updated_at"], using_db=connection)
    return announcement


async def review_announcement(
    actor: Actor, announcement_id: uuid.UUID, approve: bool, comment: str | None
) -> Announcement:
    """Publish or reject; a rejection says why."""
    require(actor, WRITE_ROLES, "review announcements")
    comment = (comment or "").strip() or None
    async with in_transaction() as connection:
        announcement = await _locked(announcement_id, AnnouncementStatus.IN_REVIEW, connection)
        if announcement.author == actor.username:
            raise Forbidden("the author cannot review their own announcement")
        if not approve and comment is None:
            raise InputError("a rejection needs a comment saying why")
        if approve:
            announcement.status = AnnouncementStatus.PUBLISHED.value
            announcement.published_at = clock.now()
        else:
            announcement.status = AnnouncementStatus.REJECTED.value
        announcement.reviewer = actor.username
        if comment is not None:
            announcement.review_comment = comment
        await announcement.save(
            update_fields=["status", "published_at", "reviewer", "review_comment", "updated_at"],
            using_db=connection,
        )
    return announcement


async def list_announcements(
    actor: Actor, announcement_filter: AnnouncementFilter, first: int, after: str | None
) -> Page[Announcement]:
    """Staff see every announcement; anonymous and READONLY callers only PUBLISHED ones."""
    query = Announcement.all()
    if not actor.has_any(WRITE_ROLES):
        query = query.filter(status=AnnouncementStatus.PUBLISHED.value)
    if announcement_filter.status is not None:
        query = query.filter(status=announcement_filter.status.value)
    return await paginate(query, first, after)
