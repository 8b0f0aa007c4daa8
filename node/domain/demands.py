"""Enterprise demands: submitted, accepted, matched to a service, served, closed.

    SUBMITTED ─► ACCEPTED ─► MATCHED ─► IN_SERVICE ─► COMPLETED ─► CLOSED
        │            │          │    (service record starts / completes)
        ├────────────┴─► REJECTED (with a reason; final: nothing was done, nothing to close)
        └────────────┴─► ESCALATED (to the hub, which dispatches it to another window)
                                MATCHED ─► CLOSED when matched to another window's service,
                                           because no service record of this window completes it

Demand routing across the network (DESIGN §4, §7), driven by the hub's deliveries
(``node.domain.hub_messages``):

- the receiving window gets the dispatched demand as a new SUBMITTED demand whose ``origin`` is
  the escalated demand's network ID, for the enterprise registered by its credit code (its public
  registration data travels; its contact person never does); the window accepts or rejects it
  like any other. Its outcomes — COMPLETED, CLOSED, REJECTED — go to the hub through the outbox
  (``demand.outcome``);
- the originating window's ESCALATED demand follows each outcome the hub passes on:

      ESCALATED ─► COMPLETED ─► CLOSED      ESCALATED ─► CLOSED      ESCALATED ─► REJECTED

A demand from the public form names its enterprise only as a claim — name, credit code, codes
and contact as typed — and has no enterprise until staff confirm whose it is
(``confirm_enterprise``); only then may it be accepted or escalated. So an anonymous form never
registers a credit code nor binds one to a name, and answers the same whatever code it is given.

Every change locks the demand row, checks the transition, then writes the demand and its
``DemandTransition`` row in one transaction, so an invalid transition changes nothing.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Set
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.errors import InputError, InvalidTransition, NotFound
from federation.ids import make_id, parse_id
from federation.inputs import check_lengths, quote
from federation.pagination import Page, paginate
from node import clock
from node.domain import event_kinds, events
from node.domain.access import READ_ROLES, WRITE_ROLES, Actor, require
from node.domain.catalogue import ServiceCategory, ServiceStatus
from node.domain.enterprises import PayloadWarning, classify, validate_fields
from node.domain.periods import within
from node.models import Demand, DemandTransition, Enterprise, Service
from node.plugins import manager as plugins

# Who a demand from the public form is submitted by: the enterprise itself, without an account.
PUBLIC = Actor(username="public")
TITLE_MAX = 200  # the column's length; check_lengths enforces it
DESCRIPTION_MAX = 4000


class DemandStatus(enum.StrEnum):
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    MATCHED = "MATCHED"
    IN_SERVICE = "IN_SERVICE"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"
    REJECTED = "REJECTED"
    ESCALATED = "ESCALATED"


S = DemandStatus
OPEN = frozenset({S.SUBMITTED, S.ACCEPTED})  # still the window's to decide
# Where a demand from the public form goes only once staff confirmed its enterprise.
NEEDS_ENTERPRISE = frozenset({S.ACCEPTED, S.ESCALATED})
# The outcomes of a dispatched demand that go back to the window it came from, and the statuses
# the originating window's demand may follow each one from.
OUTCOMES = {
    S.COMPLETED: frozenset({S.ESCALATED}),
    S.CLOSED: frozenset({S.ESCALATED, S.COMPLETED}),
    S.REJECTED: frozenset({S.ESCALATED}),
}


@dataclass
class DemandFilter:
    status: DemandStatus | None = None
    category: ServiceCategory | None = None
    enterprise_id: uuid.UUID | None = None
    from_date: date | None = None  # calendar days in ``timezone``, both ends included
    to_date: date | None = None
    timezone: str = "Asia/Shanghai"


@dataclass
class PublicDemand:
    """What the public form asks: who the enterprise says it is, how to reach it, what it needs."""

    uscc: str
    name: str
    region_code: str
    industry_code: str
    contact_name: str
    contact_phone: str
    title: str
    description: str
    category: str


def response_hours(demand: Demand) -> float | None:
    return _hours(demand.created_at, demand.accepted_at)


def resolution_hours(demand: Demand) -> float | None:
    return _hours(demand.created_at, demand.completed_at)


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 3600


# Reading


async def list_demands(
    actor: Actor, demand_filter: DemandFilter, first: int, after: str | None
) -> Page[Demand]:
    require(actor, READ_ROLES, "read demands")
    f = demand_filter
    query = Demand.all()
    if f.status is not None:
        query = query.filter(status=f.status.value)
    if f.category is not None:
        query = query.filter(category=f.category.value)
    if f.enterprise_id is not None:
        query = query.filter(enterprise_id=f.enterprise_id)
    query = within(query, "created_at", f.from_date, f.to_date, f.timezone)
    return await paginate(query, first, after)


async def get_demand(actor: Actor, demand_id: uuid.UUID) -> Demand | None:
    require(actor, READ_ROLES, "read demands")
    return await Demand.get_or_none(id=demand_id)


# Submission


def _demand_fields(title: str, description: str, category: str) -> dict[str, str]:
    title = title.strip()
    if not title:
        raise InputError("a demand needs a title")
    if len(description) > DESCRIPTION_MAX:
        raise InputError(f"description is longer than {DESCRIPTION_MAX} characters")
    try:
        category = ServiceCategory(category).value
    except ValueError:
        raise InputError(f"{quote(category)} is not a service category") from None
    fields = {"title": title, "description": description.strip(), "category": category}
    check_lengths(Demand, fields)
    return fields


async def _create(
    actor: Actor,
    enterprise_id: uuid.UUID | None,
    fields: dict[str, Any],
    connection: BaseDBAsyncClient,
    note: str | None = None,
) -> Demand:
    demand = await Demand.create(
        enterprise_id=enterprise_id,
        status=S.SUBMITTED.value,
        submitted_by=actor.username,
        using_db=connection,
        **fields,
    )
    await DemandTransition.create(
        demand_id=demand.id,
        from_status=None,
        to_status=S.SUBMITTED.value,
        actor=actor.username,
        note=_note(note),
        using_db=connection,
    )
    if enterprise_id is not None:
        await _submitted(demand, connection)
    return demand


async def _submitted(demand: Demand, connection: BaseDBAsyncClient) -> None:
    """The event of a demand an enterprise put to the window: one from the public form has it
    once its enterprise is confirmed, so a plugin always learns whose demand it is."""
    await events.emit(
        event_kinds.DEMAND_SUBMITTED,
        demand.id,
        {
            "enterprise_id": demand.enterprise_id,
            "category": demand.category,
            "submitted_by": demand.submitted_by,
        },
        connection,
    )


async def submit_demand(
    actor: Actor, enterprise_id: uuid.UUID, title: str, description: str, category: str
) -> Demand:
    """A demand taken in by the window's staff for a registered enterprise."""
    require(actor, WRITE_ROLES, "submit demands")
    fields = _demand_fields(title, description, category)
    await plugins.validate("submitDemand", {"enterprise_id": enterprise_id, **fields}, actor)
    async with in_transaction() as connection:
        if not await Enterprise.filter(id=enterprise_id).using_db(connection).exists():
            raise NotFound(f"no enterprise {enterprise_id}")
        return await _create(actor, enterprise_id, fields, connection)


