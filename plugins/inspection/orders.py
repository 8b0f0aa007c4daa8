"""Test orders (检验委托): an enterprise's sample, tested by a lab against a standard.

RECEIVED → TESTING → REPORTED, or CANCELLED (with a reason) before the report. Each move is one
conditional UPDATE (``… WHERE status IN (allowed sources)``), so of two concurrent moves of one
order exactly one applies and the other gets ``INVALID_TRANSITION``, without a lock.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from node.plugins import api
from plugins.inspection.models import InspectionOrder

MAX_DESCRIPTION = 2000
MAX_STANDARD = 200
MAX_REPORT_NUMBER = 64
MAX_SUMMARY = 5000
MAX_REASON = 1000
# A 32-bit column; no sample is counted in billions.
MAX_QUANTITY = 1_000_000


class OrderStatus(enum.StrEnum):
    RECEIVED = "RECEIVED"
    TESTING = "TESTING"
    REPORTED = "REPORTED"
    CANCELLED = "CANCELLED"


class Conclusion(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


# The states each state is reached from.
SOURCES = {
    OrderStatus.TESTING: (OrderStatus.RECEIVED,),
    OrderStatus.REPORTED: (OrderStatus.TESTING,),
    OrderStatus.CANCELLED: (OrderStatus.RECEIVED, OrderStatus.TESTING),
}


class DuplicateReportNumber(api.Conflict):
    code = "INSPECTION_DUPLICATE_REPORT_NUMBER"


@dataclass(frozen=True)
class NewOrder:
    enterprise_id: uuid.UUID
    lab_id: uuid.UUID
    sample_description: str
    standard: str
    sample_quantity: int = 1
    service_id: uuid.UUID | None = None
    # None: today in the node's time zone, and the received day + the configured turnaround.
    received_on: date | None = None
    due_on: date | None = None


@dataclass(frozen=True)
class Report:
    number: str
    conclusion: Conclusion
    summary: str


async def create_order(
    actor: api.Actor, new: NewOrder, timezone: str, turnaround_days: int
) -> InspectionOrder:
    api.require(actor, api.WRITE_ROLES, "create test orders")
    description = api.required_text(new.sample_description, "sampleDescription", MAX_DESCRIPTION)
    standard = api.required_text(new.standard, "standard", MAX_STANDARD)
    if not 1 <= new.sample_quantity <= MAX_QUANTITY:
        raise api.InputError(
            f"sampleQuantity must be between 1 and {MAX_QUANTITY}", field="sampleQuantity"
        )
    today = api.local_today(timezone)
    received_on = new.received_on or today
    if received_on > today:
        raise api.InputError(
            f"receivedOn {received_on} is in the future: a sample is recorded once it arrived",
            field="receivedOn",
        )
    due_on = new.due_on or received_on + timedelta(days=turnaround_days)
    if due_on < received_on:
        raise api.InputError(f"dueOn {due_on} is before receivedOn {received_on}", field="dueOn")
    if await api.get_enterprise(actor, new.enterprise_id) is None:
        raise api.NotFound(f"no enterprise {new.enterprise_id}")
    await api.get_agency(new.lab_id)
    if new.service_id is not None:
        service = await api.get_service(actor, new.service_id)
        if service is None:
            raise api.NotFound(f"no service {new.service_id}")
        if service.category != api.ServiceCategory.QUALITY_TESTING:
            raise api.InputError(
                f"service {new.service_id} is a {service.category} service, not QUALITY_TESTING",
                field="serviceId",
            )
    order = await InspectionOrder.create(
        enterprise_id=new.enterprise_id,
        lab_id=new.lab_id,
        service_id=new.service_id,
        sample_description=description,
        sample_quantity=new.sample_quantity,
        standard=standard,
        received_on=received_on,
        due_on=due_on,
        status=OrderStatus.RECEIVED.value,
    )
    return await _with_parties(order.id)


async def start_testing(actor: api.Actor, order_id: uuid.UUID) -> InspectionOrder:
    api.require(actor, api.WRITE_ROLES, "start testing")
    return await _move(order_id, OrderStatus.TESTING, testing_started_at=api.now())


async def report_order(
    actor: api.Actor, order_id: uuid.UUID, report: Report, timezone: str
) -> InspectionOrder:
    """Attach the result report; its number is unique on this node."""
    api.require(actor, api.WRITE_ROLES, "report test results")
    number = api.required_text(report.number, "number", MAX_REPORT_NUMBER)
    summary = api.required_text(report.summary, "summary", MAX_SUMMARY)
    # A wrong state is the more basic refusal, so it is named before a taken number.
    order = await _order(order_id)
    if OrderStatus(order.status) not in SOURCES[OrderStatus.REPORTED]:
        raise _refusal(order, OrderStatus.REPORTED)
    if await InspectionOrder.exists(report_number=number):
        raise DuplicateReportNumber(f"report number {number} is already used on this node")
    reported_at = api.now()
    try:
        return await _move(
            order_id,
            OrderStatus.REPORTED,
            report_number=number,
            conclusion=report.conclusion.value,
            report_summary=summary,
            reported_at=reported_at,
            reported_on=reported_at.astimezone(ZoneInfo(timezone)).date(),
        )
    except IntegrityError:
        # Taken by a concurrent report since the check above.
        raise DuplicateReportNumber(
            f"report number {number} is already used on this node"
        ) from None


async def cancel_order(actor: api.Actor, order_id: uuid.UUID, reason: str) -> InspectionOrder:
    api.require(actor, api.WRITE_ROLES, "cancel test orders")
    reason = api.required_text(reason, "reason", MAX_REASON)
    return await _move(
        order_id, OrderStatus.CANCELLED, cancel_reason=reason, cancelled_at=api.now()
    )


async def get_order(actor: api.Actor, order_id: uuid.UUID) -> InspectionOrder | None:
    api.require(actor, api.READ_ROLES, "read test orders")
    return await InspectionOrder.filter(id=order_id).prefetch_related("enterprise", "lab").first()


async def list_orders(
    actor: api.Actor,
    first: int,
    after: str | None,
    status: OrderStatus | None = None,
    lab_id: uuid.UUID | None = None,
) -> api.Page[InspectionOrder]:
    api.require(actor, api.READ_ROLES, "read test orders")
    query = InspectionOrder.all().prefetch_related("enterprise", "lab")
    if status is not None:
        query = query.filter(status=status.value)
    if lab_id is not None:
        query = query.filter(lab_id=lab_id)
    return await api.paginate(query, first, after)


async def _order(order_id: uuid.UUID) -> InspectionOrder:
    order = await InspectionOrder.get_or_none(id=order_id)
    if order is None:
        raise api.NotFound(f"no test order {order_id}")
    return order


async def _with_parties(order_id: uuid.UUID) -> InspectionOrder:
    """The order with its enterprise and lab, whose names the GraphQL type shows."""
    return await InspectionOrder.filter(id=order_id).prefetch_related("enterprise", "lab").get()


def _refusal(order: InspectionOrder, target: OrderStatus) -> api.InvalidTransition:
    return api.InvalidTransition(
        f"test order {order.id} is {order.status}: it cannot become {target}",
        status=order.status,
    )


async def _move(order_id: uuid.UUID, target: OrderStatus, **values: Any) -> InspectionOrder:
    sources = [s.value for s in SOURCES[target]]
    changed = await InspectionOrder.filter(id=order_id, status__in=sources).update(
        status=target.value, **values
    )
    if changed == 0:
        # Missing, or in a state the move does not start from: say which.
        raise _refusal(await _order(order_id), target)
    return await _with_parties(order_id)
