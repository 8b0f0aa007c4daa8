"""The straightforward alternative: the schema a team would write first, over the same tables.

Resolvers call Tortoise directly, one query per service for its agency (no DataLoader), no
parser or validation cache, no extensions, and plain ``strawberry.asgi.GraphQL`` with stdlib json.
``stats`` runs one ORM query per indicator (per category too) and takes the medians and the
distinct enterprises in Python; ``serviceRecords`` counts the enterprise's records for
``hasNextPage``. Same period rules as the node: calendar days in Asia/Shanghai.
"""

from __future__ import annotations

import contextlib
import enum
import statistics
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from tortoise import Tortoise, connections

from bench.data import network_id
from node import models
from node.db import tortoise_config
from node.domain.catalogue import ServiceCategory
from node.domain.periods import period_bounds

TZ = "Asia/Shanghai"


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
class CategoryCount:
    category: str
    count: int


@strawberry.type
class Stats:
    services_delivered: int
    services_online: int
    services_offline: int
    services_by_category: list[CategoryCount]
    public_welfare_services: int
    enterprises_served: int
    activities: int
    activity_participants: int
    feedback_count: int
    satisfied_feedback: int
    satisfaction_rate: float | None
    demands_received: int
    demands_completed: int
    demands_rejected: int
    demands_escalated: int
    demands_open: int
    median_response_hours: float | None
    median_resolution_hours: float | None
    vouchers_issued: int
    vouchers_redeemed: int


async def median_hours(event: str, start: datetime, end: datetime) -> float | None:
    """Median hours from a demand's creation to ``event`` in the period, in Python."""
    rows = await models.Demand.filter(**{f"{event}__gte": start, f"{event}__lt": end}).values_list(
        "created_at", event
    )
    hours = [(at - created).total_seconds() / 3600 for created, at in rows]
    return statistics.median(hours) if hours else None


async def compute_stats(from_date: date | None, to_date: date | None) -> Stats:
    start, end = period_bounds(from_date, to_date, TZ)
    delivered = models.ServiceRecord.filter(
        status="COMPLETED", completed_at__gte=start, completed_at__lt=end
    )
    by_category = []
    for category in sorted(c.value for c in ServiceCategory):
        count = await delivered.filter(service__category=category).count()
        if count:
            by_category.append(CategoryCount(category=category, count=count))
    feedback = models.Feedback.filter(created_at__gte=start, created_at__lt=end)
    feedback_count = await feedback.count()
    satisfied = await feedback.filter(rating__gte=4).count()
    transitions = models.DemandTransition.filter(created_at__gte=start, created_at__lt=end)
    closed = await models.DemandTransition.filter(
        created_at__lt=end, to_status__in=["COMPLETED", "REJECTED", "ESCALATED", "CLOSED"]
    ).values_list("demand_id", flat=True)
    served = await delivered.values_list("enterprise_id", flat=True)
    return Stats(
        services_delivered=await delivered.count(),
        services_online=await delivered.filter(channel="ONLINE").count(),
        services_offline=await delivered.filter(channel="OFFLINE").count(),
        services_by_category=by_category,
        public_welfare_services=await delivered.filter(service__public_welfare=True).count(),
        enterprises_served=len(set(served)),
        activities=await models.Activity.filter(starts_at__gte=start, starts_at__lt=end).count(),
        activity_participants=await models.ActivityRegistration.filter(
            attended_at__gte=start, attended_at__lt=end
        ).count(),
        feedback_count=feedback_count,
        satisfied_feedback=satisfied,
        satisfaction_rate=satisfied / feedback_count if feedback_count else None,
        demands_received=await models.Demand.filter(
            created_at__gte=start, created_at__lt=end
        ).count(),
        demands_completed=await models.Demand.filter(
            completed_at__gte=start, completed_at__lt=end
        ).count(),
        demands_rejected=await transitions.filter(to_status="REJECTED").count(),
        demands_escalated=await transitions.filter(to_status="ESCALATED").count(),
        demands_open=await models.Demand.filter(created_at__lt=end).count() - len(set(closed)),
        median_response_hours=await median_hours("accepted_at", start, end),
        median_resolution_hours=await median_hours("completed_at", start, end),
        vouchers_issued=await models.Voucher.filter(
            created_at__gte=start, created_at__lt=end
        ).count(),
        vouchers_redeemed=await models.Voucher.filter(
            redeemed_at__gte=start, redeemed_at__lt=end
        ).count(),
    )


@strawberry.input
class ServiceRecordFilter:
    enterprise_id: strawberry.ID | None = None


@strawberry.type
class ServiceRecord:
    id: strawberry.ID
    channel: str
    status: str
    started_at: datetime | None
    completed_at: datetime | None


@strawberry.type
class ServiceRecordEdge:
    cursor: str
    node: ServiceRecord


@strawberry.type
class ServiceRecordConnection:
    edges: list[ServiceRecordEdge]
    page_info: PageInfo


def local_key(record_id: str) -> uuid.UUID:
    return uuid.UUID(record_id.rsplit(":", 1)[-1])


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

    @strawberry.field
    async def stats(
        self,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> Stats:
        return await compute_stats(from_, to)

    @strawberry.field
    async def service_records(
        self, first: int = 20, filter: ServiceRecordFilter | None = None
    ) -> ServiceRecordConnection:
        query = models.ServiceRecord.all()
        if filter is not None and filter.enterprise_id is not None:
            query = query.filter(enterprise_id=local_key(filter.enterprise_id))
        total = await query.count()
        rows = await query.order_by("-id").limit(first)
        edges = [
            ServiceRecordEdge(
                cursor=str(row.id),
                node=ServiceRecord(
                    id=strawberry.ID(network_id(row.id)),
                    channel=row.channel,
                    status=row.status,
                    started_at=row.started_at,
                    completed_at=row.completed_at,
                ),
            )
            for row in rows
        ]
        return ServiceRecordConnection(
            edges=edges,
            page_info=PageInfo(
                end_cursor=edges[-1].cursor if edges else None, has_next_page=total > len(rows)
            ),
        )


schema = strawberry.Schema(query=Query)


def create_app(db_url: str) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await Tortoise.init(config=tortoise_config(db_url), _enable_global_fallback=True)
        yield
        await connections.close_all()

    return Starlette(routes=[Route("/graphql", GraphQL(schema))], lifespan=lifespan)
