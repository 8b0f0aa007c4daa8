"""Cooperation agreements (合作协议, DESIGN §6 "Trust"): what the windows' nodes show, through
the network schema, to a caller other than the public.

An agreement shares record types (its ``scope``) from ``valid_from`` through ``valid_until``
(days in Asia/Shanghai; EXPIRED is read from the dates, like a voucher's) until terminated.

- window–window (``window`` and ``partner``): each window reads the other's records of the
  scope, both directions, through the hub's ``network``. A window's node calls the hub with its
  own token (role WINDOW); the hub asks each window for each list with a token of role PARTNER
  on behalf of (``obo``) the caller where an agreement shares that list, which the node answers
  read-only without personal data — and with the PUBLIC role otherwise, answered as to an
  anonymous caller: only the public catalogue. A window always reads its own records.
- hub–window (``partner`` null): governs the hub users' supervision reads of that window's
  lists — HUB_SUPERVISION where in scope, PUBLIC otherwise. Connection creates the default one,
  sharing everything without end. ``stats`` and the hub's own checks (a node's SDL, keys,
  reports) and the routing of escalated demands (``proposals``: counts of open demands) are
  supervision duties outside agreements.

Scope covers what a request reaches, not only the list it names: the record types of the types
its selection walks through (``demands { enterprise { … } }`` reaches ENTERPRISES). A list that
is shared but whose selection reaches another record type the agreement does not share is
refused for that window (``Forbidden``, naming the window and the types) rather than answered as
to the public, which could not read the list at all. Agencies and experts are the exception:
a hub token shows of them only what anyone sees (no contact details), so any record may carry
them. Services are not: the window's READONLY callers see drafts and retired ones.

Personal data is never shared: neither role sees it on a node.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from federation.errors import Forbidden, InputError, InvalidTransition, NotFound
from federation.ids import check_window_id
from federation.inputs import required_text
from federation.pagination import Page, paginate
from federation.trust import HUB_SUPERVISION, PARTNER, PUBLIC
from hub.domain.access import (
    HUB_ROLES,
    SUPERVISING,
    Actor,
    HubRole,
    require,
)
from hub.domain.calendar import local_today
from hub.models import Agreement, Window

__all__ = [
    "AgreementStatus",
    "RecordType",
    "Sharing",
    "create_agreement",
    "create_default",
    "effective_status",
    "list_agreements",
    "record_type",
    "record_types",
    "sharing_for",
    "terminate_agreement",
]

# Who creates and terminates agreements.
MANAGERS = frozenset({HubRole.HUB_ADMIN, HubRole.HUB_OPERATOR})
TEXT_LIMIT = 2000


class RecordType(enum.StrEnum):
    """What an agreement shares: the node's lists (and their lookups) by record type."""

    SERVICES = "SERVICES"
    AGENCIES = "AGENCIES"
    EXPERTS = "EXPERTS"
    ENTERPRISES = "ENTERPRISES"
    DEMANDS = "DEMANDS"
    SERVICE_RECORDS = "SERVICE_RECORDS"
    ACTIVITIES = "ACTIVITIES"
    ANNOUNCEMENTS = "ANNOUNCEMENTS"
    VOUCHERS = "VOUCHERS"
    STATS = "STATS"
    PLUGIN_RECORDS = "PLUGIN_RECORDS"  # every list of the plugins' namespaces under ``ext``


class AgreementStatus(enum.StrEnum):
    PENDING = "PENDING"  # valid_from not reached
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"  # valid_until passed
    TERMINATED = "TERMINATED"


# The node's root fields (lists and lookups) and the record type each is.
_FIELD_TYPES = {
    "services": RecordType.SERVICES,
    "service": RecordType.SERVICES,
    "agencies": RecordType.AGENCIES,
    "agency": RecordType.AGENCIES,
    "experts": RecordType.EXPERTS,
    "enterprises": RecordType.ENTERPRISES,
    "enterprise": RecordType.ENTERPRISES,
    "demands": RecordType.DEMANDS,
    "demand": RecordType.DEMANDS,
    "serviceRecords": RecordType.SERVICE_RECORDS,
    "serviceRecord": RecordType.SERVICE_RECORDS,
    "activities": RecordType.ACTIVITIES,
    "announcements": RecordType.ANNOUNCEMENTS,
    "vouchers": RecordType.VOUCHERS,
    "stats": RecordType.STATS,
    "ext": RecordType.PLUGIN_RECORDS,
}


