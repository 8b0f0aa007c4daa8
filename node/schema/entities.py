"""Apollo Federation's ``_entities`` at the node: a malformed representation (not an object, no
or an unknown ``__typename``, not exactly the entity's key) is refused as BAD_INPUT, where the
library's resolver fails on it with an internal error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import strawberry
from graphql import GraphQLUnionType
from strawberry.federation.schema import FederationAny
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.utils.inspect import get_func_args

from federation.errors import InputError
from federation.inputs import quote

__all__ = ["EntitiesSchema"]


class EntitiesSchema(strawberry.federation.Schema):
    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        # Each representation answers on its own: a bad one is an error at its index only.
        resolvers = self._reference_resolvers()
        results: list[FederationAny] = []
        for index, representation in enumerate(representations):
            try:
                _check(f"representations[{index}]", representation, resolvers)
            except InputError as error:
                results.append(cast(FederationAny, error))
            else:
                results.extend(super().entities_resolver(info, [representation]))
        return results

    def _reference_resolvers(self) -> dict[str, Callable[..., Any]]:
        """The entity types by name, each with the classmethod that finds one by its key."""
        union = self._schema.type_map.get("_Entity")
        found: dict[str, Callable[..., Any]] = {}
        for entity in union.types if isinstance(union, GraphQLUnionType) else ():
            definition = self.schema_converter.type_map[entity.name].definition
            if isinstance(definition, StrawberryObjectDefinition):
                resolve = getattr(definition.origin, "resolve_reference", None)
                if resolve is not None:
                    found[entity.name] = resolve
        return found


def _check(where: str, representation: object, resolvers: Mapping[str, Callable[..., Any]]) -> None:
    if not isinstance(representation, Mapping):
        raise InputError(f"{where} must be an object with __typename and the entity's key")
    typename = representation.get("__typename")
    if typename is None:
        raise InputError(f"{where} has no __typename")
    resolve = resolvers.get(typename) if isinstance(typename, str) else None
    if resolve is None:
        raise InputError(
            f"{where}: {quote(typename)} is not an entity type here"
            f" ({', '.join(sorted(resolvers))})"
        )
    keys = sorted(name for name in get_func_args(resolve) if name != "info")
    given = sorted(map(str, set(representation) - {"__typename"}))
    if given != keys:
        named = quote(", ".join(given)) if given else "none"
        raise InputError(f"{where}: a {typename} is found by {', '.join(keys)}, given {named}")
    for key in keys:
        if not isinstance(representation[key], str):
            raise InputError(f"{where}: {key} must be a string")