async def submit_public_demand(form: PublicDemand) -> Demand:
    """A demand from the public form, carrying the enterprise it claims to be from.

    The claim is validated like an enterprise's fields but never looked up: nothing here says
    whether its credit code is registered, and nothing registered changes.
    """
    fields = _demand_fields(form.title, form.description, form.category)
    claim: dict[str, Any] = {
        "name": form.name,
        "uscc": form.uscc,
        "region_code": form.region_code,
        "industry_code": form.industry_code,
        "contact_name": form.contact_name.strip(),
        "contact_phone": form.contact_phone.strip(),
    }
    if not (claim["contact_name"] and claim["contact_phone"]):
        raise InputError("a contact person and phone number are needed to reach the enterprise")
    validate_fields(claim)
    await plugins.validate("submitDemand", {**fields, "enterprise": claim}, PUBLIC)
    async with in_transaction() as connection:
        return await _create(PUBLIC, None, {**fields, "claim": claim}, connection)


async def confirm_enterprise(
    actor: Actor, demand_id: uuid.UUID, enterprise_id: uuid.UUID
) -> tuple[Demand, list[PayloadWarning]]:
    """Staff checked a public demand's claim: the demand is the registered enterprise's (staff
    register a new one with ``create_enterprise`` first). Warns where the enterprise's name or
    credit code differ from the claim's."""
    require(actor, WRITE_ROLES, "confirm the enterprises of demands")
    async with in_transaction() as connection:
        demand = await _lock(demand_id, connection)
        if demand.enterprise_id is not None:
            raise InvalidTransition(
                f"demand {demand_id} already is an enterprise's", fromStatus=demand.status
            )
        if demand.status != S.SUBMITTED:
            raise InvalidTransition(
                f"demand {demand_id} is {demand.status}: only a submitted demand has its"
                " enterprise confirmed",
                fromStatus=demand.status,
            )
        enterprise = await Enterprise.filter(id=enterprise_id).using_db(connection).first()
        if enterprise is None:
            raise NotFound(f"no enterprise {enterprise_id}")
        demand.enterprise_id = enterprise.id
        await demand.save(using_db=connection, update_fields=["enterprise_id", "updated_at"])
        await _submitted(demand, connection)
    claim = demand.claim or {}
    return demand, [
        PayloadWarning(
            "CLAIM_MISMATCH",
            f"the enterprise's {label} {mine} is not the claimed {claim.get(key)}",
        )
        for key, label, mine in (
            ("name", "name", enterprise.name),
            ("uscc", "credit code", enterprise.uscc),
        )
        if claim.get(key) != mine
    ]


