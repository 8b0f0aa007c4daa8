"""The network schema (DESIGN §6): ``network(windows, region)`` over the windows on the network,
built from the core contract and the plugin namespaces the nodes' SDLs compose to.

The types are graphql-core types copied from the core contract and the composition (a plugin's
types come from its nodes' SDLs, so they cannot be Python classes), with the hub's ``Window``
as each record's ``window``. The hub builds them again when the composition changes what the
schema holds (``hub.app``), without a restart. The fields that ask the windows are in
``hub.schema.gathering``; values in a node's JSON are read under the response keys the client
chose (``_field``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLEnumValue,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLType,
    GraphQLUnionType,
    get_named_type,
    get_nullable_type,
    specified_scalar_types,
)
from strawberry.extensions import SchemaExtension

from federation.compose import Composition
from federation.contract import core_schema
from federation.cost import FanOut
from federation.errors import InputError, SmenetError
from federation.inputs import quote
from hub.domain import agreements
from hub.domain.network import Network, NetworkView
from hub.schema import forward
from hub.schema.gathering import WINDOW_KEY, Built, Forwarder, NamespaceScope, Scope
from hub.schema.windows import Window

__all__ = ["NETWORK_TYPE_NAMES", "NetworkTypes", "WindowErrors", "build_network_types"]

InputValue = TypeVar("InputValue", GraphQLArgument, GraphQLInputField)
# The types the hub makes for the network beside the copied ones: no plugin may use these names.
NETWORK_TYPE_NAMES = frozenset(
    {"Network", "NetworkExtensions", "NetworkStats", "StatsExtensions", "WindowStats"}
)

# Core list fields the network does not federate: a window's own accounts, its audit log and
# node-level facts (the registry has those).
LEFT_OUT = frozenset({"nodeInfo", "me", "users", "auditLog", "chainEntry", "stats", "ext"})


def _field(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    if type(source) is dict:  # a node's JSON, asked with the client's aliases
        return source.get(info.path.key)
    if isinstance(source, Built):
        return source.get(info.field_name)
    return getattr(source, info.field_name)


def _window(source: Any, info: GraphQLResolveInfo, **_: Any) -> Window | None:
    """The window whose node answered this record (``hub.schema.gathering`` tags it)."""
    window_id = source.get(WINDOW_KEY) if isinstance(source, dict) else None
    row = info.context.view.windows.get(window_id) if window_id else None
    return Window.from_row(row) if row is not None else None


def _resolve_type(source: Any, *_: Any) -> str | None:
    return source.get("__typename") if isinstance(source, dict) else None


def _checked(parse: Callable[[str], object], what: str) -> Callable[[Any], Any]:
    """A scalar's input check; the value goes to the nodes as the client wrote it."""

    def check(value: Any) -> Any:
        try:
            parse(value)
        except (TypeError, ValueError, InvalidOperation):
            raise ValueError(f"{quote(value)} is not a {what}") from None
        return value

    return check


# The core's scalars, checked at the hub so a bad value is one error, not one per window.
SCALAR_CHECKS: dict[str, Callable[[Any], Any]] = {
    "Date": _checked(date.fromisoformat, "date (YYYY-MM-DD)"),
    "Decimal": _checked(lambda v: Decimal(str(v)), "decimal number"),
}


def _same(value: Any) -> Any:
    return value


def is_connection(named: GraphQLNamedType) -> bool:
    return (
        isinstance(named, GraphQLObjectType)
        and "edges" in named.fields
        and "pageInfo" in named.fields
    )


def _lookup(definition: GraphQLField) -> bool:
    """A field that finds one record by its network ID: asked of the window the ID names."""
    (argument,) = definition.args.values() if len(definition.args) == 1 else (None,)
    return (
        argument is not None
        and "id" in definition.args
        and get_named_type(argument.type).name == "ID"
        and isinstance(get_named_type(definition.type), GraphQLObjectType)
    )


