"""GraphQL of public service activities (公共服务活动): registration, attendance, feedback."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from federation.relay import PAGE, Connection, connection
from node.domain import activities
from node.domain.access import READ_ROLES, require
from node.models import Activity as ActivityRow
from node.models import ActivityRegistration as RegistrationRow
from node.models import Enterprise as EnterpriseRow
from node.schema.audit import mutation
from node.schema.catalogue import PayloadWarning
from node.schema.context import Context, Ctx
from node.schema.enterprises import Enterprise
from node.schema.enums import ActivityKind


@strawberry.type
class ActivityRegistration:
    id: strawberry.ID
    registered_at: datetime
    attended_at: datetime | None
    rating: int | None
    row: strawberry.Private[RegistrationRow]

    @strawberry.field(description="may hold personal information: STAFF and WINDOW_ADMIN only")
    def comment(self, info: Ctx) -> str | None:
        return info.context.personal(self.row.comment, "a participant's comment")

    @strawberry.field
    async def enterprise(self, info: Ctx) -> Enterprise | None:
        return await info.context.related(
            EnterpriseRow, self.row.enterprise_id, Enterprise.from_row
        )

    @strawberry.field(description="personal information: STAFF and WINDOW_ADMIN only")
    def participant_name(self, info: Ctx) -> str | None:
        return info.context.personal(self.row.participant_name, "a participant's name")

    @classmethod
    def from_row(cls, row: RegistrationRow, ctx: Context) -> ActivityRegistration:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            registered_at=row.created_at,
            attended_at=row.attended_at,
            rating=row.rating,
            row=row,
        )


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
    average_rating: float | None = strawberry.field(description="of attendees' ratings, 1–5")
    created_at: datetime

    @strawberry.field(description="the window's own users only; anonymous callers get an error")
    async def registrations(self, info: Ctx) -> list[ActivityRegistration]:
        ctx = info.context
        require(ctx.actor, READ_ROLES, "read activity registrations")
        loader = ctx.loaders.children(RegistrationRow, "activity_id")
        rows = await loader.load(ctx.local_id(self.id))
        return [ActivityRegistration.from_row(row, ctx) for row in rows]

    @classmethod
    def from_row(cls, row: ActivityRow, figures: activities.Figures, ctx: Context) -> Activity:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            title=row.title,
            kind=ActivityKind(row.kind),
            description=row.description,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            online=row.online,
            location=row.location,
            capacity=row.capacity,
            registration_count=figures.registrations,
            attendance_count=figures.attended,
            average_rating=figures.average_rating,
            created_at=row.created_at,
        )


async def _activity(row: ActivityRow, ctx: Context) -> Activity:
    figures = await activities.figures([row.id])
    return Activity.from_row(row, figures[row.id], ctx)


@strawberry.input
class ActivityFilter:
    kind: ActivityKind | None = None
    from_date: date | None = strawberry.field(default=None, description="starts on or after")
    to_date: date | None = strawberry.field(default=None, description="starts on or before")


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
    enterprise_id: strawberry.ID | None = strawberry.field(
        default=None, description="at most one registration per enterprise"
    )
    participant_name: str = ""


@strawberry.type
class ActivityPayload:
    activity: Activity
    warnings: list[PayloadWarning]


@strawberry.type
class ActivityRegistrationPayload:
    registration: ActivityRegistration
    activity: Activity
    warnings: list[PayloadWarning]


@strawberry.type
class ActivityQuery:
    @strawberry.field(description="the public schedule; registrations need a login")
    async def activities(
        self,
        info: Ctx,
        filter: ActivityFilter | None = None,
        first: int = PAGE,
        after: str | None = None,
    ) -> Connection[Activity]:
        ctx = info.context
        domain_filter = activities.ActivityFilter()
        if filter is not None:
            domain_filter = activities.ActivityFilter(
                kind=None if filter.kind is None else activities.ActivityKind(filter.kind.value),
                from_date=filter.from_date,
                to_date=filter.to_date,
                timezone=ctx.settings.timezone,
            )
        page = await activities.list_activities(domain_filter, first, after)
        figures = await activities.figures([row.id for row in page.items])
        return connection(page, lambda row: Activity.from_row(row, figures[row.id], ctx))


@strawberry.type
class ActivityMutation:
    @mutation()
    async def create_activity(self, info: Ctx, input: ActivityInput) -> ActivityPayload:
        ctx = info.context
        row = await activities.create_activity(
            ctx.actor,
            title=input.title,
            kind=activities.ActivityKind(input.kind.value),
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            capacity=input.capacity,
            online=input.online,
            location=input.location,
            description=input.description,
        )
        return ActivityPayload(activity=await _activity(row, ctx), warnings=[])

    @mutation(description="capacity is enforced; an enterprise registers once")
    async def register_for_activity(
        self, info: Ctx, activity_id: strawberry.ID, input: ActivityRegistrationInput
    ) -> ActivityRegistrationPayload:
        ctx = info.context
        enterprise_id = input.enterprise_id
        row = await activities.register_for_activity(
            ctx.actor,
            ctx.local_id(activity_id),
            None if enterprise_id is None else ctx.local_id(enterprise_id),
            input.participant_name,
        )
        activity = await activities.get_activity(row.activity_id)
        return ActivityRegistrationPayload(
            registration=ActivityRegistration.from_row(row, ctx),
            activity=await _activity(activity, ctx),
            warnings=[],
        )

    @mutation()
    async def record_attendance(
        self, info: Ctx, activity_id: strawberry.ID, registration_ids: list[strawberry.ID]
    ) -> ActivityPayload:
        ctx = info.context
        row = await activities.record_attendance(
            ctx.actor, ctx.local_id(activity_id), [ctx.local_id(i) for i in registration_ids]
        )
        return ActivityPayload(activity=await _activity(row, ctx), warnings=[])

    @mutation(description="an attendee's rating (1–5) of the activity, once")
    async def rate_activity(
        self, info: Ctx, registration_id: strawberry.ID, rating: int, comment: str = ""
    ) -> ActivityRegistrationPayload:
        ctx = info.context
        row = await activities.rate_activity(
            ctx.actor, ctx.local_id(registration_id), rating, comment
        )
        activity = await activities.get_activity(row.activity_id)
        return ActivityRegistrationPayload(
            registration=ActivityRegistration.from_row(row, ctx),
            activity=await _activity(activity, ctx),
            warnings=[],
        )
