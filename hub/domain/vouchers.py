"""Network vouchers (服务券, DESIGN §7): issued by the hub to an enterprise (by credit code),
redeemable at any window, once across the network.

A window's node redeems one by asking the hub first (``redeem_voucher``): the hub checks it and
spends it with one conditional UPDATE (ISSUED and still valid → REDEEMED, by that window, for
that service record), so of two windows redeeming at once exactly one changes the row. The same
window asking again for the same record is answered as redeemed (its node's retry after a
failure of its own write). Expiry is read from ``valid_until`` (days in Asia/Shanghai) like a
window's vouchers: nothing rewrites the stored status, so it is right at midnight without a job.
"""

from __future__ import annotations

import enum
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from graphql import GraphQLEnumType

from federation.contract import core_schema
from federation.errors import (
    AlreadyRedeemed,
    Forbidden,
    InputError,
    NotFound,
    VoucherCategoryMismatch,
    VoucherExpired,
)
from federation.ids import parse_id
from federation.inputs import money, quote
from federation.pagination import Page, paginate
from hub.domain.access import HUB_ROLES, Actor, HubRole, require
from hub.domain.calendar import local_today
from hub.models import NetworkVoucher

__all__ = [
    "ServiceCategory",
    "VoucherStatus",
    "check_redemption",
    "effective_status",
    "issue_voucher",
    "list_vouchers",
    "redeem_voucher",
    "spend",
]

ISSUERS = frozenset({HubRole.HUB_ADMIN, HubRole.HUB_OPERATOR})
MAX_AMOUNT = Decimal("1e10")  # the `amount` column: 12 digits, 2 decimals
# The shape of a unified social credit code; its check character is the windows' to verify,
# where the enterprise is registered: the hub only matches codes.
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}$")


def _core_categories() -> list[str]:
    categories = core_schema().get_type("ServiceCategory")
    assert isinstance(categories, GraphQLEnumType)
    return list(categories.values)


# The core contract's service categories: the same values, so the network schema shares it.
ServiceCategory = enum.StrEnum(  # type: ignore[misc]
    "ServiceCategory", [(name, name) for name in _core_categories()]
)


class VoucherStatus(enum.StrEnum):
    ISSUED = "ISSUED"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"


def effective_status(voucher: NetworkVoucher, today: date | None = None) -> VoucherStatus:
    """The stored status, except that an unredeemed voucher past its last day is EXPIRED."""
    status = VoucherStatus(voucher.status)
    if status is VoucherStatus.ISSUED and voucher.valid_until < (today or local_today()):
        return VoucherStatus.EXPIRED
    return status


def _uscc(text: str) -> str:
    """A credit code's shape (the node checks the code itself), upper-cased."""
    uscc = text.strip().upper()
    if not USCC_SHAPE.match(uscc):
        raise InputError(f"{quote(uscc)} is not a unified social credit code", field="uscc")
    return uscc


async def issue_voucher(
    actor: Actor,
    uscc: str,
    amount: Decimal,
    category: str | None,
    valid_until: date,
) -> NetworkVoucher:
    require(actor, ISSUERS, "issue network vouchers")
    uscc = _uscc(uscc)
    amount = money("amount", amount, MAX_AMOUNT)
    if amount == 0:
        raise InputError("amount must be positive")
    if valid_until < local_today():
        raise InputError(f"validUntil {valid_until} is already past")
    return await NetworkVoucher.create(
        uscc=uscc,
        amount=amount,
        category=None if category is None else ServiceCategory(category).value,
        valid_until=valid_until,
        status=VoucherStatus.ISSUED.value,
        issued_by=actor.username,
    )


def _redeemed_here(voucher: NetworkVoucher, window: str, service_record_id: str) -> bool:
    return (
        voucher.status == VoucherStatus.REDEEMED.value
        and voucher.redeemed_by == window
        and voucher.service_record_id == service_record_id
    )


