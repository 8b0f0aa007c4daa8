"""Service vouchers (服务券): issued to an enterprise, redeemed once against a value-added service.

A network voucher is the hub's (DESIGN §7): ``confirm_network_voucher`` has the hub confirm the
redemption, outside any transaction, before ``record_network_voucher`` records the voucher here,
so it is spent once across the network.

A voucher past its ``valid_until`` day (Asia/Shanghai) is EXPIRED. Nothing rewrites the stored
status when the day passes: the effective status is computed from ``valid_until`` wherever a
voucher is read or filtered, so it is right at midnight without a scheduler.
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from federation.errors import (
    AlreadyRedeemed,
    Conflict,
    HubUnreachable,
    InputError,
    NotFound,
    NotRecorded,
    SmenetError,
    VoucherCategoryMismatch,
    VoucherExpired,
)
from federation.ids import make_id
from federation.inputs import money
from federation.pagination import Page, paginate
from node import clock
from node.domain import chain
from node.domain.access import READ_ROLES, WRITE_ROLES, Actor, require
from node.domain.catalogue import ServiceCategory
from node.domain.periods import local_today
from node.hub_client import HUB, HubClient
from node.models import Enterprise, Service, ServiceRecord, Voucher

log = logging.getLogger("smenet.vouchers")

# Calendar days of the platform (DESIGN §4); a voucher is valid through its last day there.
LOCAL_TIMEZONE = "Asia/Shanghai"
# The service record history entry a redemption after completion appends.
CHAIN_KIND_VOUCHER = "VOUCHER"
# `amount` column: 12 digits, 2 decimals.
MAX_AMOUNT = Decimal("1e10")


class VoucherStatus(enum.StrEnum):
    ISSUED = "ISSUED"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"


@dataclass
class VoucherFilter:
    status: VoucherStatus | None = None
    enterprise_id: uuid.UUID | None = None


def effective_status(voucher: Voucher, today: date | None = None) -> VoucherStatus:
    """The stored status, except that an unredeemed voucher past its last day is EXPIRED."""
    status = VoucherStatus(voucher.status)
    today = today or local_today(LOCAL_TIMEZONE)
    if status is VoucherStatus.ISSUED and voucher.valid_until < today:
        return VoucherStatus.EXPIRED
    return status


async def issue_voucher(
    actor: Actor,
    enterprise_id: uuid.UUID,
    amount: Decimal,
    valid_until: date,
    categories: list[str],
) -> Voucher:
    require(actor, WRITE_ROLES, "issue vouchers")
    amount = money("amount", amount, MAX_AMOUNT)
    if amount == 0:
        raise InputError("amount must be positive")
    if valid_until < local_today(LOCAL_TIMEZONE):
        raise InputError(f"validUntil {valid_until} is already past")
    if not await Enterprise.exists(id=enterprise_id):
        raise NotFound(f"no enterprise {enterprise_id}")
    return await Voucher.create(
        enterprise_id=enterprise_id,
        amount=amount,
        valid_until=valid_until,
        categories=sorted({ServiceCategory(c).value for c in categories}),
        status=VoucherStatus.ISSUED.value,
        issued_by=actor.username,
    )


def _check_value_added(service: Service) -> None:
    if service.public_welfare:
        raise InputError(
            f"service {service.id} is a free public-welfare service: vouchers pay only for "
            "value-added services"
        )


async def redeem_for_record(
    voucher_id: uuid.UUID,
    record: ServiceRecord,
    actor: Actor,
    connection: BaseDBAsyncClient,
) -> Voucher:
    """Redeem a voucher against ``record`` inside the caller's transaction ``connection``.

    Checks are made on a plain read; the redemption itself is one conditional UPDATE
    (``… WHERE status = 'ISSUED'``), so of two concurrent redemptions exactly one changes a row
    and the other gets ``ALREADY_REDEEMED``, on every database and without a lock.
    A voucher of another enterprise is ``BAD_INPUT``: the caller named the wrong voucher.
    """
    voucher = await Voucher.filter(id=voucher_id).using_db(connection).first()
    if voucher is None:
        raise NotFound(f"no voucher {voucher_id}")
    status = effective_status(voucher)
    if status is VoucherStatus.REDEEMED:
        raise AlreadyRedeemed(f"voucher {voucher_id} is already redeemed")
    if status is VoucherStatus.EXPIRED:
        raise VoucherExpired(f"voucher {voucher_id} expired after {voucher.valid_until}")
    if voucher.enterprise_id != record.enterprise_id:
        raise InputError(f"voucher {voucher_id} is issued to another enterprise")
    service = await Service.filter(id=record.service_id).using_db(connection).get()
    if voucher.categories and service.category not in voucher.categories:
        raise VoucherCategoryMismatch(
            f"voucher {voucher_id} covers {', '.join(voucher.categories)}, not {service.category}",
            categories=voucher.categories,
        )
    _check_value_added(service)
    redeemed_at = clock.now()
    changed = (
        # Still valid at the moment of the write, too: a check at 23:59 must not spend at 00:00.
        await Voucher.filter(
            id=voucher_id,
            status=VoucherStatus.ISSUED.value,
            valid_until__gte=local_today(LOCAL_TIMEZONE),
        )
        .using_db(connection)
        .update(
            status=VoucherStatus.REDEEMED.value,
            redeemed_at=redeemed_at,
            service_record_id=record.id,
        )
    )
    if changed == 0:
        raise AlreadyRedeemed(f"voucher {voucher_id} is already redeemed")
    await _attach(voucher_id, record, connection)
    voucher.status, voucher.redeemed_at = VoucherStatus.REDEEMED.value, redeemed_at
    voucher.service_record_id = record.id
    return voucher


async def _attach(
    voucher_id: uuid.UUID, record: ServiceRecord, connection: BaseDBAsyncClient
) -> None:
    # Conditional as well, so two vouchers racing for one record cannot both attach.
    attached = (
        await ServiceRecord.filter(Q(voucher_id__isnull=True) | Q(voucher_id=voucher_id))
        .filter(id=record.id)
        .using_db(connection)
        .update(voucher_id=voucher_id)
    )
    if attached == 0:
        raise Conflict(f"service record {record.id} already carries another voucher")
    record.voucher_id = voucher_id


async def redeem_voucher(
    actor: Actor, voucher_id: uuid.UUID, service_record_id: uuid.UUID
) -> Voucher:
    """Pay a delivered (COMPLETED) value-added service record with a voucher, after the fact."""
    # Imported here: records imports this module to redeem while completing a record.
    from node.domain.records import locked_record

    require(actor, WRITE_ROLES, "redeem vouchers")
    async with in_transaction() as connection:
        record = await locked_record(service_record_id, connection, completed=True)
        if record.voucher_id is not None:
            raise Conflict(f"service record {service_record_id} already carries a voucher")
        voucher = await redeem_for_record(voucher_id, record, actor, connection)
        await _chain_redemption(voucher, record, actor, connection)
    return voucher


async def _chain_redemption(
    voucher: Voucher, record: ServiceRecord, actor: Actor, connection: BaseDBAsyncClient
) -> None:
    # The record's current view changed: its history says so.
    await chain.append(
        record.id,
        CHAIN_KIND_VOUCHER,
        actor.username,
        {"voucher": voucher.id, "amount": voucher.amount, "redeemedAt": voucher.redeemed_at},
        connection,
    )


REDEEM_AT_HUB = """mutation($id: ID!, $record: ID!, $uscc: String!, $category: ServiceCategory!) {
  redeemNetworkVoucher(id: $id, serviceRecordId: $record, uscc: $uscc, category: $category) {
    amount category validUntil issuedBy redeemedAt } }"""


@dataclass(frozen=True)
class ConfirmedRedemption:
    """A network voucher's redemption the hub confirmed, read from its answer: still to be
    recorded here (``record_network_voucher``)."""

    voucher_id: uuid.UUID
    service_record_id: uuid.UUID
    amount: Decimal
    valid_until: date
    category: str | None
    issued_by: str
    redeemed_at: datetime


async def confirm_network_voucher(
    actor: Actor, voucher_id: uuid.UUID, service_record_id: uuid.UUID, hub: HubClient
) -> ConfirmedRedemption:
    """The hub's confirmation that a network voucher (``hub:<id>``) pays a COMPLETED value-added
    service record here, after the checks this node can make on a plain read.

    Called outside any transaction: the hub may take its whole timeout to answer, and an open
    transaction would hold the database meanwhile (on SQLite, every write of the node). Without
    the hub's answer nothing is recorded (``HUB_UNREACHABLE``); the hub confirms the same record
    again, so the same call later is safe even when it had confirmed an answer that was lost."""
    from node.domain.records import completed_record

    require(actor, WRITE_ROLES, "redeem vouchers")
    record = await completed_record(service_record_id)
    if record.voucher_id is not None:
        raise Conflict(f"service record {service_record_id} already carries a voucher")
    enterprise = await Enterprise.get(id=record.enterprise_id)
    service = await Service.get(id=record.service_id)
    _check_value_added(service)
    variables = {
        "id": make_id(HUB, voucher_id),
        "record": make_id(hub.window_id, record.id),
        "uscc": enterprise.uscc,
        "category": service.category,
    }
    confirmed = await hub.confirm(REDEEM_AT_HUB, variables, "redeemNetworkVoucher")
    try:
        return ConfirmedRedemption(
            voucher_id=voucher_id,
            service_record_id=record.id,
            amount=Decimal(str(confirmed["amount"])),
            valid_until=date.fromisoformat(confirmed["validUntil"]),
            category=confirmed["category"],
            issued_by=f"{HUB}:{confirmed['issuedBy']}"[:64],
            redeemed_at=datetime.fromisoformat(confirmed["redeemedAt"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise HubUnreachable(f"the hub's confirmation cannot be read: {error!r}") from None


async def record_network_voucher(actor: Actor, confirmed: ConfirmedRedemption) -> Voucher:
    """Record a redemption the hub confirmed, in one short transaction: the record locked and
    checked again, the voucher written REDEEMED and attached, the record's history appended.

    A failure to write leaves nothing here while the hub holds the voucher as this record's:
    ``NOT_RECORDED``, and the same redemption again is confirmed by the hub and recorded."""
    from node.domain.records import locked_record

    voucher_id, record_id = confirmed.voucher_id, confirmed.service_record_id
    try:
        async with in_transaction() as connection:
            record = await locked_record(record_id, connection, completed=True)
            if record.voucher_id == voucher_id:  # the same call, made twice at once
                raise Conflict(f"service record {record_id} already carries this voucher")
            if record.voucher_id is not None:
                # Paid meanwhile by another redemption here: the hub's voucher stays spent on
                # this record, which a retry cannot change.
                raise Conflict(
                    f"service record {record_id} got voucher {record.voucher_id} while the hub "
                    f"confirmed network voucher {make_id(HUB, voucher_id)} for it; the hub "
                    "holds that one as redeemed for this record"
                )
            voucher = await Voucher.create(
                id=voucher_id,
                enterprise_id=record.enterprise_id,
                amount=confirmed.amount,
                valid_until=confirmed.valid_until,
                categories=[c for c in [confirmed.category] if c],
                status=VoucherStatus.REDEEMED.value,
                issued_by=confirmed.issued_by,
                redeemed_at=confirmed.redeemed_at,
                service_record_id=record.id,
                from_hub=True,
                using_db=connection,
            )
            await _attach(voucher.id, record, connection)
            await _chain_redemption(voucher, record, actor, connection)
    except SmenetError:
        raise
    except Exception as error:
        log.warning("network voucher %s not recorded", voucher_id, exc_info=True)
        raise NotRecorded(
            f"the hub confirmed network voucher {make_id(HUB, voucher_id)} for service record "
            f"{record_id}, but this node failed to record it ({type(error).__name__}): nothing "
            "was changed here; redeem the same voucher for the same record again to record it"
        ) from error
    return voucher


async def list_vouchers(
    actor: Actor, voucher_filter: VoucherFilter, first: int, after: str | None
) -> Page[Voucher]:
    require(actor, READ_ROLES, "read vouchers")
    query = Voucher.all()
    f = voucher_filter
    if f.enterprise_id is not None:
        query = query.filter(enterprise_id=f.enterprise_id)
    today = local_today(LOCAL_TIMEZONE)
    if f.status is VoucherStatus.ISSUED:
        query = query.filter(status=VoucherStatus.ISSUED.value, valid_until__gte=today)
    elif f.status is VoucherStatus.EXPIRED:
        query = query.filter(
            Q(status=VoucherStatus.EXPIRED.value)
            | Q(status=VoucherStatus.ISSUED.value, valid_until__lt=today)
        )
    elif f.status is VoucherStatus.REDEEMED:
        query = query.filter(status=VoucherStatus.REDEEMED.value)
    return await paginate(query, first, after)
