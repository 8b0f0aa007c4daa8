"""``ext``: each plugin's GraphQL under its namespace — ``Query.ext``, ``Mutation.ext`` and
``Stats.ext`` — and the check that a plugin's types can join the schema without a clash."""

# No `from __future__ import annotations`: the types here are made while the schema is built.

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

import strawberry
from graphql import GraphQLSchema
from strawberry.tools import create_type

from federation.errors import PluginUnavailable
from node.plugins.manager import Plugin, PluginHost, type_prefix
from node.plugins.types import Period
from node.schema.context import Ctx
from node.schema.stats import Stats, stats_query

# The types that hold the namespaces (DESIGN §6 calls the first one so).
ROOT_NAMES = {
    "query": "NodeExtensions",
    "mutation": "NodeMutationExtensions",
    "stats": "StatsExtensions",
}


@dataclass
class ExtParts:
    """What the plugins add to the root types the schema merges."""

    query: list[type] = field(default_factory=list)
    mutation: list[type] = field(default_factory=list)
    stats: type = field(default_factory=stats_query)


def _namespaces(
    name: str, types: dict[str, tuple[Plugin, type]], make: Callable[[type, Any], Any]
) -> type:
    """A type with one field per namespace, resolving to ``make(plugin type, parent)``.

    The fields are nullable, so an error inside a plugin stops at its namespace and the rest of
    the answer stands; a plugin taken out of use after the schema was built (its migrations or
    startup failed) answers ``PLUGIN_UNAVAILABLE``."""

    def field_of(namespace: str, plugin: Plugin, graphql_type: type) -> Any:
        def resolve(root: Any) -> Any:
            if not plugin.active:
                raise PluginUnavailable(f"plugin {plugin.name} is not in use: {plugin.error}")
            return make(graphql_type, root)

        field = strawberry.field(
            resolver=resolve,
            name=namespace,
            graphql_type=Optional[graphql_type],  # noqa: UP045
        )
        # create_type keys fields by their Python name, which would be the resolver's for all.
        field.python_name = namespace
        return field

    fields = [field_of(ns, plugin, t) for ns, (plugin, t) in sorted(types.items())]
    return create_type(name, fields)


def _holder(name: str, namespaces: type, description: str) -> type:
    """A root-type part with the one field ``ext`` that returns the namespaces type."""

    def ext() -> Any:
        return namespaces()

    return create_type(
        name,
        [
            strawberry.field(
                resolver=ext, name="ext", graphql_type=namespaces, description=description
            )
        ],
    )


def ext_parts(host: PluginHost, plugins: list[Plugin]) -> ExtParts:
    def contributed(hook: str) -> dict[str, tuple[Plugin, type]]:
        found = {}
        for plugin in plugins:
            graphql_type = host.call(plugin, hook, config=plugin.config)
            if graphql_type is not None:
                found[plugin.namespace] = (plugin, graphql_type)
        return found

    parts = ExtParts()
    if queries := contributed("smenet_query"):
        types = _namespaces(ROOT_NAMES["query"], queries, lambda t, _: t())
        parts.query.append(_holder("ExtQuery", types, "the plugins' queries"))
    if mutations := contributed("smenet_mutation"):
        types = _namespaces(ROOT_NAMES["mutation"], mutations, lambda t, _: t())
        parts.mutation.append(_holder("ExtMutation", types, "the plugins' mutations"))
    if indicators := contributed("smenet_stats"):
        types = _namespaces(ROOT_NAMES["stats"], indicators, lambda t, period: t(period=period))

        @strawberry.type(name="Stats", description=Stats.__strawberry_definition__.description)
        class StatsWithExt(Stats):
            @strawberry.field(graphql_type=types, description="the plugins' indicators")
            def ext(self, info: Ctx) -> Any:
                # The plugins' types are built from the period (see StatsExtensions).
                return Period(self.from_date, self.to_date, info.context.settings.timezone)

        parts.stats = stats_query(StatsWithExt)
    return parts


def type_names(schema: GraphQLSchema) -> set[str]:
    return {name for name in schema.type_map if not name.startswith("__")}


def checked_build(
    build: Callable[[ExtParts], strawberry.Schema], host: PluginHost
) -> strawberry.Schema:
    """The schema with every plugin whose types join it cleanly; the others are taken out of use
    with the reason (a type name without the namespace's prefix, or one already taken)."""
    accepted: list[Plugin] = []
    schema = build(ExtParts())
    names = type_names(schema._schema)
    for plugin in list(host.active()):
        if not {"smenet_query", "smenet_mutation", "smenet_stats"} & set(plugin.hooks):
            continue
        prefix = type_prefix(plugin.namespace)
        try:
            candidate = build(ext_parts(host, [*accepted, plugin]))
        except Exception as error:  # noqa: BLE001 - e.g. a type name another plugin has
            host.fail(plugin, f"its GraphQL types do not fit: {error}")
            continue
        added = type_names(candidate._schema) - names - set(ROOT_NAMES.values())
        # `lab` may not take `LabTest…`: those names are the `lab_test` plugin's.
        theirs = [
            other
            for other in (type_prefix(p.namespace) for p in host.active() if p is not plugin)
            if other.startswith(prefix) and other != prefix
        ]
        misnamed = sorted(
            n for n in added if not n.startswith(prefix) or n.startswith(tuple(theirs))
        )
        if misnamed:
            others = f" (nor with {', '.join(repr(t) for t in theirs)})" if theirs else ""
            host.fail(
                plugin,
                f"GraphQL type names must start with {prefix!r}{others}: {', '.join(misnamed)}",
            )
            continue
        accepted.append(plugin)
        schema, names = candidate, type_names(candidate._schema)
    return schema