class _Copier:
    """Copies types of the nodes' schemas into the network schema, by name: one type per name,
    the hub's own where the hub has one (``PageInfo``, ``DateTime``, the built-in scalars)."""

    def __init__(self, hub: Mapping[str, GraphQLNamedType], window: GraphQLObjectType) -> None:
        self.hub = hub
        self.window = window
        self.types: dict[str, GraphQLNamedType] = {}
        # Object types whose fields the hub resolves itself: name → (field → resolver).
        self.resolvers: dict[str, dict[str, Callable[..., Any]]] = {}
        self.only: dict[str, set[str]] = {}  # object type → the fields it keeps
        self.stats_ext: GraphQLObjectType | None = None  # Stats.ext, when a plugin has indicators
        self.edges: set[str] = set()  # the edge types of the lists the hub merges

    def wrap(self, of: GraphQLType) -> Any:
        if isinstance(of, GraphQLNonNull):
            return GraphQLNonNull(self.wrap(of.of_type))
        if isinstance(of, GraphQLList):
            return GraphQLList(self.wrap(of.of_type))
        return self.named(of)  # type: ignore[arg-type]

    def input(
        self, kind: type[InputValue], source: GraphQLArgument | GraphQLInputField
    ) -> InputValue:
        """An argument or input field of the network, copied from a node's."""
        return kind(
            self.wrap(source.type),
            default_value=source.default_value,
            default=source.default,
            description=source.description,
        )

    def named(self, source: GraphQLNamedType) -> GraphQLNamedType:
        name = source.name
        if name in self.hub:
            return self.hub[name]
        if name in self.types:
            return self.types[name]
        made: GraphQLNamedType
        if isinstance(source, GraphQLObjectType):
            made = GraphQLObjectType(
                name, lambda: self._fields(source), description=source.description
            )
        elif isinstance(source, GraphQLInterfaceType):
            made = GraphQLInterfaceType(
                name,
                lambda: self._fields(source),
                resolve_type=_resolve_type,
                description=source.description,
            )
        elif isinstance(source, GraphQLUnionType):
            made = GraphQLUnionType(
                name,
                lambda: [self.named(t) for t in source.types],
                resolve_type=_resolve_type,
                description=source.description,
            )
        elif isinstance(source, GraphQLInputObjectType):
            made = GraphQLInputObjectType(
                name,
                lambda: {n: self.input(GraphQLInputField, f) for n, f in source.fields.items()},
                description=source.description,
            )
        elif isinstance(source, GraphQLEnumType):
            made = GraphQLEnumType(
                name,
                {
                    n: GraphQLEnumValue(n, description=v.description)
                    for n, v in source.values.items()
                },
                description=source.description,
            )
        else:
            check = SCALAR_CHECKS.get(name, _same)
            made = GraphQLScalarType(
                name,
                serialize=_same,
                parse_value=check,
                description=source.description,
            )
        self.types[name] = made
        return made

    def _fields(self, source: GraphQLObjectType | GraphQLInterfaceType) -> dict[str, GraphQLField]:
        own = self.resolvers.get(source.name, {})
        keep = self.only.get(source.name)
        # A listed record a window answered malformed is null (with its window's error), not
        # the whole list.
        loose = {"node"} if source.name in self.edges else set()
        fields = {
            name: GraphQLField(
                get_nullable_type(self.wrap(f.type)) if name in loose else self.wrap(f.type),
                args={n: self.input(GraphQLArgument, a) for n, a in f.args.items()},
                resolve=own.get(name, _field),
                description=f.description,
                deprecation_reason=f.deprecation_reason,
            )
            for name, f in source.fields.items()
            if keep is None or name in keep
        }
        if source.name == "Stats" and self.stats_ext is not None:
            fields["ext"] = GraphQLField(
                self.stats_ext,  # nullable: null for a window without any of these plugins
                resolve=_field,
                description="plugin indicators, for the windows whose nodes have the plugin",
            )
        identified = "id" in source.fields and get_named_type(source.fields["id"].type).name == "ID"
        if identified and "window" not in fields and not is_connection(source):
            fields["window"] = GraphQLField(
                GraphQLNonNull(self.window),
                resolve=_window,
                description="the window this record is from (the hub's registry)",
                extensions={forward.HUB_WINDOW: True},
            )
        return fields


@dataclass
class NetworkTypes:
    """The network part of the hub's schema for one composition."""

    field: GraphQLField  # Query.network
    types: list[GraphQLNamedType]


