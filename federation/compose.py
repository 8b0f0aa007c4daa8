"""What the network schema is composed of, read from the nodes' SDLs (DESIGN §6).

The core part is the contract every node contains (``federation.contract`` checks it); a node that
breaks it is left out. What varies from node to node is ``ext``: the plugin namespaces a node serves
under ``Query.ext`` and their indicators under ``Stats.ext``. A namespace enters the network schema
with the definition most of its nodes share (a tie goes to the node listed first, i.e. connected
first); a node whose definition differs is reported and left out of that namespace only — never out
of the other namespaces or the core. A plugin field is then asked only of the nodes listed for it.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass, field

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)

from federation import CORE_SCHEMA_VERSION
from federation.contract import (
    _field_signature,
    _input_value,
    contract_violations,
    core_schema,
    subgraph_schema,
)

__all__ = ["Composition", "Conflict", "Namespace", "NodeSDL", "compose", "sdl_hash"]


@dataclass(frozen=True)
class NodeSDL:
    window_id: str
    sdl: str
    # The core schema version the node said it speaks: its contract is checked against that one.
    core_version: str = CORE_SCHEMA_VERSION


@dataclass(frozen=True)
class Conflict:
    """A node left out of a namespace (or, with ``namespace`` None, out of the network)."""

    window_id: str
    namespace: str | None
    reason: str


@dataclass
class Namespace:
    """A plugin namespace of the network schema: its root type, the types it needs beyond the
    core's (by name), and the windows that serve it with that definition, in input order."""

    name: str
    root: str
    types: dict[str, GraphQLNamedType]
    windows: list[str] = field(default_factory=list)

    def signature(self) -> tuple[str, ...]:
        """Its definition, without descriptions: equal signatures make equal schemas."""
        return (self.name, self.root, *sorted(_signature(t) for t in self.types.values()))


@dataclass
class Composition:
    windows: list[str] = field(default_factory=list)
    queries: dict[str, Namespace] = field(default_factory=dict)
    stats: dict[str, Namespace] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    @functools.cached_property
    def signature(self) -> tuple[tuple[str, ...], ...]:
        """What the network schema holds of it: the namespaces' definitions, not the windows."""
        return tuple(
            (kind, *part.signature())
            for kind in ("queries", "stats")
            for part in getattr(self, kind).values()
        )


def sdl_hash(sdl: str) -> str:
    """What the hub compares to notice that a node's schema changed."""
    return hashlib.sha256(sdl.encode("utf-8")).hexdigest()


def _signature(named: GraphQLNamedType) -> str:
    """A type's definition without its descriptions: two plugin versions that only reword their
    documentation do not conflict."""
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        fields = ", ".join(f"{n}{_field_signature(f)}" for n, f in sorted(named.fields.items()))
        return f"{type(named).__name__} {named.name} {{{fields}}}"
    if isinstance(named, GraphQLInputObjectType):
        fields = ", ".join(sorted(_input_value(n, f) for n, f in named.fields.items()))
        return f"input {named.name} {{{fields}}}"
    if isinstance(named, GraphQLEnumType):
        return f"enum {named.name} {{{', '.join(sorted(named.values))}}}"
    if isinstance(named, GraphQLUnionType):
        return f"union {named.name} = {' | '.join(sorted(t.name for t in named.types))}"
    return f"scalar {named.name}"


def _referenced(named: GraphQLNamedType) -> Iterator[GraphQLNamedType]:
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for f in named.fields.values():
            yield get_named_type(f.type)
            yield from (get_named_type(a.type) for a in f.args.values())
    elif isinstance(named, GraphQLInputObjectType):
        yield from (get_named_type(f.type) for f in named.fields.values())
    elif isinstance(named, GraphQLUnionType):
        yield from named.types


def _closure(root: GraphQLNamedType, shared: set[str]) -> dict[str, GraphQLNamedType]:
    """The types a namespace needs beyond the core's (and the built-in scalars)."""
    found: dict[str, GraphQLNamedType] = {}
    todo = [root]
    while todo:
        named = todo.pop()
        if named.name in found or named.name in shared:
            continue
        found[named.name] = named
        todo.extend(_referenced(named))
    return found