# Transitions


async def _lock(demand_id: uuid.UUID, connection: BaseDBAsyncClient) -> Demand:
    """The demand, locked until the transaction ends, so its status cannot change under us."""
    demand = await Demand.filter(id=demand_id).select_for_update().using_db(connection).first()
    if demand is None:
        raise NotFound(f"no demand {demand_id}")
    return demand


def _check(demand: Demand, allowed_from: Set[DemandStatus], to: DemandStatus) -> None:
    if demand.status not in allowed_from:
        raise InvalidTransition(
            f"a demand cannot go from {demand.status} to {to}",
            fromStatus=demand.status,
            toStatus=to.value,
        )
    if demand.enterprise_id is None and to in NEEDS_ENTERPRISE:
        raise InvalidTransition(
            f"a demand from the public form goes {to} once staff confirm its enterprise"
            " (confirmDemandEnterprise)",
            fromStatus=demand.status,
            toStatus=to.value,
        )


async def _locked(
    demand_id: uuid.UUID,
    allowed_from: Set[DemandStatus],
    to: DemandStatus,
    connection: BaseDBAsyncClient,
) -> Demand:
    demand = await _lock(demand_id, connection)
    _check(demand, allowed_from, to)
    return demand


async def _write(
    demand: Demand,
    to: DemandStatus,
    actor: Actor,
    note: str | None,
    connection: BaseDBAsyncClient,
    **changes: Any,
) -> Demand:
    previous = demand.status
    demand.update_from_dict({"status": to.value, **changes})
    await demand.save(using_db=connection)
    transition = await DemandTransition.create(
        demand_id=demand.id,
        from_status=previous,
        to_status=to.value,
        actor=actor.username,
        note=_note(note),
        using_db=connection,
    )
    if demand.origin is not None and to in OUTCOMES:
        # A dispatched demand: the window it came from follows (through the hub).
        outcome = {
            "origin": demand.origin,
            "demand": demand.id,
            "status": to.value,
            "note": transition.note,
            "at": transition.created_at,
        }
        await events.enqueue(events.OUTBOX_DEMAND_OUTCOME, outcome, connection)
    return demand