def build_network_types(
    composition: Composition,
    hub: Mapping[str, GraphQLNamedType],
    network: Network,
) -> NetworkTypes:
    hub = {**specified_scalar_types, **hub}
    window = hub["Window"]
    assert isinstance(window, GraphQLObjectType)
    core = core_schema()
    assert core.query_type is not None
    copier = _Copier(hub, window)
    forwarder = Forwarder(network)
    fields: dict[str, GraphQLField] = {}
    for name, definition in core.query_type.fields.items():
        if name in LEFT_OUT or name.startswith("_"):
            continue
        resolve = _resolver(forwarder, copier, (name,), definition)
        if resolve is not None:
            fields[name] = _copy_field(copier, definition, resolve)
    fields["stats"] = _stats_field(composition, copier, forwarder, core.query_type.fields["stats"])
    # Plugin namespaces: their lists merged and lookups routed, over the windows that serve them;
    # their other fields (one value per window) are not in the network.
    ext_fields: dict[str, GraphQLField] = {}
    for ns, part in composition.queries.items():
        root = part.types[part.root]
        assert isinstance(root, GraphQLObjectType)
        own = {
            name: resolve
            for name, definition in root.fields.items()
            if (resolve := _resolver(forwarder, copier, ("ext", ns, name), definition))
        }
        if not own:
            continue
        copier.resolvers[root.name] = own
        copier.only[root.name] = set(own)
        for t in part.types.values():
            copier.named(t)
        ext_fields[ns] = GraphQLField(
            copier.named(root),
            resolve=lambda scope, _info, ns=ns: NamespaceScope(scope, ns),
            description=f"plugin {ns}: the windows whose nodes have it",
        )
    if ext_fields:
        extensions = GraphQLObjectType("NetworkExtensions", ext_fields)
        fields["ext"] = GraphQLField(GraphQLNonNull(extensions), resolve=lambda scope, _info: scope)
    network_type = GraphQLObjectType(
        "Network",
        fields,
        description="the windows on the network as one: lists merged newest first",
    )
    network_field = GraphQLField(
        GraphQLNonNull(network_type),
        args={
            "windows": GraphQLArgument(
                GraphQLList(GraphQLNonNull(hub["ID"])), description="window ids"
            ),
            "region": GraphQLArgument(
                hub["String"], description='a region-code prefix: "44", "4403", "440305"'
            ),
        },
        resolve=_network,
        description="the CONNECTED and RECTIFYING windows, narrowed by ids or region",
    )
    extra = [copier.stats_ext] if copier.stats_ext else []
    return NetworkTypes(network_field, [network_type, *copier.types.values(), *extra])


def _resolver(
    forwarder: Forwarder, copier: _Copier, node_path: tuple[str, ...], definition: GraphQLField
) -> Callable[..., Any] | None:
    """The hub's resolver of a root field of the node's, or None where the network has none."""
    named = get_named_type(definition.type)
    if is_connection(named):
        assert isinstance(named, GraphQLObjectType)
        copier.edges.add(get_named_type(named.fields["edges"].type).name)
        return forwarder.connection(node_path)
    if _lookup(definition):
        return forwarder.lookup(node_path)
    return None


def _stats_field(
    composition: Composition, copier: _Copier, forwarder: Forwarder, definition: GraphQLField
) -> GraphQLField:
    """``network.stats``: the totals, and each window's stats as its node answered them (with
    the plugin indicators under ``ext``)."""
    stats_type = get_named_type(definition.type)
    assert isinstance(stats_type, GraphQLObjectType)
    namespaces = {ns: copier.named(part.types[part.root]) for ns, part in composition.stats.items()}
    for part in composition.stats.values():
        for t in part.types.values():
            copier.named(t)
    if namespaces:
        copier.stats_ext = GraphQLObjectType(
            "StatsExtensions",
            {ns: GraphQLField(t, resolve=_field) for ns, t in namespaces.items()},
            description="plugin indicators, of the windows whose nodes have the plugin",
        )
    node_stats = copier.named(stats_type)
    window_stats = GraphQLObjectType(
        "WindowStats",
        lambda: {
            "window": GraphQLField(GraphQLNonNull(copier.window), resolve=_field),
            # null (with the window's error) when its node answered something malformed
            "stats": GraphQLField(node_stats, resolve=_field),
        },
        description="one window's stats as its node answered them",
    )
    totals: dict[str, GraphQLField] = {}
    for name, field in stats_type.fields.items():
        if name == "ext":
            continue
        of = copier.wrap(field.type)
        if name in ("enterprisesServed", "fromDate", "toDate"):
            # enterprises: null when some window's could not be read; the period: when no window
            # answered
            of = get_nullable_type(of)
        totals[name] = GraphQLField(of, resolve=_field, description=field.description)
    totals["windows"] = GraphQLField(
        GraphQLNonNull(GraphQLList(GraphQLNonNull(window_stats))), resolve=_field
    )
    network_stats = GraphQLObjectType(
        "NetworkStats",
        totals,
        description=(
            "counts summed over the windows that answered; rates from summed numerators and"
            " denominators; medians per window only; enterprises counted once by credit code"
        ),
    )
    return GraphQLField(
        GraphQLNonNull(network_stats),
        args=_copy_args(copier, definition),
        resolve=forwarder.stats,
        description=definition.description,
    )


