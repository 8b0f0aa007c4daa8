"""Per-request GraphQL context: the caller, this window's identity and the DataLoaders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info

from federation.errors import NotFound, SmenetError
from federation.ids import make_id, parse_id
from node.config import NodeSettings
from node.domain.access import ANONYMOUS, Actor
from node.models import Agency as AgencyRow


async def _load_agencies(keys: list[uuid.UUID]) -> list[AgencyRow | None]:
    rows = {row.id: row for row in await AgencyRow.filter(id__in=keys)}
    return [rows.get(key) for key in keys]


@dataclass
class Loaders:
    """One set per request, so a page of N items costs one query per relation, not N."""

    agency: DataLoader[uuid.UUID, AgencyRow | None] = field(
        default_factory=lambda: DataLoader(load_fn=_load_agencies)
    )


@dataclass
class Context:
    settings: NodeSettings
    # A bad token is an error for the fields that need a caller, not for the whole request.
    caller: Actor | SmenetError = ANONYMOUS
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    response: Any = None

    @property
    def actor(self) -> Actor:
        if isinstance(self.caller, SmenetError):
            raise self.caller
        return self.caller

    @property
    def audit_actor(self) -> Actor:
        return ANONYMOUS if isinstance(self.caller, SmenetError) else self.caller

    def network_id(self, key: uuid.UUID) -> str:
        return make_id(self.settings.window_id, key)

    def local_id(self, record_id: str) -> uuid.UUID:
        """The local key of one of this window's records; other windows' IDs are not found here."""
        window_id, key = parse_id(record_id)
        if window_id != self.settings.window_id:
            raise NotFound(f"{record_id} belongs to window {window_id}, not this one")
        return key


Ctx = Info[Context, None]