def _namespaces(schema: GraphQLSchema, holder: GraphQLObjectType | None) -> dict[str, str]:
    """Namespace → its root type's name, from the type of an ``ext`` field."""
    ext: GraphQLField | None = holder.fields.get("ext") if holder else None
    if ext is None:
        return {}
    namespaces = get_named_type(ext.type)
    assert isinstance(namespaces, GraphQLObjectType)
    return {name: get_named_type(f.type).name for name, f in namespaces.fields.items()}


@functools.lru_cache(maxsize=1024)
def _checked(sdl: str, version: str) -> GraphQLSchema | str:
    """A node's parsed schema, or why it is not composed; kept, so a recomposition parses only
    the SDLs that changed."""
    try:
        schema = subgraph_schema(sdl)
        problems = contract_violations(schema, core_schema(version))
    except ValueError as error:
        return str(error)
    if problems:
        return f"does not contain the core contract: {'; '.join(problems[:3])}"
    return schema


def compose(nodes: Sequence[NodeSDL], reserved: Set[str] = frozenset()) -> Composition:
    """``reserved``: type names the composing side has of its own (the hub's), which no
    namespace may define."""
    core = core_schema()
    shared = set(core.type_map)
    result = Composition()
    # Per kind (query, stats) and namespace: candidate definitions in input order.
    candidates: dict[str, dict[str, list[tuple[str, str, dict[str, GraphQLNamedType]]]]] = {
        "queries": {},
        "stats": {},
    }
    for node in nodes:
        schema = _checked(node.sdl, node.core_version)
        if isinstance(schema, str):
            result.conflicts.append(Conflict(node.window_id, None, schema))
            continue
        result.windows.append(node.window_id)
        stats = schema.type_map.get("Stats")
        holders = {
            "queries": schema.query_type,
            "stats": stats if isinstance(stats, GraphQLObjectType) else None,
        }
        for kind, holder in holders.items():
            for namespace, root in _namespaces(schema, holder).items():
                types = _closure(schema.type_map[root], shared)
                candidates[kind].setdefault(namespace, []).append((node.window_id, root, types))
    # Type name → the namespace that defines it in the network, and its definition (a namespace's
    # query and stats parts are chosen apart, so one type they share must agree in both).
    owners: dict[str, tuple[str, str]] = {}
    for kind, namespaces in candidates.items():
        chosen: dict[str, Namespace] = getattr(result, kind)
        for namespace, offers in sorted(namespaces.items()):
            part = _choose(namespace, offers, owners, reserved, result.conflicts)
            if part.windows:
                chosen[namespace] = part
    return result


def _choose(
    namespace: str,
    offers: list[tuple[str, str, dict[str, GraphQLNamedType]]],
    owners: dict[str, tuple[str, str]],
    reserved: Set[str],
    conflicts: list[Conflict],
) -> Namespace:
    """The definition most nodes share; the nodes with another one are reported."""
    by_definition: dict[tuple[str, ...], list[int]] = {}
    for index, (_, root, types) in enumerate(offers):
        key = (root, *sorted(_signature(t) for t in types.values()))
        by_definition.setdefault(key, []).append(index)
    # Most nodes first; among equals, the one whose first node comes first.
    winners = max(by_definition.values(), key=lambda group: (len(group), -group[0]))
    _, root, types = offers[winners[0]]
    mine = {name: (namespace, _signature(t)) for name, t in types.items()}
    taken = {
        name: f"namespace {owners[name][0]}"
        for name in types
        if owners.get(name, mine[name]) != mine[name]
    }
    taken |= {name: "the hub's own" for name in types if name in reserved}
    part = Namespace(namespace, root, types)
    for index, (window_id, _, _) in enumerate(offers):
        if taken:
            clash = ", ".join(f"{t} ({n})" for t, n in sorted(taken.items()))
            conflicts.append(Conflict(window_id, namespace, f"types already defined: {clash}"))
        elif index in winners:
            part.windows.append(window_id)
        else:
            reason = "defines it differently from the other windows that have it"
            conflicts.append(Conflict(window_id, namespace, reason))
    if not taken:
        owners.update(mine)
    return part
