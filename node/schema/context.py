"""Per-request GraphQL context: the caller, this window's identity and the DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info
from tortoise.models import Model

from federation.errors import Forbidden, NotFound, SmenetError
from federation.ids import make_id, parse_id
from node.config import NodeSettings
from node.domain.access import ANONYMOUS, PERSONAL_DATA_ROLES, Actor
from node.plugins import manager as plugins

M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def _load_rows(model: type[M], keys: list[uuid.UUID]) -> list[M | None]:
    rows = {row.pk: row for row in await model.filter(id__in=keys)}
    return [rows.get(key) for key in keys]


async def _load_children(
    model: type[M], parent_field: str, order_by: str, keys: list[uuid.UUID]
) -> list[list[M]]:
    groups: dict[uuid.UUID, list[M]] = {key: [] for key in keys}
    for row in await model.filter(**{f"{parent_field}__in": keys}).order_by(order_by):
        groups[getattr(row, parent_field)].append(row)
    return [groups[key] for key in keys]


class Loaders:
    """DataLoaders of one request, so a page of N items costs one query per relation, not N."""

    def __init__(self) -> None:
        self._loaders: dict[tuple[Any, ...], DataLoader[uuid.UUID, Any]] = {}

    def of(self, model: type[M]) -> DataLoader[uuid.UUID, M | None]:
        """Rows of ``model`` by primary key (None where missing)."""
        key = (model,)
        if key not in self._loaders:
            self._loaders[key] = DataLoader(load_fn=partial(_load_rows, model))
        return self._loaders[key]

    def children(
        self, model: type[M], parent_field: str, order_by: str = "id"
    ) -> DataLoader[uuid.UUID, list[M]]:
        """Rows of ``model`` whose ``parent_field`` (e.g. ``demand_id``) is the key, in order."""
        key = (model, parent_field, order_by)
        if key not in self._loaders:
            self._loaders[key] = DataLoader(
                load_fn=partial(_load_children, model, parent_field, order_by)
            )
        return self._loaders[key]


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