def _copy_args(copier: _Copier, definition: GraphQLField) -> dict[str, GraphQLArgument]:
    return {n: copier.input(GraphQLArgument, a) for n, a in definition.args.items()}


def _copy_field(
    copier: _Copier, definition: GraphQLField, resolve: Callable[..., Any]
) -> GraphQLField:
    return GraphQLField(
        copier.wrap(definition.type),
        args=_copy_args(copier, definition),
        resolve=resolve,
        description=definition.description,
    )


def windows_asked(context: Any) -> FanOut | None:
    """The cost multiplier of the request's ``network`` fields (``federation.limits``): the
    windows each asks, as ``_network`` picks them."""
    view: NetworkView | None = getattr(context, "view", None)
    if view is None:
        return None

    def asked(parent: str, field: str, arguments: Mapping[str, Any]) -> int | None:
        if (parent, field) != ("Query", "network"):
            return None
        try:
            return len(view.select(arguments.get("windows"), arguments.get("region")))
        except InputError:  # the field itself refuses the region
            return None

    return asked


async def _network(
    _: Any, info: GraphQLResolveInfo, windows: list[str] | None = None, region: str | None = None
) -> Scope:
    view: NetworkView = info.context.view
    sharing = await agreements.sharing_for(info.context.audit_actor)
    return Scope(view, view.select(windows, region), sharing)


class _Passed(SmenetError):
    """A window's failure or a node's own error, as it goes into the hub's answer."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(str(error.get("message", "")))
        # Whatever a node put in its extensions is kept, `message` or `code` keys included.
        self.extensions = dict(error["extensions"])
        self.code = str(self.extensions.pop("code", "WINDOW_ERROR"))


class WindowErrors(SchemaExtension):
    """Puts into the answer's ``errors`` what the network fields collected (per-window failures,
    the nodes' own errors), and names the window of a value a node answered that does not fit
    the network schema (a string where a number belongs, a null where a value must be), which
    graphql-core reports as it completes the answer."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        sources: dict[tuple[str | int, ...], list[str] | str] = getattr(
            context, "network_sources", {}
        )
        collected = getattr(context, "network_errors", [])
        if result is None or not (collected or sources):
            return
        errors = [_misfit(error, sources) for error in result.errors or []]
        errors += [
            GraphQLError(e["message"], path=e["path"], original_error=_Passed(e)) for e in collected
        ]
        result.errors = errors or None


def _misfit(
    error: GraphQLError, sources: Mapping[tuple[str | int, ...], list[str] | str]
) -> GraphQLError:
    """A completion error inside what a window answered, as that window's ``WINDOW_ERROR``."""
    if error.path is None or isinstance(error.original_error, SmenetError):
        return error
    path = tuple(error.path)
    for depth in range(len(path) - 1, 0, -1):
        source = sources.get(path[:depth])
        if source is None:
            continue
        if isinstance(source, list):  # merged list items (or stats rows): path [..., key, index]
            index = path[depth + 1] if len(path) > depth + 1 else None
            if not isinstance(index, int) or index >= len(source):
                return error
            source = source[index]
        message = f"window {source} answered a value that does not fit the network schema"
        extensions = {"code": "WINDOW_ERROR", "windowId": source, "detail": error.message}
        passed = _Passed({"message": message, "extensions": extensions})
        return GraphQLError(message, path=error.path, original_error=passed)
    return error
