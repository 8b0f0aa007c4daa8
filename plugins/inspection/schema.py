"""GraphQL of the inspection plugin: ``ext { inspection { … } }`` in queries, mutations and
stats. Thin resolvers over ``orders`` and ``indicators``."""

# No `from __future__ import annotations`: the mutation type is made inside a function.

import asyncio
from datetime import date, datetime

import strawberry

from node.plugins import api
from plugins.inspection import indicators, orders
from plugins.inspection.config import InspectionConfig
from plugins.inspection.models import InspectionOrder as OrderRow

InspectionOrderStatus = strawberry.enum(orders.OrderStatus, name="InspectionOrderStatus")
InspectionConclusion = strawberry.enum(orders.Conclusion, name="InspectionConclusion")


@strawberry.type(description="the result report of a test order")
class InspectionReport:
    number: str = strawberry.field(description="unique on this node")
    conclusion: InspectionConclusion
    summary: str
    reported_at: datetime


@strawberry.type(description="a sample tested by a lab against a standard (检验委托)")
class InspectionOrder:
    id: strawberry.ID
    enterprise_id: strawberry.ID
    enterprise_name: str
    lab_id: strawberry.ID = strawberry.field(description="the agency that does the testing")
    lab_name: str
    service_id: strawberry.ID | None = strawberry.field(
        description="the QUALITY_TESTING service it is delivered under, if any"
    )
    sample_description: str
    sample_quantity: int
    standard: str = strawberry.field(description="test standard or method, e.g. GB/T 2423.1-2008")
    received_on: date = strawberry.field(description="day the sample was received, local time")
    due_on: date = strawberry.field(description="day the report is due, local time")
    status: InspectionOrderStatus
    testing_started_at: datetime | None
    report: InspectionReport | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: OrderRow, ctx: api.Context) -> "InspectionOrder":
        report = None
        if row.report_number is not None:
            report = InspectionReport(
                number=row.report_number,
                conclusion=InspectionConclusion(row.conclusion),
                summary=row.report_summary or "",
                reported_at=row.reported_at,
            )
        service = row.service_id
        return cls(
            id=strawberry.ID(ctx.network_id(row.id)),
            enterprise_id=strawberry.ID(ctx.network_id(row.enterprise_id)),
            enterprise_name=row.enterprise.name,
            lab_id=strawberry.ID(ctx.network_id(row.lab_id)),
            lab_name=row.lab.name,
            service_id=None if service is None else strawberry.ID(ctx.network_id(service)),
            sample_description=row.sample_description,
            sample_quantity=row.sample_quantity,
            standard=row.standard,
            received_on=row.received_on,
            due_on=row.due_on,
            status=InspectionOrderStatus(row.status),
            testing_started_at=row.testing_started_at,
            report=report,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason,
            created_at=row.created_at,
        )


@strawberry.input
class InspectionOrderFilter:
    status: InspectionOrderStatus | None = None
    lab_id: strawberry.ID | None = None


@strawberry.input
class InspectionOrderInput:
    enterprise_id: strawberry.ID
    lab_id: strawberry.ID
    sample_description: str
    standard: str
    sample_quantity: int = 1
    service_id: strawberry.ID | None = None
    received_on: date | None = strawberry.field(
        default=None, description="default: today, local time; never in the future"
    )
    due_on: date | None = strawberry.field(
        default=None, description="not before receivedOn; default: receivedOn + turnaround days"
    )


@strawberry.input
class InspectionReportInput:
    number: str
    conclusion: InspectionConclusion
    summary: str


@strawberry.type
class InspectionOrderPayload:
    order: InspectionOrder


@strawberry.type
class InspectionQuery:
    @strawberry.field(description="test orders, newest first; STAFF, WINDOW_ADMIN and READONLY")
    async def orders(
        self,
        info: api.Info,
        filter: InspectionOrderFilter | None = None,
        first: int = api.PAGE,
        after: str | None = None,
    ) -> api.Connection[InspectionOrder]:
        ctx = info.context
        f = filter or InspectionOrderFilter()
        page = await orders.list_orders(
            ctx.actor,
            first,
            after,
            status=None if f.status is None else orders.OrderStatus(f.status.value),
            lab_id=None if f.lab_id is None else ctx.local_id(f.lab_id),
        )
        return api.connection(page, lambda row: InspectionOrder.from_row(row, ctx))

    @strawberry.field
    async def order(self, info: api.Info, id: strawberry.ID) -> InspectionOrder | None:
        ctx = info.context
        row = await orders.get_order(ctx.actor, ctx.local_id(id))
        return None if row is None else InspectionOrder.from_row(row, ctx)


