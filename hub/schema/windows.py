"""GraphQL of the window registry and the onboarding workflow (``hub.domain.registry``).

The registry is public — publicity (公示) needs it to be — except what is for hub roles only:
contacts (personal information), reviews, objections, rejection reasons and histories. Those
fields are nullable, so a caller without a hub role gets the rest of the answer and one error
per such field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from federation.extensions import Write
from federation.ratelimit import client_address
from hub.domain import registry
from hub.models import Application as ApplicationRow
from hub.models import HubUser as UserRow
from hub.models import Objection as ObjectionRow
from hub.models import Review as ReviewRow
from hub.models import Window as WindowRow
from hub.models import WindowKey as KeyRow
from hub.models import WindowTransition as TransitionRow
from hub.schema.audit import mutation
from hub.schema.context import Context, Ctx
from hub.schema.enums import (
    Circuit,
    ObjectionResolution,
    ObjectionStatus,
    Recommendation,
    WindowKind,
    WindowStatus,
)


@strawberry.type
class WindowPlugin:
    """A plugin the window's node listed in its ``nodeInfo`` when it was connected."""

    name: str
    version: str
    namespace: str
    error: str | None


@strawberry.type
class WindowTransition:
    from_status: WindowStatus | None
    to_status: WindowStatus
    actor: str
    at: datetime
    note: str

    @classmethod
    def from_row(cls, row: TransitionRow) -> WindowTransition:
        return cls(
            from_status=WindowStatus(row.from_status) if row.from_status else None,
            to_status=WindowStatus(row.to_status),
            actor=row.actor,
            at=row.created_at,
            note=row.note,
        )


@strawberry.type
class WindowKey:
    """A public key of the window's node (JWK); tokens signed with a revoked one are refused."""

    kid: str
    jwk: JSON
    added_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_row(cls, row: KeyRow) -> WindowKey:
        return cls(kid=row.kid, jwk=row.jwk, added_at=row.created_at, revoked_at=row.revoked_at)


@strawberry.type
class MaterialItem:
    title: str
    description: str
    url: str | None


@strawberry.type
class ApplicationContact:
    name: str
    phone: str
    email: str


@strawberry.type
class Review:
    id: strawberry.ID
    score: int
    opinion: str
    recommendation: Recommendation
    created_at: datetime
    row: strawberry.Private[ReviewRow]

    @strawberry.field(description="the reviewer's username")
    async def reviewer(self, info: Ctx) -> str:
        user = await info.context.loaders.of(UserRow).load(self.row.reviewer_id)
        return user.username if user else ""

    @strawberry.field
    async def window(self, info: Ctx) -> Window:
        return await _window_of_application(info.context, self.row.application_id)

    @classmethod
    def from_row(cls, row: ReviewRow, ctx: Context) -> Review:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            score=row.score,
            opinion=row.opinion,
            recommendation=Recommendation(row.recommendation),
            created_at=row.created_at,
            row=row,
        )


@strawberry.type
class Objection:
    id: strawberry.ID
    text: str
    filed_by: str = strawberry.field(description='a username, or "anonymous"')
    status: ObjectionStatus
    resolution_note: str
    resolved_by: str | None
    resolved_at: datetime | None
    created_at: datetime
    row: strawberry.Private[ObjectionRow]

    @strawberry.field(description="how to reach the objector: hub roles only (personal data)")
    def contact(self, info: Ctx) -> str | None:
        info.context.hub_only("an objector's contact")
        return self.row.contact

    @strawberry.field
    async def window(self, info: Ctx) -> Window:
        return await _window_of_application(info.context, self.row.application_id)

    @classmethod
    def from_row(cls, row: ObjectionRow, ctx: Context) -> Objection:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            text=row.text,
            filed_by=row.filed_by,
            status=ObjectionStatus(row.status),
            resolution_note=row.resolution_note,
            resolved_by=row.resolved_by,
            resolved_at=row.resolved_at,
            created_at=row.created_at,
            row=row,
        )


