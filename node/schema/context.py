"""Per-request GraphQL context: the caller, this window's identity and the DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from strawberry.types import Info
from tortoise.models import Model

from federation.context import RequestContext
from federation.errors import Forbidden, NotFound
from federation.ids import make_id, parse_id
from node.config import NodeSettings
from node.domain.access import PERSONAL_DATA_ROLES
from node.plugins import manager as plugins

M = TypeVar("M", bound=Model)
T = TypeVar("T")


class Context(RequestContext[NodeSettings]):
    async def related(
        self, model: type[M], key: uuid.UUID | None, convert: Callable[[M, Context], T]
    ) -> T | None:
        """The GraphQL object of a related row, loaded in one batch with its siblings."""
        if key is None:
            return None
        row = await self.loaders.of(model).load(key)
        return None if row is None else convert(row, self)

    def personal(self, value: str, what: str) -> str:
        """Personal information (PIPL) is shown to STAFF and WINDOW_ADMIN only."""
        if not self.actor.has_any(PERSONAL_DATA_ROLES):
            raise Forbidden(f"{what} is visible to STAFF and WINDOW_ADMIN only")
        return value

    def plugin_config(self, namespace: str) -> Any:
        """A plugin's settings: its ``[plugins.<namespace>]`` section, parsed into its dataclass."""
        return plugins.config_of(namespace)

    def network_id(self, key: uuid.UUID) -> str:
        return make_id(self.settings.window_id, key)

    def local_id(self, record_id: str) -> uuid.UUID:
        """The local key of one of this window's records; other windows' IDs are not found here."""
        window_id, key = parse_id(record_id)
        if window_id != self.settings.window_id:
            raise NotFound(f"{record_id} belongs to window {window_id}, not this one")
        return key


Ctx = Info[Context, None]
