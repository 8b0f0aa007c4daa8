"""Per-request GraphQL context of the hub: the caller, the settings, the DataLoaders and the
hub's trust (its key, to sign calls to nodes)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info

from federation.accounts import require
from federation.context import RequestContext, unlimited
from federation.errors import NotFound
from federation.ids import make_id, parse_id
from federation.ratelimit import RateLimiter
from hub.config import HubSettings
from hub.domain.access import HUB_ROLES
from hub.domain.network import Network, NetworkView
from hub.domain.trust import HubTrust

# The hub's own records are named like a window's, with "hub" as the window part.
HUB_ID = "hub"


@dataclass
class Context(RequestContext[HubSettings]):
    # Set by the app for each request: signs the calls to nodes (``HubTrust.token_maker``).
    trust: HubTrust = field(init=False)
    # The network as this request sees it, and the errors its network fields collect
    # (per-window failures, nodes' own errors) for the answer (hub.schema.network).
    network: Network | None = None
    view: NetworkView | None = None
    network_errors: list[dict[str, Any]] = field(default_factory=list)
    # Response path of a list, lookup or stats → the windows its items came from (by index),
    # or the window of a lookup: to name the window of a value that does not fit the schema.
    network_sources: dict[tuple[str | int, ...], list[str] | str] = field(default_factory=dict)
    network_gathers: int = 0  # fields that asked the windows so far (hub.schema.gathering)
    # Objections filed per client address (``fileObjection``); set by the app.
    objections: RateLimiter = field(default_factory=unlimited)

    def hub_only(self, what: str) -> None:
        """Reviews, objections, contacts (PIPL) and histories are for hub roles only."""
        require(self.actor, HUB_ROLES, f"see {what}")

    def network_id(self, key: uuid.UUID) -> str:
        return make_id(HUB_ID, key)

    def local_id(self, record_id: str) -> uuid.UUID:
        """The key of one of the hub's own records; a window's record IDs are not found here."""
        owner, key = parse_id(record_id)
        if owner != HUB_ID:
            raise NotFound(f"{record_id} is a record of window {owner}, not of the hub")
        return key


Ctx = Info[Context, None]