@strawberry.type
class Application:
    """One application (申报) of a window and its materials; a re-application is a new round."""

    id: strawberry.ID
    round: int
    organisation: str
    service_scope: str
    industries: list[str]
    materials: list[MaterialItem]
    created_at: datetime
    row: strawberry.Private[ApplicationRow]

    @strawberry.field(description="hub roles only (personal data)")
    def contact(self, info: Ctx) -> ApplicationContact | None:
        info.context.hub_only("an application's contact")
        row = self.row
        return ApplicationContact(
            name=row.contact_name, phone=row.contact_phone, email=row.contact_email
        )

    @strawberry.field(description="the HUB_OPERATOR who filed it: hub roles only")
    def submitted_by(self, info: Ctx) -> str | None:
        info.context.hub_only("who filed an application")
        return self.row.submitted_by

    @strawberry.field(description="expert reviews, oldest first: hub roles only")
    async def reviews(self, info: Ctx) -> list[Review] | None:
        ctx = info.context
        ctx.hub_only("reviews")
        rows = await ctx.loaders.children(ReviewRow, "application_id").load(self.row.id)
        return [Review.from_row(row, ctx) for row in rows]

    @strawberry.field(description="objections filed during its publicity: hub roles only")
    async def objections(
        self, info: Ctx, status: ObjectionStatus | None = None
    ) -> list[Objection] | None:
        ctx = info.context
        ctx.hub_only("objections")
        rows = await ctx.loaders.children(ObjectionRow, "application_id").load(self.row.id)
        return [
            Objection.from_row(row, ctx) for row in rows if status is None or row.status == status
        ]

    @classmethod
    def from_row(cls, row: ApplicationRow, ctx: Context) -> Application:
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            round=row.round,
            organisation=row.organisation,
            service_scope=row.service_scope,
            industries=list(row.industries),
            materials=[
                MaterialItem(title=m["title"], description=m["description"], url=m.get("url"))
                for m in row.materials
            ],
            created_at=row.created_at,
            row=row,
        )


@strawberry.type
class WindowHealth:
    """The hub's circuit breaker for the window's node (DESIGN §6): OPEN after repeated
    failures, when the window is reported unavailable at once until a cool-down has passed."""

    state: Circuit
    failures_in_a_row: int


@strawberry.type
class Window:
    """A window platform in the hub's registry (DESIGN §6)."""

    id: strawberry.ID = strawberry.field(
        description="the window id its node's record IDs start with"
    )
    name: str
    kind: WindowKind
    region_code: str
    status: WindowStatus
    endpoint: str | None = strawberry.field(description="the node's GraphQL URL, once connected")
    core_schema_version: str | None
    node_version: str | None
    plugins: list[WindowPlugin]
    sdl_hash: str | None = strawberry.field(description="SHA-256 of the SDL read at connection")
    connected_at: datetime | None
    publicity_starts_at: datetime | None
    publicity_ends_at: datetime | None
    status_reason: str | None = strawberry.field(description="why it was suspended or revoked")
    created_at: datetime
    updated_at: datetime
    row: strawberry.Private[WindowRow]

    @strawberry.field(description="how its node answered this hub process lately")
    def health(self, info: Ctx) -> WindowHealth:
        state, failures = info.context.network.gatherer.health(self.row.window_id)
        return WindowHealth(state=state, failures_in_a_row=failures)

    @strawberry.field(description="the reviewers' or the upheld objection's: hub roles only")
    def rejection_reasons(self, info: Ctx) -> list[str] | None:
        info.context.hub_only("rejection reasons")
        return list(self.row.rejection_reasons)

    @strawberry.field(description="the current (latest) application")
    async def application(self, info: Ctx) -> Application:
        applications = await self._applications(info.context)
        return applications[0]

    @strawberry.field(description="every application, newest first")
    async def applications(self, info: Ctx) -> list[Application]:
        return await self._applications(info.context)

    @strawberry.field(description="every status change, oldest first: hub roles only")
    async def history(self, info: Ctx) -> list[WindowTransition] | None:
        ctx = info.context
        ctx.hub_only("a window's history")
        rows = await ctx.loaders.children(TransitionRow, "window_id").load(self.row.id)
        return [WindowTransition.from_row(row) for row in rows]

    @strawberry.field(description="its node's public keys, revoked ones included")
    async def keys(self, info: Ctx) -> list[WindowKey]:
        rows = await info.context.loaders.children(KeyRow, "window_id").load(self.row.id)
        return [WindowKey.from_row(row) for row in rows]

    async def _applications(self, ctx: Context) -> list[Application]:
        loader = ctx.loaders.children(ApplicationRow, "window_id", "-round")
        return [Application.from_row(row, ctx) for row in await loader.load(self.row.id)]

    @classmethod
    def from_row(cls, row: WindowRow) -> Window:
        return cls(
            id=strawberry.ID(row.window_id),
            name=row.name,
            kind=WindowKind(row.kind),
            region_code=row.region_code,
            status=WindowStatus(row.status),
            endpoint=row.endpoint or None,
            core_schema_version=row.core_schema_version or None,
            node_version=row.node_version or None,
            plugins=[
                WindowPlugin(
                    name=p["name"], version=p["version"], namespace=p["namespace"], error=p["error"]
                )
                for p in row.plugins
            ],
            sdl_hash=row.sdl_hash or None,
            connected_at=row.connected_at,
            publicity_starts_at=row.publicity_starts_at,
            publicity_ends_at=row.publicity_ends_at,
            status_reason=row.status_reason or None,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
        )


