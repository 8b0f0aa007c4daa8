"""GraphQL of announcements (信息发布) and their review."""

from __future__ import annotations

from datetime import datetime

import strawberry

from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.enums import AnnouncementStatus
from node.schema.relay import PAGE, Connection
from node.schema.unavailable import unavailable


@strawberry.type
class Announcement:
    id: strawberry.ID
    title: str
    body: str
    status: AnnouncementStatus
    author: str
    reviewer: str | None
    review_comment: str | None
    from_hub: bool
    published_at: datetime | None
    created_at: datetime


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
    @strawberry.field
    def announcements(
        self,
        filter: AnnouncementFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Announcement]:
        raise unavailable()


@strawberry.type
class AnnouncementMutation:
    @mutation()
    async def create_announcement(self, input: AnnouncementInput) -> AnnouncementPayload:
        raise unavailable()

    @mutation()
    async def submit_announcement_for_review(self, id: strawberry.ID) -> AnnouncementPayload:
        raise unavailable()

    @mutation(description="approve or reject; the reviewer must not be the author")
    async def review_announcement(
        self, id: strawberry.ID, approve: bool, comment: str | None = None
    ) -> AnnouncementPayload:
        raise unavailable()
