"""GraphQL of broadcasts (``hub.domain.broadcasts``): publish a policy or notice to windows, and
see where each window's delivery stands."""

from __future__ import annotations

from datetime import datetime

import strawberry

from federation.relay import PAGE, Connection, connection
from hub.domain import broadcasts
from hub.models import Broadcast as BroadcastRow
from hub.schema.audit import mutation
from hub.schema.context import Context, Ctx
from hub.schema.deliveries import HubDelivery, deliveries_of
from hub.schema.enums import WindowKind

BroadcastKind = strawberry.enum(broadcasts.BroadcastKind, name="BroadcastKind")


@strawberry.type
class BroadcastSelection:
    windows: list[str] | None
    region: str | None
    kind: WindowKind | None


@strawberry.type
class Broadcast:
    id: strawberry.ID
    kind: BroadcastKind
    title: str
    body: str
    selection: BroadcastSelection
    author: str
    created_at: datetime

    @strawberry.field(description="one per selected window, by window id")
    async def deliveries(self, info: Ctx) -> list[HubDelivery]:
        return await deliveries_of(info.context, self.id)

    @classmethod
    def from_row(cls, row: BroadcastRow, ctx: Context) -> Broadcast:
        chosen = row.selection
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            kind=BroadcastKind(row.kind),
            title=row.title,
            body=row.body,
            selection=BroadcastSelection(
                windows=chosen.get("windows"),
                region=chosen.get("region"),
                kind=WindowKind(chosen["kind"]) if chosen.get("kind") else None,
            ),
            author=row.author,
            created_at=row.created_at,
        )


@strawberry.input
class BroadcastSelectionInput:
    windows: list[str] | None = strawberry.field(default=None, description="window ids")
    region: str | None = strawberry.field(
        default=None, description='a region-code prefix: "44", "4403", "440305"'
    )
    kind: WindowKind | None = None


@strawberry.input
class BroadcastInput:
    kind: BroadcastKind
    title: str
    body: str
    selection: BroadcastSelectionInput | None = strawberry.field(
        default=None, description="every window on the network when not given"
    )


@strawberry.type
class BroadcastQuery:
    @strawberry.field(description="newest first: hub roles")
    async def broadcasts(
        self, info: Ctx, first: int = PAGE, after: str | None = None
    ) -> Connection[Broadcast]:
        ctx = info.context
        page = await broadcasts.list_broadcasts(ctx.actor, first, after)
        return connection(page, lambda row: Broadcast.from_row(row, ctx))

    @strawberry.field(description="hub roles")
    async def broadcast(self, info: Ctx, id: strawberry.ID) -> Broadcast:
        ctx = info.context
        row = await broadcasts.get_broadcast(ctx.actor, ctx.local_id(id))
        return Broadcast.from_row(row, ctx)


@strawberry.type
class BroadcastMutation:
    @mutation(description="to the windows on the network, or a selection: HUB_ADMIN, HUB_OPERATOR")
    async def publish_broadcast(self, info: Ctx, input: BroadcastInput) -> Broadcast:
        ctx = info.context
        chosen = input.selection or BroadcastSelectionInput()
        # The GraphQL enums are the domain's (strawberry.enum over them).
        selection = broadcasts.Selection(chosen.windows, chosen.region, chosen.kind)
        row = await broadcasts.publish_broadcast(
            ctx.actor, input.kind, input.title, input.body, selection
        )
        return Broadcast.from_row(row, ctx)