async def window_by_key(ctx: Context, key: Any) -> Window:
    """The registry row of primary key ``key``, batched with the others of the request."""
    window = await ctx.loaders.of(WindowRow).load(key)
    assert window is not None
    return Window.from_row(window)


async def _window_of_application(ctx: Context, application_id: Any) -> Window:
    application = await ctx.loaders.of(ApplicationRow).load(application_id)
    assert application is not None
    return await window_by_key(ctx, application.window_id)


# Input


@strawberry.input
class MaterialItemInput:
    title: str
    description: str = ""
    url: str | None = None


@strawberry.input
class ApplicationContactInput:
    name: str
    phone: str = ""
    email: str = ""


@strawberry.input
class WindowApplicationInput:
    window_id: str = strawberry.field(description="the window id its node was initialised with")
    name: str
    kind: WindowKind
    region_code: str
    organisation: str
    contact: ApplicationContactInput
    service_scope: str
    industries: list[str] = strawberry.field(default_factory=list)
    materials: list[MaterialItemInput] = strawberry.field(default_factory=list)


@strawberry.type
class WindowQuery:
    @strawberry.field(description="the registry by window id; region is a region-code prefix")
    async def windows(
        self, status: WindowStatus | None = None, region: str | None = None
    ) -> list[Window]:
        rows = await registry.list_windows(status.value if status else None, region)
        return [Window.from_row(row) for row in rows]

    @strawberry.field
    async def window(self, id: strawberry.ID) -> Window | None:
        row = await registry.get_window(id)
        return None if row is None else Window.from_row(row)

    @strawberry.field(
        description="the window whose node signed this request's token; null for users"
    )
    async def caller_window(self, info: Ctx) -> Window | None:
        window_id = info.context.actor.via
        row = None if window_id is None else await registry.get_window(window_id)
        return None if row is None else Window.from_row(row)