async def check_redemption(
    actor: Actor, voucher_id: uuid.UUID, service_record_id: str, uscc: str, category: str
) -> NetworkVoucher:
    """The voucher, read and checked for a redemption by the calling window's node against its
    service record (the network ID), of the enterprise ``uscc``, of a service of ``category``."""
    window = actor.via
    if window is None:
        raise Forbidden("network vouchers are redeemed by a window's node, with its token")
    if parse_id(service_record_id)[0] != window:
        raise InputError(f"{service_record_id} is not a service record of window {window}")
    voucher = await NetworkVoucher.filter(id=voucher_id).first()
    if voucher is None:
        raise NotFound(f"no network voucher {voucher_id}")
    if _redeemed_here(voucher, window, service_record_id):
        return voucher
    status = effective_status(voucher)
    if status is VoucherStatus.REDEEMED:
        raise AlreadyRedeemed(f"network voucher {voucher_id} is already redeemed")
    if status is VoucherStatus.EXPIRED:
        raise VoucherExpired(f"network voucher {voucher_id} expired after {voucher.valid_until}")
    if voucher.uscc != uscc:
        raise InputError(f"network voucher {voucher_id} is issued to another enterprise")
    if voucher.category is not None and voucher.category != category:
        raise VoucherCategoryMismatch(
            f"network voucher {voucher_id} covers {voucher.category}, not {category}",
            categories=[voucher.category],
        )
    return voucher


async def spend(actor: Actor, voucher: NetworkVoucher, service_record_id: str) -> NetworkVoucher:
    """Mark a checked voucher REDEEMED by the calling window: one conditional UPDATE, so of two
    redemptions at once exactly one changes the row; the other gets ``ALREADY_REDEEMED``."""
    window = actor.via
    assert window is not None  # check_redemption refused other callers
    if _redeemed_here(voucher, window, service_record_id):
        return voucher
    redeemed_at = datetime.now(UTC)
    changed = await NetworkVoucher.filter(
        id=voucher.id,
        status=VoucherStatus.ISSUED.value,
        # Still valid at the moment of the write: a check at 23:59 must not spend at 00:00.
        valid_until__gte=local_today(),
    ).update(
        status=VoucherStatus.REDEEMED.value,
        redeemed_by=window,
        service_record_id=service_record_id,
        redeemed_at=redeemed_at,
    )
    await voucher.refresh_from_db()
    if changed == 0 and not _redeemed_here(voucher, window, service_record_id):
        if effective_status(voucher) is VoucherStatus.EXPIRED:
            raise VoucherExpired(f"network voucher {voucher.id} expired meanwhile")
        raise AlreadyRedeemed(f"network voucher {voucher.id} is already redeemed")
    return voucher


async def redeem_voucher(
    actor: Actor, voucher_id: uuid.UUID, service_record_id: str, uscc: str, category: str
) -> NetworkVoucher:
    """Confirm a window's redemption (its node asks before it records the voucher)."""
    voucher = await check_redemption(actor, voucher_id, service_record_id, uscc, category)
    return await spend(actor, voucher, service_record_id)


async def list_vouchers(
    actor: Actor, status: VoucherStatus | None, uscc: str | None, first: int, after: str | None
) -> Page[NetworkVoucher]:
    require(actor, HUB_ROLES, "read network vouchers")
    query = NetworkVoucher.all()
    if uscc is not None:
        query = query.filter(uscc=_uscc(uscc))
    today = local_today()
    if status is VoucherStatus.ISSUED:
        query = query.filter(status=VoucherStatus.ISSUED.value, valid_until__gte=today)
    elif status is VoucherStatus.EXPIRED:
        query = query.filter(status=VoucherStatus.ISSUED.value, valid_until__lt=today)
    elif status is VoucherStatus.REDEEMED:
        query = query.filter(status=VoucherStatus.REDEEMED.value)
    return await paginate(query, first, after)