async def _transition(
    actor: Actor,
    demand_id: uuid.UUID,
    allowed_from: Set[DemandStatus],
    to: DemandStatus,
    note: str | None,
    **changes: Any,
) -> Demand:
    require(actor, WRITE_ROLES, f"move demands to {to}")
    async with in_transaction() as connection:
        demand = await _locked(demand_id, allowed_from, to, connection)
        return await _write(demand, to, actor, note, connection, **changes)


async def accept_demand(actor: Actor, demand_id: uuid.UUID, note: str | None = None) -> Demand:
    return await _transition(
        actor, demand_id, {S.SUBMITTED}, S.ACCEPTED, note, accepted_at=clock.now()
    )


async def reject_demand(actor: Actor, demand_id: uuid.UUID, reason: str) -> Demand:
    require(actor, WRITE_ROLES, "reject demands")
    if not reason.strip():
        raise InputError("a rejection needs a reason")
    return await _transition(
        actor, demand_id, OPEN, S.REJECTED, reason, reject_reason=reason.strip()
    )


async def match_demand(
    actor: Actor,
    demand_id: uuid.UUID,
    service_ref: str,
    window_id: str,
    note: str | None = None,
) -> Demand:
    """Match to a published service of this window, or to another window's by network ID."""
    require(actor, WRITE_ROLES, "match demands")
    service_window, service_id = parse_id(service_ref)
    async with in_transaction() as connection:
        demand = await _locked(demand_id, {S.ACCEPTED}, S.MATCHED, connection)
        if service_window == window_id:
            # Locked, so the service cannot be retired between this check and the commit.
            service = (
                await Service.filter(id=service_id).select_for_update().using_db(connection).first()
            )
            if service is None:
                raise NotFound(f"no service {service_ref}")
            if service.status != ServiceStatus.PUBLISHED:
                raise InputError(
                    f"service {service_ref} is {service.status}: only published services match"
                )
            match: dict[str, Any] = {"matched_service_id": service_id, "matched_service_ref": None}
        else:
            service_ref = make_id(service_window, service_id)
            match = {"matched_service_id": None, "matched_service_ref": service_ref}
        await _write(demand, S.MATCHED, actor, note, connection, **match)
        await events.emit(
            event_kinds.DEMAND_MATCHED, demand.id, {"service_id": service_ref}, connection
        )
    return demand


async def escalate_demand(
    actor: Actor, demand_id: uuid.UUID, window_id: str, note: str | None = None
) -> Demand:
    """Hand the demand to the hub: an outbox message with its content, none of it personal."""
    require(actor, WRITE_ROLES, "escalate demands")
    async with in_transaction() as connection:
        demand = await _locked(demand_id, OPEN, S.ESCALATED, connection)
        enterprise = await Enterprise.filter(id=demand.enterprise_id).using_db(connection).get()
        await _write(demand, S.ESCALATED, actor, note, connection)
        payload = {
            "id": make_id(window_id, demand.id),
            "window_id": window_id,
            "title": demand.title,
            "description": demand.description,
            "category": demand.category,
            "created_at": demand.created_at,
            "note": _note(note),
            # Public registration data, so the window it is dispatched to can serve it.
            "enterprise": {
                "name": enterprise.name,
                "uscc": enterprise.uscc,
                "region_code": enterprise.region_code,
                "industry_code": enterprise.industry_code,
                "size_class": enterprise.size_class,
            },
        }
        await events.emit(event_kinds.DEMAND_ESCALATED, demand.id, payload, connection)
        await events.enqueue(events.OUTBOX_DEMAND_ESCALATED, payload, connection)
    return demand


async def close_demand(actor: Actor, demand_id: uuid.UUID, note: str | None = None) -> Demand:
    require(actor, WRITE_ROLES, "close demands")
    async with in_transaction() as connection:
        demand = await _lock(demand_id, connection)
        allowed = {S.COMPLETED}
        if demand.matched_service_ref is not None:
            allowed.add(S.MATCHED)  # served by another window: nothing here completes it
        _check(demand, allowed, S.CLOSED)
        return await _write(demand, S.CLOSED, actor, note, connection, closed_at=clock.now())