@strawberry.type
class WindowMutation:
    @mutation(description="HUB_OPERATOR files a window's application (or a REJECTED one's next)")
    async def apply_window(self, info: Ctx, input: WindowApplicationInput) -> Window:
        form = registry.ApplicationForm(
            window_id=input.window_id,
            name=input.name,
            kind=input.kind.value,
            region_code=input.region_code,
            organisation=input.organisation,
            contact_name=input.contact.name,
            contact_phone=input.contact.phone,
            contact_email=input.contact.email,
            service_scope=input.service_scope,
            industries=input.industries,
            materials=[
                registry.Material(title=m.title, description=m.description, url=m.url)
                for m in input.materials
            ],
        )
        return Window.from_row(await registry.apply(info.context.actor, form))

    @mutation(description="HUB_OPERATOR: APPLIED → UNDER_REVIEW")
    async def start_review(self, info: Ctx, id: strawberry.ID, note: str = "") -> Window:
        return Window.from_row(await registry.start_review(info.context.actor, id, note))

    @mutation(description="EXPERT_REVIEWER; the last review needed decides the application")
    async def submit_review(
        self,
        info: Ctx,
        id: strawberry.ID,
        score: int,
        opinion: str,
        recommendation: Recommendation,
    ) -> Review:
        ctx = info.context
        row = await registry.submit_review(
            ctx.actor, id, score, opinion, recommendation.value, ctx.settings.reviews_required
        )
        return Review.from_row(row, ctx)

    @mutation(description="HUB_OPERATOR: APPROVED → IN_PUBLICITY for the configured days")
    async def start_publicity(self, info: Ctx, id: strawberry.ID) -> Window:
        ctx = info.context
        row = await registry.start_publicity(ctx.actor, id, ctx.settings.publicity_days)
        return Window.from_row(row)

    @mutation(
        description="anyone, while the window's publicity runs; a few open at once per address"
    )
    async def file_objection(
        self, info: Ctx, id: strawberry.ID, text: str, contact: str
    ) -> Objection:
        ctx = info.context
        ctx.rate_limit(ctx.objections, "objections")
        # Anonymous objectors are welcome; a bad token still counts as an error.
        row = await registry.file_objection(
            ctx.actor,
            id,
            text,
            contact,
            client_address(ctx.request),
            ctx.settings.max_open_objections_per_address,
        )
        return Objection.from_row(row, ctx)

    @mutation(description="HUB_OPERATOR; UPHELD rejects the window with the note as reason")
    async def resolve_objection(
        self, info: Ctx, id: strawberry.ID, resolution: ObjectionResolution, note: str
    ) -> Objection:
        ctx = info.context
        row = await registry.resolve_objection(ctx.actor, ctx.local_id(id), resolution.value, note)
        return Objection.from_row(row, ctx)

    @mutation(
        deferred=True,
        graphql_type=Window,
        description="HUB_OPERATOR, after the publicity: reads and checks the node at `endpoint`"
        " (its GraphQL URL), registers `jwk` (its public Ed25519 key, which the node must"
        " publish; left out: the node's one published key); then CONNECTED",
    )
    async def connect_window(
        self, info: Ctx, id: strawberry.ID, endpoint: str, jwk: JSON | None = None
    ) -> Write[Window]:
        ctx = info.context
        checked = await registry.check_connection(
            ctx.actor, id, endpoint, jwk, ctx.settings.node_timeout_seconds
        )

        async def write() -> Window:
            return Window.from_row(await registry.connect_window(ctx.actor, checked))

        return Write(write)

    @mutation(description="HUB_OPERATOR: CONNECTED | RECTIFYING → SUSPENDED")
    async def suspend_window(self, info: Ctx, id: strawberry.ID, reason: str) -> Window:
        return Window.from_row(await registry.suspend(info.context.actor, id, reason))

    @mutation(description="HUB_OPERATOR: SUSPENDED → CONNECTED")
    async def reinstate_window(self, info: Ctx, id: strawberry.ID, note: str = "") -> Window:
        return Window.from_row(await registry.reinstate(info.context.actor, id, note))

    @mutation(description="HUB_ADMIN: CONNECTED | RECTIFYING | SUSPENDED → REVOKED, keys too")
    async def revoke_window(self, info: Ctx, id: strawberry.ID, reason: str) -> Window:
        return Window.from_row(await registry.revoke(info.context.actor, id, reason))

    @mutation(description="HUB_OPERATOR: another key of a connected window's node (rotation)")
    async def add_window_key(self, info: Ctx, id: strawberry.ID, jwk: JSON) -> WindowKey:
        return WindowKey.from_row(await registry.add_window_key(info.context.actor, id, jwk))

    @mutation(description="HUB_OPERATOR: tokens signed with this key are refused from now on")
    async def revoke_window_key(self, info: Ctx, id: strawberry.ID, kid: str) -> WindowKey:
        return WindowKey.from_row(await registry.revoke_window_key(info.context.actor, id, kid))
