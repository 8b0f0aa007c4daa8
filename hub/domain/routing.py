"""Demand routing (DESIGN §7): demands a window cannot meet go up to the hub and across the
network.

    window A escalates ──outbox "demand.escalated"──► QUEUED (the routing queue)
    a HUB_OPERATOR dispatches to window B ─────────► DISPATCHED, delivery "demand.dispatched" to B
    B's demand COMPLETED / CLOSED / REJECTED ──outbox "demand.outcome"──► the same status here,
        and a delivery "demand.outcome" to A, whose escalated demand follows

    QUEUED ─► DISPATCHED ─► COMPLETED ─► CLOSED
                   ├──────► CLOSED
                   └──────► REJECTED

The hub keeps what travels: the demand's content and the enterprise's public registration data
and profile (name, credit code, region, industry, size class), never its contact person.
Proposals of where to dispatch are in ``hub.domain.proposals``.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Set
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from federation.errors import InputError, InvalidTransition, NotFound
from federation.ids import check_window_id, make_id, parse_id
from federation.inputs import quote
from federation.pagination import Page, paginate
from hub.domain import deliveries
from hub.domain.access import HUB_ROLES, OPERATOR, Actor, require
from hub.domain.inbox import handles
from hub.domain.registry import ON_NETWORK
from hub.domain.vouchers import ServiceCategory
from hub.models import RoutedDemand, Window

__all__ = [
    "DEMAND_DISPATCHED",
    "DEMAND_ESCALATED",
    "DEMAND_OUTCOME",
    "RoutingStatus",
    "dispatch_demand",
    "get_routed_demand",
    "longest_waiting",
    "receive_escalated",
    "receive_outcome",
    "routing_queue",
]

# Message kinds: from the windows' outboxes, and of the hub's deliveries to them.
DEMAND_ESCALATED = "demand.escalated"
DEMAND_DISPATCHED = "demand.dispatched"
DEMAND_OUTCOME = "demand.outcome"
NOTE_LIMIT = 2000


class RoutingStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    DISPATCHED = "DISPATCHED"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"


S = RoutingStatus
# The outcomes a receiving window reports, and the statuses each may follow.
OUTCOMES: dict[RoutingStatus, Set[RoutingStatus]] = {
    S.COMPLETED: {S.DISPATCHED},
    S.CLOSED: {S.DISPATCHED, S.COMPLETED},
    S.REJECTED: {S.DISPATCHED},
}


# What the routing queue keeps of a window's text (its column sizes).
TITLE_LIMIT = 200
TEXT_LIMIT = 10_000


def _now() -> datetime:
    return datetime.now(UTC)


def _text(payload: dict[str, Any], name: str, limit: int = TEXT_LIMIT) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or len(value) > limit:
        raise InputError(f"the message has no text {name!r} of at most {limit} characters")
    return value


def _optional_text(payload: dict[str, Any], name: str) -> str | None:
    return None if payload.get(name) is None else _text(payload, name)


def _time(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{quote(text)} is not an ISO time") from None
    if at.tzinfo is None:
        raise InputError(f"{quote(text)} names no time zone")
    return at


def _category(payload: dict[str, Any]) -> str:
    category = _text(payload, "category")
    if category not in ServiceCategory.__members__:
        raise InputError(f"{quote(category)} is not a service category of the core contract")
    return category


# Messages from the windows (the intake runs them in the transaction that stores the message).


@handles(DEMAND_ESCALATED)
async def receive_escalated(
    window: Window, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> None:
    """A demand ``window`` escalated joins the routing queue."""
    demand_id = _text(payload, "id")
    owner, _ = parse_id(demand_id)
    if owner != window.window_id:
        raise InputError(f"window {window.window_id} cannot escalate {owner}'s demand {demand_id}")
    enterprise = payload.get("enterprise")
    if not isinstance(enterprise, dict):
        raise InputError("an escalated demand describes its enterprise")
    await RoutedDemand.create(
        demand_id=demand_id,
        origin_id=window.id,
        title=_text(payload, "title", TITLE_LIMIT),
        description=_optional_text(payload, "description") or "",
        category=_category(payload),
        note=_optional_text(payload, "note"),
        enterprise={
            k: enterprise.get(k)
            for k in ("name", "uscc", "region_code", "industry_code", "size_class")
        },
        submitted_at=_time(_text(payload, "created_at")),
        using_db=connection,
    )


@handles(DEMAND_OUTCOME)
async def receive_outcome(
    window: Window, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> None:
    """The outcome of a demand dispatched to ``window``: recorded, and passed on to the window
    the demand came from."""
    origin = _text(payload, "origin")
    try:
        to = S(_text(payload, "status"))
        allowed = OUTCOMES[to]
    except (ValueError, KeyError):
        raise InputError(f"{quote(payload.get('status'))} is not an outcome of a demand") from None
    # A bad outcome is the message's fault (InputError): the window's outbox sets it aside.
    parse_id(origin)  # InvalidId: no demand has another form
    routed = (
        await RoutedDemand.filter(demand_id=origin).select_for_update().using_db(connection).first()
    )
    if routed is None or routed.target_id != window.id:
        raise InputError(f"demand {origin} was not dispatched to window {window.window_id}")
    if routed.status not in allowed:
        raise InputError(f"demand {origin} is {routed.status}: it cannot follow {to}")
    try:
        dispatched_demand_id = make_id(window.window_id, uuid.UUID(_text(payload, "demand")))
    except ValueError:
        raise InputError(f"{quote(payload.get('demand'))} is not a demand's key") from None
    note = payload.get("note")
    routed.update_from_dict(
        {
            "status": to.value,
            "dispatched_demand_id": dispatched_demand_id,
            "outcome_note": note,
            "outcome_at": _now(),
        }
    )
    await routed.save(using_db=connection)
    origin_window = await Window.get(id=routed.origin_id).using_db(connection)
    outcome = {
        "demand_id": origin,
        "status": to.value,
        "note": note,
        "window_id": window.window_id,
        "dispatched_demand_id": dispatched_demand_id,
    }
    await deliveries.deliver(origin_window, DEMAND_OUTCOME, origin, outcome, connection)


# The operators' side.


async def _lock(demand_id: str, connection: BaseDBAsyncClient) -> RoutedDemand:
    parse_id(demand_id)  # InvalidId: no demand has another form
    routed = (
        await RoutedDemand.filter(demand_id=demand_id)
        .select_for_update()
        .using_db(connection)
        .first()
    )
    if routed is None:
        raise NotFound(f"no escalated demand {demand_id}")
    return routed


def _check(routed: RoutedDemand, allowed_from: Set[RoutingStatus], to: RoutingStatus) -> None:
    if routed.status not in allowed_from:
        raise InvalidTransition(
            f"an escalated demand cannot go from {routed.status} to {to}",
            fromStatus=routed.status,
            toStatus=to.value,
        )


async def dispatch_demand(
    actor: Actor, demand_id: str, window_id: str, service_id: str | None, note: str | None
) -> RoutedDemand:
    """Hand a queued demand to ``window_id``; ``service_id``: one of its services to suggest."""
    require(actor, OPERATOR, "dispatch demands")
    check_window_id(window_id)
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_LIMIT:
        raise InputError(f"the note is longer than {NOTE_LIMIT} characters", field="note")
    if service_id is not None and parse_id(service_id)[0] != window_id:
        raise InputError(f"service {service_id} is not window {window_id}'s", field="serviceId")
    async with in_transaction() as connection:
        routed = await _lock(demand_id, connection)
        _check(routed, {S.QUEUED}, S.DISPATCHED)
        target = await Window.filter(window_id=window_id).using_db(connection).first()
        if target is None or target.status not in ON_NETWORK:
            status = None if target is None else target.status
            raise InputError(f"window {window_id} is not on the network ({status})", field="id")
        if target.id == routed.origin_id:
            raise InputError("the window that escalated the demand cannot serve it", field="id")
        routed.update_from_dict(
            {
                "status": S.DISPATCHED.value,
                "target_id": target.id,
                "service_id": service_id,
                "dispatched_by": actor.username,
                "dispatch_note": note,
                "dispatched_at": _now(),
            }
        )
        await routed.save(using_db=connection)
        enterprise = routed.enterprise
        dispatched = {
            "origin": routed.demand_id,
            "title": routed.title,
            "description": routed.description,
            "category": routed.category,
            "note": routed.note,
            "dispatch_note": note,
            "service_id": service_id,
            "enterprise": {
                k: enterprise.get(k) for k in ("name", "uscc", "region_code", "industry_code")
            },
        }
        await deliveries.deliver(
            target, DEMAND_DISPATCHED, routed.demand_id, dispatched, connection
        )
    return routed


async def routing_queue(
    actor: Actor, status: RoutingStatus | None, first: int, after: str | None
) -> Page[RoutedDemand]:
    require(actor, HUB_ROLES, "read the routing queue")
    query = RoutedDemand.all()
    if status is not None:
        query = query.filter(status=status.value)
    return await paginate(query, first, after)


async def longest_waiting(actor: Actor, limit: int) -> list[RoutedDemand]:
    """The queued demands that have waited longest, oldest first, with their origin windows."""
    require(actor, HUB_ROLES, "read the routing queue")
    queued = RoutedDemand.filter(status=S.QUEUED).order_by("created_at", "id").limit(limit)
    return await queued.prefetch_related("origin")


async def get_routed_demand(actor: Actor, demand_id: str) -> RoutedDemand:
    require(actor, HUB_ROLES, "read escalated demands")
    parse_id(demand_id)  # InvalidId: no demand has another form
    routed = await RoutedDemand.get_or_none(demand_id=demand_id)
    if routed is None:
        raise NotFound(f"no escalated demand {demand_id}")
    return routed