# The record type of each core type (the network schema copies them under the node's names).
# A type not named here is part of the record it hangs from: an edge, a demand's transitions, a
# record's feedback, an activity's registrations, a plugin's types.
_TYPE_RECORDS = {
    "Service": RecordType.SERVICES,
    "Agency": RecordType.AGENCIES,
    "Expert": RecordType.EXPERTS,
    "Enterprise": RecordType.ENTERPRISES,
    "Demand": RecordType.DEMANDS,
    "ServiceRecord": RecordType.SERVICE_RECORDS,
    "Activity": RecordType.ACTIVITIES,
    "Announcement": RecordType.ANNOUNCEMENTS,
    "Voucher": RecordType.VOUCHERS,
    "Stats": RecordType.STATS,
}
# What any record may carry without an agreement of its own: a hub token shows of these only
# what an anonymous caller sees (an expert's contact details are personal data).
PUBLIC_CATALOGUE = frozenset({RecordType.AGENCIES, RecordType.EXPERTS})


def record_type(node_path: tuple[str, ...]) -> RecordType | None:
    """The record type of the node's field at ``node_path``; None for one the core contract
    gains later, which no agreement shares until it is named here."""
    return _FIELD_TYPES.get(node_path[0])


def record_types(type_names: Iterable[str]) -> frozenset[RecordType]:
    """The record types of the types a selection reaches."""
    return frozenset(_TYPE_RECORDS[n] for n in type_names if n in _TYPE_RECORDS)


def effective_status(agreement: Agreement, today: date | None = None) -> AgreementStatus:
    today = today or local_today()
    if agreement.terminated_at is not None:
        return AgreementStatus.TERMINATED
    if agreement.valid_from > today:
        return AgreementStatus.PENDING
    if agreement.valid_until is not None and agreement.valid_until < today:
        return AgreementStatus.EXPIRED
    return AgreementStatus.ACTIVE


def _in_force(today: date) -> Q:
    return Q(terminated_at__isnull=True, valid_from__lte=today) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


@dataclass(frozen=True)
class Sharing:
    """What one caller's requests to each window carry: per window, the record types shared
    with the caller (``caller_window`` for a window's node; None for a hub user)."""

    caller_window: str | None = None
    supervising: bool = False
    shared: dict[str, frozenset[RecordType]] = field(default_factory=dict)

    def grant(
        self, window_id: str, node_path: tuple[str, ...], reached: frozenset[RecordType]
    ) -> tuple[str, str | None]:
        """The role, and the window on whose behalf, of a call for ``node_path`` of a node whose
        selection reaches the record types ``reached``. Raises ``Forbidden`` where the list is
        shared but what it reaches is not."""
        kind = record_type(node_path)
        shared = self.shared.get(window_id, frozenset())
        if self.caller_window is not None:
            if window_id == self.caller_window:
                return PARTNER, self.caller_window
            if kind not in shared:
                return PUBLIC, None
            _check_reach(window_id, kind, shared, reached)
            return PARTNER, self.caller_window
        if not self.supervising:
            return PUBLIC, None
        if kind is RecordType.STATS:  # a supervision duty: what the indicators reach is theirs
            return HUB_SUPERVISION, None
        if kind not in shared:
            return PUBLIC, None
        _check_reach(window_id, kind, shared, reached)
        return HUB_SUPERVISION, None


def _check_reach(
    window_id: str,
    kind: RecordType | None,
    shared: frozenset[RecordType],
    reached: frozenset[RecordType],
) -> None:
    if outside := sorted(reached - shared - PUBLIC_CATALOGUE - {kind}):
        raise Forbidden(
            f"the agreement with window {window_id} shares {kind} but not {', '.join(outside)},"
            " which this selection reaches inside it: ask without those fields",
            windowId=window_id,
            recordTypes=outside,
        )


PUBLIC_SHARING = Sharing()


