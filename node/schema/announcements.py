"""GraphQL of announcements (信息发布) and their review."""

from __future__ import annotations

from datetime import datetime

import strawberry

from federation.relay import PAGE, Connection, connection
from node.domain import announcements
from node.domain.access import READ_ROLES
from node.models import Announcement as AnnouncementRow
from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.context import Context, Ctx
from node.schema.enums import AnnouncementStatus


@strawberry.type
class Announcement:
    id: strawberry.ID
    title: str
    body: str
    status: AnnouncementStatus
    from_hub: bool
    published_at: datetime | None
    created_at: datetime
    row: strawberry.Private[AnnouncementRow]

    # Who wrote and reviewed it is the window's internal business, not the public's: usernames,
    # shown like a demand's transitions to READONLY callers (the hub's where an agreement
    # shares the announcements), not to a hub delivery.
    @strawberry.field(description="the author's username; null for anonymous callers")
    def author(self, info: Ctx) -> str | None:
        return self.row.author if self._internal(info) else None

    @strawberry.field(description="the reviewer's username; null for anonymous callers")
    def reviewer(self, info: Ctx) -> str | None:
        return self.row.reviewer if self._internal(info) else None

    @strawberry.field(description="why it was rejected (or a note); null for anonymous callers")
    def review_comment(self, info: Ctx) -> str | None:
        return self.row.review_comment if self._internal(info) else None

    @staticmethod
    def _internal(info: Ctx) -> bool:
        return info.context.audit_actor.has_any(READ_ROLES)

    @classmethod
    def from_row(cls, row: AnnouncementRow, ctx: Context) -> Announcement:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            title=row.title,
            body=row.body,
            status=AnnouncementStatus(row.status),
            from_hub=row.from_hub,
            published_at=row.published_at,
            created_at=row.created_at,
            row=row,
        )


@strawberry.input
class AnnouncementFilter:
    status: AnnouncementStatus | None = None


@strawberry.input
class AnnouncementInput:
    title: str
    body: str


@strawberry.type
class AnnouncementPayload:
    announcement: Announcement
    warnings: list[PayloadWarning]


@strawberry.type
class AnnouncementQuery:
    @strawberry.field(
        description="PUBLISHED ones for anonymous and READONLY callers; all for staff"
    )
    async def announcements(
        self,
        info: Ctx,
        filter: AnnouncementFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Announcement]:
        ctx = info.context
        status = None if filter is None or filter.status is None else filter.status.value
        page = await announcements.list_announcements(
            ctx.actor,
            announcements.AnnouncementFilter(
                status=None if status is None else announcements.AnnouncementStatus(status)
            ),
            first,
            after,
        )
        return connection(page, lambda row: Announcement.from_row(row, ctx))


def _payload(row: AnnouncementRow, ctx: Context) -> AnnouncementPayload:
    return AnnouncementPayload(announcement=Announcement.from_row(row, ctx), warnings=[])


@strawberry.type
class AnnouncementMutation:
    @mutation(description="a DRAFT written by the caller")
    async def create_announcement(self, info: Ctx, input: AnnouncementInput) -> AnnouncementPayload:
        ctx = info.context
        row = await announcements.create_announcement(ctx.actor, input.title, input.body)
        return _payload(row, ctx)

    @mutation(description="DRAFT → IN_REVIEW, by the author or a WINDOW_ADMIN")
    async def submit_announcement_for_review(
        self, info: Ctx, id: strawberry.ID
    ) -> AnnouncementPayload:
        ctx = info.context
        row = await announcements.submit_announcement_for_review(ctx.actor, ctx.local_id(id))
        return _payload(row, ctx)

    @mutation(description="IN_REVIEW → PUBLISHED or REJECTED (with a comment); never by the author")
    async def review_announcement(
        self, info: Ctx, id: strawberry.ID, approve: bool, comment: str | None = None
    ) -> AnnouncementPayload:
        ctx = info.context
        row = await announcements.review_announcement(ctx.actor, ctx.local_id(id), approve, comment)
        return _payload(row, ctx)
