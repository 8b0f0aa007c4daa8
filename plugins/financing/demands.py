"""Enterprises' financing demands, tracked to their outcome:

    OPEN ─► MATCHED ─► APPROVED (an approved amount, at most the requested one)
      │        └─────► DECLINED (with a reason)
      └────────┴─────► WITHDRAWN

Every change locks the demand, checks the transition, then writes the demand and its
transition row in one transaction, so a refused change writes nothing. Financing needs are
business-confidential: only the window's users read them.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Set
from decimal import Decimal
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from node.plugins import api
from plugins.financing import matching
from plugins.financing.errors import (
    ApprovalExceedsRequest,
    CoreDemandTaken,
    ProductNotEligible,
    ProductRetired,
)
from plugins.financing.models import (
    FinancingCoreDemandLink,
    FinancingDemand,
    FinancingDemandTransition,
    FinancingProduct,
)
from plugins.financing.products import MAX_AMOUNT, MAX_TERM_MONTHS, active_products

PURPOSE_MAX = 2000
REASON_MAX = 2000


class DemandStatus(enum.StrEnum):
    OPEN = "OPEN"
    MATCHED = "MATCHED"
    APPROVED = "APPROVED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"


S = DemandStatus


def _amount(label: str, value: Decimal) -> Decimal:
    amount = api.money(label, value, MAX_AMOUNT)
    if amount == 0:
        raise api.InputError(f"{label} must be positive", field=label)
    return amount


# Reading


async def list_demands(
    actor: api.Actor,
    status: DemandStatus | None,
    enterprise_id: uuid.UUID | None,
    first: int,
    after: str | None,
) -> api.Page[FinancingDemand]:
    api.require(actor, api.READ_ROLES, "read financing demands")
    query = FinancingDemand.all()
    if status is not None:
        query = query.filter(status=status.value)
    if enterprise_id is not None:
        query = query.filter(enterprise_id=enterprise_id)
    return await api.paginate(query, first, after)


async def get_demand(actor: api.Actor, demand_id: uuid.UUID) -> FinancingDemand | None:
    api.require(actor, api.READ_ROLES, "read financing demands")
    return await FinancingDemand.get_or_none(id=demand_id)


async def _size_class(actor: api.Actor, enterprise_id: uuid.UUID) -> str:
    enterprise = await api.get_enterprise(actor, enterprise_id)
    if enterprise is None:
        raise api.NotFound(f"no enterprise {enterprise_id}")
    return str(enterprise.size_class)


async def matches(actor: api.Actor, demand_id: uuid.UUID) -> list[matching.Match]:
    """Every active product assessed against the demand, best fit first."""
    demand = await get_demand(actor, demand_id)
    if demand is None:
        raise api.NotFound(f"no financing demand {demand_id}")
    size_class = await _size_class(actor, demand.enterprise_id)
    products = await active_products()
    return matching.rank(products, Decimal(demand.amount), demand.term_months, size_class)


# Intake


async def create_demand(
    actor: api.Actor,
    enterprise_id: uuid.UUID,
    amount: Decimal,
    term_months: int,
    purpose: str,
    core_demand_id: uuid.UUID | None = None,
) -> FinancingDemand:
    """A financing demand taken in by staff, optionally from a core FINANCING demand."""
    api.require(actor, api.WRITE_ROLES, "take in financing demands")
    amount = _amount("amount", amount)
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise api.InputError(
            f"termMonths must be between 1 and {MAX_TERM_MONTHS}", field="termMonths"
        )
    purpose = api.required_text(purpose, "purpose", PURPOSE_MAX)
    await _size_class(actor, enterprise_id)  # NOT_FOUND for an unknown enterprise
    async with in_transaction():
        if core_demand_id is not None:
            await _check_core_demand(core_demand_id, enterprise_id)
        demand = await FinancingDemand.create(
            enterprise_id=enterprise_id,
            amount=amount,
            term_months=term_months,
            purpose=purpose,
            status=S.OPEN.value,
            core_demand_id=core_demand_id,
            created_by=actor.username,
        )
        await FinancingDemandTransition.create(
            demand_id=demand.id,
            from_status=None,
            to_status=S.OPEN.value,
            actor=actor.username,
        )
    return demand


async def _check_core_demand(core_demand_id: uuid.UUID, enterprise_id: uuid.UUID) -> None:
    # Locked, so two staff taking in the same core demand cannot both pass the check.
    link = (
        await FinancingCoreDemandLink.filter(core_demand_id=core_demand_id)
        .select_for_update()
        .first()
    )
    if link is None:
        raise api.NotFound(f"no core financing demand {core_demand_id} has arrived")
    if link.enterprise_id != enterprise_id:
        raise api.InputError(
            f"core demand {core_demand_id} is another enterprise's", field="enterpriseId"
        )
    if await FinancingDemand.exists(core_demand_id=core_demand_id):
        raise CoreDemandTaken(f"core demand {core_demand_id} is already taken in")


# Transitions


async def _locked(
    demand_id: uuid.UUID, allowed_from: Set[DemandStatus], to: DemandStatus
) -> FinancingDemand:
    demand = await FinancingDemand.filter(id=demand_id).select_for_update().first()
    if demand is None:
        raise api.NotFound(f"no financing demand {demand_id}")
    if demand.status not in allowed_from:
        raise api.InvalidTransition(
            f"a financing demand cannot go from {demand.status} to {to}",
            fromStatus=demand.status,
            toStatus=to.value,
        )
    return demand


async def _write(
    demand: FinancingDemand, to: DemandStatus, actor: api.Actor, note: str | None, **changes: Any
) -> FinancingDemand:
    previous = demand.status
    demand.update_from_dict({"status": to.value, **changes})
    await demand.save()
    await FinancingDemandTransition.create(
        demand_id=demand.id,
        from_status=previous,
        to_status=to.value,
        actor=actor.username,
        note=note.strip() or None if note else None,
    )
    return demand


async def match_demand(
    actor: api.Actor, demand_id: uuid.UUID, product_id: uuid.UUID, note: str | None = None
) -> FinancingDemand:
    """Choose the product the demand goes to; only an active product it is eligible for."""
    api.require(actor, api.WRITE_ROLES, "match financing demands")
    async with in_transaction():
        demand = await _locked(demand_id, {S.OPEN}, S.MATCHED)
        product = await FinancingProduct.filter(id=product_id).select_for_update().first()
        if product is None:
            raise api.NotFound(f"no financing product {product_id}")
        if not product.active:
            raise ProductRetired(f"financing product {product_id} is retired")
        size_class = await _size_class(actor, demand.enterprise_id)
        match = matching.assess(product, Decimal(demand.amount), demand.term_months, size_class)
        if not match.eligible:
            reasons = [check.reason for check in match.failures]
            raise ProductNotEligible(
                f"the demand does not meet {product.name}: {'; '.join(reasons)}",
                reasons=reasons,
            )
        return await _write(demand, S.MATCHED, actor, note, product_id=product.id)


async def approve_demand(
    actor: api.Actor, demand_id: uuid.UUID, approved_amount: Decimal, note: str | None = None
) -> FinancingDemand:
    api.require(actor, api.WRITE_ROLES, "record financing approvals")
    approved_amount = _amount("approvedAmount", approved_amount)
    async with in_transaction():
        demand = await _locked(demand_id, {S.MATCHED}, S.APPROVED)
        if approved_amount > demand.amount:
            raise ApprovalExceedsRequest(
                f"approved {matching.wan(approved_amount)} 万元 is more than the requested "
                f"{matching.wan(Decimal(demand.amount))} 万元"
            )
        return await _write(
            demand,
            S.APPROVED,
            actor,
            note,
            approved_amount=approved_amount,
            decided_at=api.now(),
        )


async def decline_demand(actor: api.Actor, demand_id: uuid.UUID, reason: str) -> FinancingDemand:
    api.require(actor, api.WRITE_ROLES, "record financing declines")
    reason = api.required_text(reason, "reason", REASON_MAX)
    async with in_transaction():
        demand = await _locked(demand_id, {S.MATCHED}, S.DECLINED)
        return await _write(
            demand, S.DECLINED, actor, reason, decline_reason=reason, decided_at=api.now()
        )


async def withdraw_demand(
    actor: api.Actor, demand_id: uuid.UUID, note: str | None = None
) -> FinancingDemand:
    api.require(actor, api.WRITE_ROLES, "withdraw financing demands")
    async with in_transaction():
        demand = await _locked(demand_id, {S.OPEN, S.MATCHED}, S.WITHDRAWN)
        return await _write(demand, S.WITHDRAWN, actor, note)


# Core FINANCING demands, recorded from their events


async def record_core_demand(
    core_demand_id: uuid.UUID, enterprise_id: uuid.UUID, submitted_by: str
) -> None:
    """Note a core FINANCING demand once: a redelivered event finds it and changes nothing."""
    await FinancingCoreDemandLink.get_or_create(
        core_demand_id=core_demand_id,
        defaults={"enterprise_id": enterprise_id, "submitted_by": submitted_by},
    )


async def pending_core_demands(
    actor: api.Actor, first: int, after: str | None
) -> api.Page[FinancingCoreDemandLink]:
    """Core FINANCING demands not yet taken in as financing demands."""
    api.require(actor, api.READ_ROLES, "read core financing demands")
    taken = FinancingDemand.filter(core_demand_id__isnull=False).values("core_demand_id")
    query = FinancingCoreDemandLink.exclude(core_demand_id__in=Subquery(taken))
    return await api.paginate(query, first, after)
