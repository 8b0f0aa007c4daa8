"""Service records (服务记录): started, completed, corrected; their history is the hash chain.

The ``service_records`` row is the current view; every change also appends exactly one chain
entry (node.domain.chain) and one domain event in the same transaction, so the row can always
be rebuilt from — and checked against — its history. Nothing is overwritten in the chain:
a correction is a new entry naming the reason and the changed fields.

    IN_PROGRESS ─complete─► COMPLETED ─correct─► COMPLETED (a CORRECTED entry each time)

A record starts only on a PUBLISHED service: naming a draft or retired one is ``BAD_INPUT``
(the caller named a service that cannot be delivered; no state of the record is involved).
"""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from federation.errors import InputError, InvalidTransition, NotFound
from federation.inputs import check_lengths, money, required_text
from federation.pagination import Page, paginate
from node import clock
from node.domain import chain, demands, event_kinds, events, vouchers
from node.domain.access import READ_ROLES, WRITE_ROLES, Actor, require
from node.domain.catalogue import ServiceStatus
from node.domain.periods import within
from node.models import Agency, ChainEntry, Enterprise, Feedback, Service, ServiceRecord

# `fee` column: 12 digits, 2 decimals.
MAX_FEE = Decimal("1e10")
MAX_OUTCOME = 4000


