"""DataLoaders of one GraphQL request, a convention both servers share: a page of N items costs
one query per relation, not N."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

__all__ = ["Loaders"]

M = TypeVar("M", bound=Model)


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
