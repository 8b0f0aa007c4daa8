"""The straightforward alternative: the schema a team would write first, over the same tables.

Resolvers call Tortoise directly, one query per service for its agency (no DataLoader), no
parser or validation cache, no extensions, and plain ``strawberry.asgi.GraphQL`` with stdlib json.
"""

from __future__ import annotations

import contextlib
import enum
import uuid
from collections.abc import AsyncIterator

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from tortoise import Tortoise, connections

from bench.data import network_id
from node import models
from node.db import tortoise_config


@strawberry.enum
class ServiceStatus(enum.Enum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    RETIRED = "RETIRED"


@strawberry.input
class ServiceFilter:
    status: ServiceStatus | None = None


@strawberry.type
class Agency:
    id: strawberry.ID
    name: str


@strawberry.type
class Service:
    id: strawberry.ID
    name: str
    category: str
    fee: str
    agency_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field
    async def agency(self) -> Agency | None:
        row = await models.Agency.get_or_none(id=self.agency_id)
        return None if row is None else Agency(id=strawberry.ID(network_id(row.id)), name=row.name)


@strawberry.type
class ServiceEdge:
    cursor: str
    node: Service


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class ServiceConnection:
    total_count: int
    edges: list[ServiceEdge]
    page_info: PageInfo


@strawberry.type
class Query:
    @strawberry.field
    async def services(
        self, first: int = 20, filter: ServiceFilter | None = None
    ) -> ServiceConnection:
        query = models.Service.all()
        if filter is not None and filter.status is not None:
            query = query.filter(status=filter.status.value)
        total = await query.count()
        rows = await query.order_by("-id").limit(first)
        edges = [
            ServiceEdge(
                cursor=str(row.id),
                node=Service(
                    id=strawberry.ID(network_id(row.id)),
                    name=row.name,
                    category=row.category,
                    fee=row.fee,
                    agency_id=row.agency_id,  # type: ignore[arg-type]
                ),
            )
            for row in rows
        ]
        return ServiceConnection(
            total_count=total,
            edges=edges,
            page_info=PageInfo(
                end_cursor=edges[-1].cursor if edges else None, has_next_page=total > len(rows)
            ),
        )


def create_app(db_url: str) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await Tortoise.init(config=tortoise_config(db_url), _enable_global_fallback=True)
        yield
        await connections.close_all()

    schema = strawberry.Schema(query=Query)
    return Starlette(routes=[Route("/graphql", GraphQL(schema))], lifespan=lifespan)