class Channel(enum.StrEnum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"


class ServiceRecordStatus(enum.StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


# Chain entry kinds written here (others append entries too: vouchers, feedback).
STARTED = "STARTED"
COMPLETED = "COMPLETED"
CORRECTED = "CORRECTED"

# Hashed content key → column of the current view; what `verify_history` compares.
PROJECTED = {
    "enterprise": "enterprise_id",
    "service": "service_id",
    "agency": "agency_id",
    "demand": "demand_id",
    "channel": "channel",
    "status": "status",
    "startedAt": "started_at",
    "outcome": "outcome",
    "fee": "fee",
    "voucher": "voucher_id",
    "completedAt": "completed_at",
}


@dataclass
class ServiceRecordFilter:
    enterprise_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    channel: Channel | None = None
    from_date: date | None = None  # calendar days in ``timezone`` on started_at, both included
    to_date: date | None = None
    timezone: str = "Asia/Shanghai"


def _facts(record: ServiceRecord, *keys: str) -> dict[str, Any]:
    """The record's non-personal facts under their hashed names."""
    return {key: getattr(record, PROJECTED[key]) for key in keys}


async def _append(
    record: ServiceRecord,
    kind: str,
    event: str,
    actor: Actor,
    content: dict[str, Any],
    connection: BaseDBAsyncClient,
) -> None:
    # The chain head is the most contended lock: taken last, so it is held only until commit.
    entry = await chain.append(record.id, kind, actor.username, content, connection)
    await events.emit(event, record.id, {**content, "position": entry.position}, connection)


async def locked_record(
    record_id: uuid.UUID, connection: BaseDBAsyncClient, completed: bool = False
) -> ServiceRecord:
    """The record, locked until ``connection``'s transaction ends; ``completed``: it must be."""
    query = ServiceRecord.filter(id=record_id).select_for_update().using_db(connection)
    return _checked(await query.first(), record_id, completed)


async def completed_record(record_id: uuid.UUID) -> ServiceRecord:
    """The COMPLETED record, read without a lock: for checks before a slow step (a call to the
    hub), made again on the ``locked_record`` after it."""
    return _checked(await ServiceRecord.filter(id=record_id).first(), record_id, completed=True)


def _checked(record: ServiceRecord | None, record_id: uuid.UUID, completed: bool) -> ServiceRecord:
    if record is None:
        raise NotFound(f"no service record {record_id}")
    if completed and record.status != ServiceRecordStatus.COMPLETED:
        raise InvalidTransition(
            f"service record {record_id} is {record.status}, not COMPLETED", status=record.status
        )
    return record


async def start_service_record(
    actor: Actor,
    enterprise_id: uuid.UUID,
    service_id: uuid.UUID,
    channel: Channel,
    agency_id: uuid.UUID | None = None,
    demand_id: uuid.UUID | None = None,
    staff: str = "",
) -> ServiceRecord:
    """Start serving an enterprise; with a demand, the demand goes IN_SERVICE in the same step."""
    require(actor, WRITE_ROLES, "start service records")
    channel = Channel(channel)
    staff = staff.strip() or actor.username
    check_lengths(ServiceRecord, {"staff": staff})
    async with in_transaction() as connection:
        if not await Enterprise.filter(id=enterprise_id).using_db(connection).exists():
            raise NotFound(f"no enterprise {enterprise_id}")
        service = await Service.filter(id=service_id).using_db(connection).first()
        if service is None:
            raise NotFound(f"no service {service_id}")
        if service.status != ServiceStatus.PUBLISHED:
            raise InputError(
                f"service {service_id} is {service.status}: only a published service is delivered",
                field="serviceId",
            )
        if agency_id is None:
            agency_id = service.agency_id  # type: ignore[assignment]  # a UUID at run time
        elif not await Agency.filter(id=agency_id).using_db(connection).exists():
            raise NotFound(f"no agency {agency_id}")
        if demand_id is not None:
            demand = await demands.on_service_started(demand_id, actor, connection)
            if demand.enterprise_id != enterprise_id:
                raise InputError(f"demand {demand_id} is another enterprise's", field="demandId")
            if demand.matched_service_id not in (None, service_id):
                raise InputError(
                    f"demand {demand_id} is matched to another service", field="demandId"
                )
        record = await ServiceRecord.create(
            enterprise_id=enterprise_id,
            service_id=service_id,
            agency_id=agency_id,
            demand_id=demand_id,
            channel=channel.value,
            # The staff member's name is personal data and stays out of the hashed content,
            # so it can be erased or pseudonymised on request without breaking the chain; the
            # acting account is named by the entry's actor.
            staff=staff,
            status=ServiceRecordStatus.IN_PROGRESS.value,
            started_at=clock.now(),
            using_db=connection,
        )
        content = _facts(
            record, "enterprise", "service", "agency", "demand", "channel", "status", "startedAt"
        )
        await _append(
            record, STARTED, event_kinds.SERVICE_RECORD_STARTED, actor, content, connection
        )
    return record


async def complete_service_record(
    actor: Actor,
    record_id: uuid.UUID,
    outcome: str,
    fee: Decimal | None = None,
    voucher_id: uuid.UUID | None = None,
) -> ServiceRecord:
    """Record the outcome; a voucher is redeemed and a demand completed in the same step."""
    require(actor, WRITE_ROLES, "complete service records")
    outcome = required_text(outcome, "outcome", MAX_OUTCOME)
    # Rounded to the cent here, so what is hashed is what either database keeps.
    fee = None if fee is None else money("fee", fee, MAX_FEE)
    async with in_transaction() as connection:
        record = await locked_record(record_id, connection)
        if record.status != ServiceRecordStatus.IN_PROGRESS:
            raise InvalidTransition(
                f"service record {record_id} is {record.status}, not IN_PROGRESS",
                status=record.status,
            )
        record.status = ServiceRecordStatus.COMPLETED.value
        record.outcome, record.fee, record.completed_at = outcome, fee, clock.now()
        if voucher_id is not None:
            # Sets record.voucher_id (and its column) or raises the voucher's own error code.
            await vouchers.redeem_for_record(voucher_id, record, actor, connection)
        await record.save(using_db=connection)
        if record.demand_id is not None:
            await demands.on_service_completed(record.demand_id, actor, connection)
        content = _facts(record, "status", "outcome", "fee", "voucher", "completedAt")
        await _append(
            record, COMPLETED, event_kinds.SERVICE_RECORD_COMPLETED, actor, content, connection
        )
    return record


async def correct_service_record(
    actor: Actor,
    record_id: uuid.UUID,
    reason: str,
    outcome: str | None = None,
    fee: Decimal | None = None,
    channel: Channel | None = None,
) -> ServiceRecord:
    """Correct a completed record: a new CORRECTED entry with the reason and the changes."""
    require(actor, WRITE_ROLES, "correct service records")
    reason = required_text(reason, "reason", MAX_OUTCOME)
    asked: dict[str, Any] = {
        "outcome": None if outcome is None else required_text(outcome, "outcome", MAX_OUTCOME),
        "fee": None if fee is None else money("fee", fee, MAX_FEE),
        "channel": None if channel is None else Channel(channel).value,
    }
    async with in_transaction() as connection:
        record = await locked_record(record_id, connection)
        if record.status != ServiceRecordStatus.COMPLETED:
            # Until it is completed the record holds no outcome to correct.
            raise InvalidTransition(
                f"service record {record_id} is {record.status}: only a completed one is corrected",
                status=record.status,
            )
        changes = {
            name: value
            for name, value in asked.items()
            if value is not None and value != getattr(record, name)
        }
        if not changes:
            raise InputError("the correction changes nothing: give a new outcome, fee or channel")
        record.update_from_dict(changes)
        await record.save(update_fields=list(changes), using_db=connection)
        content = {"reason": reason, "changes": changes, "correctedAt": clock.now()}
        await _append(
            record, CORRECTED, event_kinds.SERVICE_RECORD_CORRECTED, actor, content, connection
        )
    return record


async def list_service_records(
    actor: Actor, record_filter: ServiceRecordFilter, first: int, after: str | None
) -> Page[ServiceRecord]:
    require(actor, READ_ROLES, "read service records")
    f = record_filter
    query = ServiceRecord.all()
    if f.enterprise_id is not None:
        # Served by the (enterprise_id, id) index, which also gives the page order.
        query = query.filter(enterprise_id=f.enterprise_id)
    if f.service_id is not None:
        query = query.filter(service_id=f.service_id)
    if f.agency_id is not None:
        query = query.filter(agency_id=f.agency_id)
    if f.channel is not None:
        query = query.filter(channel=Channel(f.channel).value)
    query = within(query, "started_at", f.from_date, f.to_date, f.timezone)
    return await paginate(query, first, after)


async def get_service_record(actor: Actor, record_id: uuid.UUID) -> ServiceRecord | None:
    require(actor, READ_ROLES, "read service records")
    return await ServiceRecord.get_or_none(id=record_id)


async def get_chain_entry(actor: Actor, position: int) -> ChainEntry | None:
    """The chain entry at a 0-based position; None past the end."""
    require(actor, READ_ROLES, "read service-record history")
    if position < 0:
        raise InputError("position must not be negative", field="position")
    return await chain.entry_at(position)


# Verification


def _replay(entries: list[ChainEntry]) -> dict[str, Any]:
    """What a record's history says its current view is, in canonical values."""
    state: dict[str, Any] = {}
    for entry in entries:
        content = json.loads(entry.content)
        if entry.kind in (STARTED, COMPLETED):
            state.update({key: content[key] for key in PROJECTED if key in content})
        elif entry.kind == CORRECTED:
            state.update(content.get("changes", {}))
        elif entry.kind == vouchers.CHAIN_KIND_VOUCHER:
            state["voucher"] = content.get("voucher")
    return state


async def verify_history(batch: int = 500) -> tuple[int, chain.Break | None]:
    """Walk the chain, then check every record's current row against its history.

    The second step is what catches a ``service_records`` row edited behind the node's back;
    reading the columns back and comparing canonical values also proves that what was hashed
    survives the round trip through the database.
    """
    checked, broken = await chain.verify()
    if broken is not None:
        return checked, broken
    first: chain.Break | None = None
    query = ServiceRecord.all().order_by("id").limit(batch)
    while rows := await query:
        history = await _histories([row.id for row in rows])
        for row in rows:
            found = _differs(row, history[row.id], checked)
            if found is not None:
                found = await _recheck(row.id, checked)
            if found is not None and (first is None or found.position < first.position):
                first = found
        query = ServiceRecord.filter(id__gt=rows[-1].id).order_by("id").limit(batch)
    return checked, first or await _verify_feedback(checked, batch)


async def _verify_feedback(length: int, batch: int) -> chain.Break | None:
    """Feedback rows feed the satisfaction indicator: each must match its FEEDBACK entry."""
    query = Feedback.all().order_by("id").limit(batch)
    while rows := await query:
        entries = {
            entry.service_record_id: entry
            for entry in await ChainEntry.filter(
                service_record_id__in=[row.service_record_id for row in rows], kind="FEEDBACK"
            )
        }
        for row in rows:
            entry = entries.get(row.service_record_id)
            hashed = json.loads(entry.content) if entry is not None else {}
            stored = chain.canonical_value(
                {"rating": row.rating, "channel": row.channel, "at": row.created_at}
            )
            if any(hashed.get(key) != value for key, value in stored.items()):
                position = entry.position if entry is not None else length
                reason = "feedback row differs from its chain entry"
                return chain.Break(position, reason, row.service_record_id)
        query = Feedback.filter(id__gt=rows[-1].id).order_by("id").limit(batch)
    return None


async def _histories(record_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ChainEntry]]:
    history: dict[uuid.UUID, list[ChainEntry]] = {key: [] for key in record_ids}
    for entry in await ChainEntry.filter(service_record_id__in=record_ids).order_by("position"):
        history[entry.service_record_id].append(entry)
    return history


async def _recheck(record_id: uuid.UUID, length: int, attempts: int = 3) -> chain.Break | None:
    """Tell a tampered row from one that changed while it was read on a live node.

    A row changes only together with a new entry of its own, so a row read between two equal
    readings of its history is the row that history describes.
    """
    for _ in range(attempts):
        before = (await _histories([record_id]))[record_id]
        row = await ServiceRecord.get(id=record_id)
        after = (await _histories([record_id]))[record_id]
        if [e.position for e in before] == [e.position for e in after]:
            break
    return _differs(row, after, length)


def _differs(row: ServiceRecord, entries: list[ChainEntry], length: int) -> chain.Break | None:
    if not entries:
        return chain.Break(length, "a service record without any history entry", row.id)
    state = _replay(entries)
    differing = [
        key
        for key, column in PROJECTED.items()
        if chain.canonical_value(getattr(row, column)) != state.get(key)
    ]
    if not differing:
        return None
    return chain.Break(
        entries[-1].position,
        f"the service record's row differs from its history: {', '.join(differing)}",
        row.id,
    )