async def sharing_for(actor: Actor) -> Sharing:
    """What ``actor``'s network reads may see today: a window's node (``actor.via``) by its
    window–window agreements, a supervising hub user by the hub–window ones."""
    today = local_today()
    if actor.via is not None:
        window = actor.via
        rows = await Agreement.filter(
            _in_force(today), Q(window=window) | Q(partner=window), partner__isnull=False
        )
        shared: dict[str, set[RecordType]] = {}
        for row in rows:
            other = row.partner if row.window == window else row.window
            assert other is not None
            shared.setdefault(other, set()).update(_types(row.scope))
        return Sharing(window, False, {w: frozenset(t) for w, t in shared.items()})
    if not actor.has_any(SUPERVISING):
        return PUBLIC_SHARING
    hub_window: dict[str, set[RecordType]] = {}
    for row in await Agreement.filter(_in_force(today), partner__isnull=True):
        hub_window.setdefault(row.window, set()).update(_types(row.scope))
    return Sharing(None, True, {w: frozenset(t) for w, t in hub_window.items()})


def _types(scope: list[str]) -> set[RecordType]:
    return {RecordType(s) for s in scope if s in RecordType.__members__}


@dataclass
class AgreementForm:
    window: str
    partner: str | None
    scope: list[RecordType]
    valid_from: date
    valid_until: date | None
    note: str = ""


async def create_agreement(actor: Actor, form: AgreementForm) -> Agreement:
    require(actor, MANAGERS, "create agreements")
    if not form.scope:
        raise InputError("scope names no record type: an agreement shares at least one")
    if form.valid_until is not None and form.valid_until < form.valid_from:
        raise InputError(f"validUntil {form.valid_until} is before validFrom {form.valid_from}")
    if form.valid_until is not None and form.valid_until < local_today():
        raise InputError(f"validUntil {form.valid_until} is already past")
    for window_id in filter(None, (form.window, form.partner)):
        if not await Window.exists(window_id=check_window_id(window_id)):
            raise NotFound(f"no window {window_id!r} in the registry")
    if form.partner == form.window:
        raise InputError(f"window {form.window} cannot make an agreement with itself")
    return await Agreement.create(
        window=form.window,
        partner=form.partner,
        scope=sorted({RecordType(s).value for s in form.scope}),
        valid_from=form.valid_from,
        valid_until=form.valid_until,
        note=form.note.strip()[:TEXT_LIMIT],
        created_by=actor.username,
    )


async def create_default(window: Window, actor: Actor, connection: BaseDBAsyncClient) -> None:
    """At connection: the hub–window agreement sharing everything, unless one is in force."""
    today = local_today()
    in_force = Agreement.filter(_in_force(today), window=window.window_id, partner__isnull=True)
    if await in_force.using_db(connection).exists():
        return
    await Agreement.create(
        window=window.window_id,
        scope=[t.value for t in RecordType],
        valid_from=today,
        note="default: created at connection",
        created_by=actor.username,
        using_db=connection,
    )


async def terminate_agreement(actor: Actor, agreement_id: object, reason: str) -> Agreement:
    require(actor, MANAGERS, "terminate agreements")
    reason = required_text(reason, "reason", TEXT_LIMIT)
    agreement = await Agreement.filter(id=agreement_id).first()
    if agreement is None:
        raise NotFound(f"no agreement {agreement_id}")
    now = datetime.now(UTC)
    # Conditional, so two terminations cannot both write their reason.
    changed = await Agreement.filter(id=agreement.id, terminated_at__isnull=True).update(
        terminated_at=now, terminated_by=actor.username, termination_reason=reason
    )
    if changed == 0:
        raise InvalidTransition(f"agreement {agreement_id} is already terminated")
    await agreement.refresh_from_db()
    return agreement


async def list_agreements(
    actor: Actor,
    window: str | None,
    status: AgreementStatus | None,
    first: int,
    after: str | None,
) -> Page[Agreement]:
    """Agreements newest first; ``window``: those it is a party to."""
    require(actor, HUB_ROLES, "read agreements")
    query = Agreement.all()
    if window is not None:
        window = check_window_id(window)
        query = query.filter(Q(window=window) | Q(partner=window))
    today = local_today()
    if status is AgreementStatus.TERMINATED:
        query = query.filter(terminated_at__isnull=False)
    elif status is AgreementStatus.ACTIVE:
        query = query.filter(_in_force(today))
    elif status is AgreementStatus.PENDING:
        query = query.filter(terminated_at__isnull=True, valid_from__gt=today)
    elif status is AgreementStatus.EXPIRED:
        query = query.filter(terminated_at__isnull=True, valid_until__lt=today)
    return await paginate(query, first, after)
