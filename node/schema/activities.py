"""GraphQL of public service activities (公共服务活动): registration, attendance, feedback."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.enums import ActivityKind
from node.schema.relay import PAGE, Connection
from node.schema.unavailable import unavailable


@strawberry.type
class Activity:
    id: strawberry.ID
    title: str
    kind: ActivityKind
    description: str
    starts_at: datetime
    ends_at: datetime
    online: bool
    location: str
    capacity: int
    registration_count: int
    attendance_count: int
    average_rating: float | None
    created_at: datetime


@strawberry.input
class ActivityFilter:
    kind: ActivityKind | None = None
    from_date: date | None = None
    to_date: date | None = None


@strawberry.input
class ActivityInput:
    title: str
    kind: ActivityKind
    starts_at: datetime
    ends_at: datetime
    capacity: int
    online: bool = False
    location: str = ""
    description: str = ""


@strawberry.input
class ActivityRegistrationInput:
    enterprise_id: strawberry.ID | None = None
    participant_name: str = ""


@strawberry.type
class ActivityPayload:
    activity: Activity
    warnings: list[PayloadWarning]


@strawberry.type
class ActivityQuery:
    @strawberry.field
    def activities(
        self, filter: ActivityFilter | None = None, first: int = PAGE, after: str | None = None
    ) -> Connection[Activity]:
        raise unavailable()


@strawberry.type
class ActivityMutation:
    @mutation()
    async def create_activity(self, input: ActivityInput) -> ActivityPayload:
        raise unavailable()

    @mutation()
    async def register_for_activity(
        self, activity_id: strawberry.ID, input: ActivityRegistrationInput
    ) -> ActivityPayload:
        raise unavailable()

    @mutation()
    async def record_attendance(
        self, activity_id: strawberry.ID, registration_ids: list[strawberry.ID]
    ) -> ActivityPayload:
        raise unavailable()