# Driven by the hub's deliveries (node.domain.hub_messages), inside their transaction.


async def receive_dispatched(
    actor: Actor, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> Demand:
    """A demand the hub dispatched here: a new SUBMITTED demand linked to the escalated one,
    for the enterprise known by its credit code (registered here without a contact person)."""
    origin = str(payload.get("origin", ""))
    parse_id(origin)
    fields = _demand_fields(
        str(payload.get("title", "")),
        str(payload.get("description", "")),
        str(payload.get("category", "")),
    )
    profile = payload.get("enterprise")
    if not isinstance(profile, dict):
        raise InputError("a dispatched demand names its enterprise")
    names = ("uscc", "name", "region_code", "industry_code")
    enterprise_fields = {name: str(profile.get(name, "")) for name in names}
    validate_fields(enterprise_fields)
    enterprise = (
        await Enterprise.filter(uscc=enterprise_fields["uscc"])
        .select_for_update()
        .using_db(connection)
        .first()
    )
    if enterprise is None:
        enterprise = await _register_dispatched(enterprise_fields, connection)
    service = payload.get("service_id")
    note = "; ".join(
        part
        for part in (
            f"dispatched by the hub from {origin}",
            _note(payload.get("dispatch_note")),
            f"suggested service {service}" if service else None,
        )
        if part
    )
    return await _create(actor, enterprise.id, {**fields, "origin": origin}, connection, note)


async def _register_dispatched(fields: dict[str, str], connection: BaseDBAsyncClient) -> Enterprise:
    """The enterprise a dispatched demand names, registered here; or, when someone here
    registered its credit code meanwhile (the key refuses the second insert), that one: a
    refusal would have the hub give the dispatched demand up."""
    enterprise = Enterprise(**fields)
    classify(enterprise)
    try:
        # A savepoint: after the refusal the delivery's transaction goes on (PostgreSQL).
        async with in_transaction():
            await enterprise.save(using_db=connection)
    except IntegrityError:
        found = await Enterprise.filter(uscc=fields["uscc"]).using_db(connection).first()
        if found is None:
            raise
        return found
    return enterprise


async def follow_outcome(
    actor: Actor, payload: dict[str, Any], connection: BaseDBAsyncClient
) -> Demand:
    """The escalated demand follows the outcome of the one the hub dispatched it as."""
    _, demand_id = parse_id(str(payload.get("demand_id", "")))
    try:
        to = S(str(payload.get("status")))
        allowed = OUTCOMES[to]
    except (ValueError, KeyError):
        raise InputError(f"{quote(payload.get('status'))} is not an outcome of a demand") from None
    demand = await _locked(demand_id, allowed, to, connection)
    note = f"{to} at window {payload.get('window_id')} ({payload.get('dispatched_demand_id')})"
    if reason := _note(payload.get("note")):
        note = f"{note}: {reason}"
    changes: dict[str, Any] = {
        S.COMPLETED: {"completed_at": clock.now()},
        S.CLOSED: {"closed_at": clock.now()},
        S.REJECTED: {"reject_reason": reason or note},
    }[to]
    return await _write(demand, to, actor, note, connection, **changes)


# Driven by service records, inside the transaction of the record's change.


async def on_service_started(
    demand_id: uuid.UUID, actor: Actor, connection: BaseDBAsyncClient
) -> Demand:
    demand = await _locked(demand_id, {S.MATCHED}, S.IN_SERVICE, connection)
    return await _write(demand, S.IN_SERVICE, actor, None, connection)


async def on_service_completed(
    demand_id: uuid.UUID, actor: Actor, connection: BaseDBAsyncClient
) -> Demand:
    demand = await _locked(demand_id, {S.IN_SERVICE}, S.COMPLETED, connection)
    return await _write(demand, S.COMPLETED, actor, None, connection, completed_at=clock.now())


def _note(note: str | None) -> str | None:
    return note.strip() or None if note else None