def mutation_type(config: InspectionConfig) -> type:
    """The mutations, with the configured turnaround for orders that name no due day."""

    def payload(row: OrderRow, ctx: api.Context) -> InspectionOrderPayload:
        return InspectionOrderPayload(order=InspectionOrder.from_row(row, ctx))

    @strawberry.type(name="InspectionMutation")
    class InspectionMutation:
        @api.mutation(description="record a received sample: a new order, RECEIVED")
        async def create_order(
            self, info: api.Info, input: InspectionOrderInput
        ) -> InspectionOrderPayload:
            ctx = info.context
            new = orders.NewOrder(
                enterprise_id=ctx.local_id(input.enterprise_id),
                lab_id=ctx.local_id(input.lab_id),
                sample_description=input.sample_description,
                standard=input.standard,
                sample_quantity=input.sample_quantity,
                service_id=None if input.service_id is None else ctx.local_id(input.service_id),
                received_on=input.received_on,
                due_on=input.due_on,
            )
            row = await orders.create_order(
                ctx.actor, new, ctx.settings.timezone, config.turnaround_days
            )
            return payload(row, ctx)

        @api.mutation(description="RECEIVED → TESTING")
        async def start_testing(self, info: api.Info, id: strawberry.ID) -> InspectionOrderPayload:
            ctx = info.context
            return payload(await orders.start_testing(ctx.actor, ctx.local_id(id)), ctx)

        @api.mutation(description="TESTING → REPORTED, with the result report")
        async def report_order(
            self, info: api.Info, id: strawberry.ID, input: InspectionReportInput
        ) -> InspectionOrderPayload:
            ctx = info.context
            report = orders.Report(
                number=input.number,
                conclusion=orders.Conclusion(input.conclusion.value),
                summary=input.summary,
            )
            row = await orders.report_order(
                ctx.actor, ctx.local_id(id), report, ctx.settings.timezone
            )
            return payload(row, ctx)

        @api.mutation(description="RECEIVED or TESTING → CANCELLED, with the reason")
        async def cancel_order(
            self, info: api.Info, id: strawberry.ID, reason: str
        ) -> InspectionOrderPayload:
            ctx = info.context
            return payload(await orders.cancel_order(ctx.actor, ctx.local_id(id), reason), ctx)

    return InspectionMutation


@strawberry.type(
    description="turnaround of test orders in the period; the on-time rate comes with its "
    "numerator and denominator so the hub can sum windows"
)
class InspectionStats:
    period: strawberry.Private[api.Period]
    # Every field reads the same figures: computed once, by the first field asked.
    computing: strawberry.Private[asyncio.Task[indicators.Figures] | None] = None

    async def _figures(self) -> indicators.Figures:
        if self.computing is None:
            self.computing = asyncio.ensure_future(indicators.figures(self.period))
        return await self.computing

    @strawberry.field(description="orders whose sample was received in the period")
    async def orders_received(self) -> int:
        return (await self._figures()).received

    @strawberry.field(description="orders reported in the period")
    async def orders_reported(self) -> int:
        return (await self._figures()).reported

    @strawberry.field(description="orders reported in the period on or before their due day")
    async def reported_on_time(self) -> int:
        return (await self._figures()).on_time

    @strawberry.field(description="reportedOnTime / ordersReported; null when none reported")
    async def on_time_rate(self) -> float | None:
        return (await self._figures()).on_time_rate

    @strawberry.field(
        description="median days from receipt to report over the orders reported in the "
        "period; null when none"
    )
    async def median_turnaround_days(self) -> float | None:
        return (await self._figures()).median_days

    @strawberry.field(
        description="orders received by the period's end, neither reported nor cancelled by "
        "then, whose due day had passed by then (or by today, for a period not over yet)"
    )
    async def overdue_open(self) -> int:
        return (await self._figures()).overdue
