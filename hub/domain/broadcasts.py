"""Broadcasts (DESIGN §7): the hub publishes a policy or notice to every window on the network
or a selection of them (window ids, a region-code prefix, a kind). One delivery per selected
window is written with the broadcast, in one transaction; each node shows it as a PUBLISHED
announcement from the hub as soon as its delivery gets through — a node that is down gets it
when it is back (``hub.domain.deliveries``)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from federation.errors import InputError, NotFound
from federation.ids import make_id
from federation.inputs import check_lengths
from federation.pagination import Page, paginate
from hub.domain import deliveries
from hub.domain.access import HUB_ROLES, Actor, HubRole, require
from hub.domain.registry import ON_NETWORK, TEXT_LIMIT, WindowKind, region_prefix
from hub.domain.trust import HUB
from hub.models import Broadcast, Window

__all__ = [
    "BROADCAST",
    "BroadcastKind",
    "Selection",
    "get_broadcast",
    "list_broadcasts",
    "publish_broadcast",
]

BROADCAST = "broadcast"  # the delivery kind
PUBLISHERS = frozenset({HubRole.HUB_ADMIN, HubRole.HUB_OPERATOR})
BODY_LIMIT = 4 * TEXT_LIMIT


class BroadcastKind(enum.StrEnum):
    POLICY = "POLICY"
    NOTICE = "NOTICE"


@dataclass(frozen=True)
class Selection:
    """Which windows on the network: all of them, narrowed by each part that is given."""

    windows: list[str] | None = None
    region: str | None = None  # a region-code prefix: "44", "4403", "440305"
    kind: WindowKind | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "windows": self.windows,
            "region": self.region,
            "kind": None if self.kind is None else self.kind.value,
        }


async def _selected(selection: Selection) -> list[Window]:
    query = Window.filter(status__in=list(ON_NETWORK))
    if selection.region is not None:
        query = query.filter(region_code__startswith=region_prefix(selection.region))
    if selection.kind is not None:
        query = query.filter(kind=selection.kind.value)
    if selection.windows is not None:
        query = query.filter(window_id__in=selection.windows)
    windows = await query.order_by("window_id")
    # A named window that is not on the network would silently miss the broadcast: refuse.
    missing = set(selection.windows or ()) - {w.window_id for w in windows}
    if missing:
        raise InputError(
            f"not on the network or outside the selection: {', '.join(sorted(missing))}",
            field="windows",
        )
    if not windows:
        raise InputError("no window on the network matches the selection")
    return windows


async def publish_broadcast(
    actor: Actor, kind: BroadcastKind, title: str, body: str, selection: Selection
) -> Broadcast:
    require(actor, PUBLISHERS, "publish broadcasts")
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise InputError("a broadcast needs a title and a body")
    if len(body) > BODY_LIMIT:
        raise InputError(f"the body is longer than {BODY_LIMIT} characters", field="body")
    check_lengths(Broadcast, {"title": title})
    async with in_transaction() as connection:
        windows = await _selected(selection)
        broadcast = await Broadcast.create(
            kind=kind.value,
            title=title,
            body=body,
            selection=selection.as_json(),
            author=actor.username,
            using_db=connection,
        )
        subject = make_id(HUB, broadcast.id)
        payload = {
            "id": subject,
            "kind": kind.value,
            "title": title,
            "body": body,
            "author": actor.username,
        }
        for window in windows:
            await deliveries.deliver(window, BROADCAST, subject, payload, connection)
    return broadcast


async def list_broadcasts(actor: Actor, first: int, after: str | None) -> Page[Broadcast]:
    require(actor, HUB_ROLES, "read broadcasts")
    return await paginate(Broadcast.all(), first, after)


async def get_broadcast(actor: Actor, key: uuid.UUID) -> Broadcast:
    require(actor, HUB_ROLES, "read broadcasts")
    broadcast = await Broadcast.get_or_none(id=key)
    if broadcast is None:
        raise NotFound(f"no broadcast {make_id(HUB, key)}")
    return broadcast
