"""The network schema (DESIGN §6): ``network(windows, region)`` over the windows on the network,
built from the core contract and the plugin namespaces the nodes' SDLs compose to.

The types are graphql-core types copied from the core contract and the composition (a plugin's
types come from its nodes' SDLs, so they cannot be Python classes), with the hub's ``Window``
as each entity's ``window``. They are rebuilt when the composition changes what the schema holds
(``NetworkSchemas``), without a restart.

How an answer is made: each list field of ``Network`` sends the client's selection of it to the
windows at once (``hub.schema.forward``), merges the pages (``federation.gather``) and answers
the merged page; graphql-core then completes only the items on that page, reading the nodes'
JSON under the response keys the client chose (``_field``). Lookups by ID go to the window the
ID names. Per-window failures and the nodes' own errors join the answer's ``errors`` through
``WindowErrors``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
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
    InlineFragmentNode,
    SelectionNode,
    get_named_type,
    is_non_null_type,
    specified_scalar_types,
)
from strawberry.extensions import SchemaExtension

from federation.compose import Composition
from federation.contract import core_schema
from federation.errors import SmenetError
from federation.gather import (
    Call,
    Target,
    WindowResult,
    failure_error,
    gather_connection,
    node_errors,
    served_enterprise_codes,
    window_of,
)
from federation.merge import RATES, MergedEdge, merge_stats
from federation.relay import PageInfo
from hub.domain.network import Network, NetworkView
from hub.models import Window as WindowRow
from hub.schema import forward
from hub.schema.context import Context
from hub.schema.windows import Window

__all__ = ["NetworkTypes", "WindowErrors", "build_network_types"]

# Core list fields the network does not federate: a window's own accounts, its audit log and
# node-level facts (the registry has those).
LEFT_OUT = frozenset({"nodeInfo", "me", "users", "auditLog", "chainEntry", "stats", "ext"})


class Built(dict[str, Any]):
    """A value the hub computed (totals), read by field name — unlike a node's JSON, which is
    read by the response keys the client chose."""


def _field(source: Any, info: GraphQLResolveInfo, **_: Any) -> Any:
    if type(source) is dict:  # a node's JSON, asked with the client's aliases
        return source.get(info.path.key)
    if isinstance(source, Built):
        return source.get(info.field_name)
    return getattr(source, info.field_name)


def _window(source: Any, info: GraphQLResolveInfo, **_: Any) -> Window | None:
    record_id = source.get(info.path.key) if isinstance(source, dict) else None
    row = info.context.view.windows.get(window_of(record_id)) if record_id else None
    return Window.from_row(row) if row is not None else None


def _resolve_type(source: Any, *_: Any) -> str | None:
    return source.get("__typename") if isinstance(source, dict) else None


def _checked(parse: Callable[[str], object], what: str) -> Callable[[Any], Any]:
    """A scalar's input check; the value goes to the nodes as the client wrote it."""

    def check(value: Any) -> Any:
        try:
            parse(value)
        except (TypeError, ValueError, InvalidOperation):
            raise ValueError(f"{value!r} is not a {what}") from None
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


def _node_type(connection: GraphQLObjectType) -> GraphQLNamedType:
    edge = get_named_type(connection.fields["edges"].type)
    assert isinstance(edge, GraphQLObjectType)
    return get_named_type(edge.fields["node"].type)


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

    def wrap(self, of: GraphQLType) -> Any:
        if isinstance(of, GraphQLNonNull):
            return GraphQLNonNull(self.wrap(of.of_type))
        if isinstance(of, GraphQLList):
            return GraphQLList(self.wrap(of.of_type))
        return self.named(of)  # type: ignore[arg-type]

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
                lambda: {
                    n: GraphQLInputField(
                        self.wrap(f.type),
                        default_value=f.default_value,
                        default=f.default,
                        description=f.description,
                    )
                    for n, f in source.fields.items()
                },
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
        fields = {
            name: GraphQLField(
                self.wrap(f.type),
                args={
                    n: GraphQLArgument(
                        self.wrap(a.type),
                        default_value=a.default_value,
                        default=a.default,
                        description=a.description,
                    )
                    for n, a in f.args.items()
                },
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
class Scope:
    """What ``network(windows, region)`` resolved to: the windows asked."""

    view: NetworkView
    windows: list[WindowRow]


@dataclass
class NamespaceScope:
    scope: Scope
    namespace: str


@dataclass
class NetConnection:
    edges: list[MergedEdge]  # its `cursor` (the network's) is made only when asked for
    pageInfo: PageInfo  # noqa: N815 -- the GraphQL field names, read by _field
    totalCount: int | None  # noqa: N815


@dataclass
class WindowStats:
    window: Window
    stats: dict[str, Any]


def _errors(info: GraphQLResolveInfo) -> list[dict[str, Any]]:
    return info.context.network_errors


def _target(ctx: Context, row: WindowRow) -> Target:
    # Each request to a node carries a fresh token of the hub, as the caller's role allows.
    return Target(
        row.window_id, row.endpoint, ctx.trust.token_maker(row.window_id, ctx.audit_actor)
    )


class Forwarder:
    """Resolvers that forward a field to the windows; one per network schema."""

    def __init__(self, network: Network) -> None:
        self.network = network

    @staticmethod
    def _rewriter(info: GraphQLResolveInfo, view: NetworkView, window_id: str) -> forward.Rewriter:
        return forward.Rewriter(info.schema, info.fragments, view.stats_namespaces(window_id))

    def connection(
        self, node_path: tuple[str, ...], namespace: str | None = None
    ) -> Callable[..., Any]:
        """A merged list field at ``node_path`` of a node's answer."""

        async def resolve(
            source: Scope | NamespaceScope, info: GraphQLResolveInfo, **args: Any
        ) -> NetConnection:
            scope = source.scope if isinstance(source, NamespaceScope) else source
            ctx: Context = info.context
            windows = scope.windows
            if namespace is not None:
                serving = scope.view.serving(namespace)
                windows = [w for w in windows if w.window_id in serving]
            connection = get_named_type(info.return_type)
            assert isinstance(connection, GraphQLObjectType)
            node_type = _node_type(connection)
            field_node = info.field_nodes[0]
            arguments = forward.without_page_arguments(field_node.arguments)
            texts: dict[frozenset[str], tuple[str, dict[str, Any]]] = {}
            calls = []
            for row in windows:
                stats_ns = scope.view.stats_namespaces(row.window_id)
                if stats_ns not in texts:
                    rewriter = self._rewriter(info, scope.view, row.window_id)
                    inner = forward.connection_selection(info.field_nodes, node_type, rewriter)
                    selection = forward.field(node_path[-1], inner, arguments)
                    for name in reversed(node_path[:-1]):
                        selection = forward.field(name, [selection])
                    texts[stats_ns] = forward.operation(
                        [selection],
                        info.operation,
                        info.variable_values,
                        forward.PAGE_VARIABLES,
                    )
                text, variables = texts[stats_ns]
                calls.append(Call(_target(ctx, row), text, variables))
            got = await gather_connection(
                self.network.gatherer,
                calls,
                first=args.get("first", 20),
                after=args.get("after"),
                node_path=node_path,
                error_path=info.path.as_list(),
                first_var=forward.FIRST,
                after_var=forward.AFTER,
            )
            self.network.notice(scope.view, got.results)
            _errors(info).extend(got.errors)
            page = got.page
            return NetConnection(
                edges=page.edges,
                pageInfo=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
                totalCount=page.total_count,
            )

        return resolve

    def lookup(
        self, node_path: tuple[str, ...], namespace: str | None = None
    ) -> Callable[..., Any]:
        """A record by network ID, asked of the window the ID names (if it is asked at all)."""

        async def resolve(
            source: Scope | NamespaceScope, info: GraphQLResolveInfo, **args: Any
        ) -> Any:
            scope = source.scope if isinstance(source, NamespaceScope) else source
            window_id = window_of(args["id"])  # InvalidId
            row = next((w for w in scope.windows if w.window_id == window_id), None)
            if row is None or (
                namespace is not None and window_id not in scope.view.serving(namespace)
            ):
                return None
            rewriter = self._rewriter(info, scope.view, window_id)
            node_type = get_named_type(info.return_type)
            inner = [
                forward.field("id"),
                *rewriter.selections(
                    [
                        s
                        for f in info.field_nodes
                        for s in (f.selection_set.selections if f.selection_set else ())
                    ],
                    node_type,
                ),
            ]
            selection = forward.field(node_path[-1], inner, info.field_nodes[0].arguments)
            for name in reversed(node_path[:-1]):
                selection = forward.field(name, [selection])
            text, variables = forward.operation([selection], info.operation, info.variable_values)
            result = await self.network.gatherer.call(
                Call(_target(info.context, row), text, variables)
            )
            self.network.notice(scope.view, [result])
            return self._single(info, result, node_path)

        return resolve

    @staticmethod
    def _single(info: GraphQLResolveInfo, result: WindowResult, node_path: tuple[str, ...]) -> Any:
        path = info.path.as_list()
        if result.failure is not None:
            _errors(info).append(failure_error(result.failure, path))
            return None
        _errors(info).extend(node_errors(result.window_id, result.errors, path, node_path))
        data: Any = result.data
        for key in node_path:
            data = data.get(key) if isinstance(data, dict) else None
        return data

    async def stats(self, scope: Scope, info: GraphQLResolveInfo, **args: Any) -> Built:
        """Totals over the windows asked, and one row per window (DESIGN §6 network.stats)."""
        ctx: Context = info.context
        fragments = info.fragments
        top = [
            s
            for f in info.field_nodes
            for s in (f.selection_set.selections if f.selection_set else ())
        ]
        stats_type = info.schema.get_type("Stats")
        assert isinstance(stats_type, GraphQLObjectType)
        asked = {f.name.value for f in _flat(top, fragments)}
        totals = [n for n in asked if n not in ("windows", "__typename")]
        for rate, (numerator, denominator) in RATES.items():
            if rate in asked:
                totals += [numerator, denominator]
        plain = [
            forward.field(
                n,
                [forward.field("category"), forward.field("count")]
                if n == "servicesByCategory"
                else [],
            )
            for n in sorted({*totals, "fromDate", "toDate"})
        ]
        rows = [f for f in _flat(top, fragments) if f.name.value == "windows"]
        row_stats = [
            s
            for r in rows
            for s in _flat(r.selection_set.selections if r.selection_set else (), fragments)
            if s.name.value == "stats"
        ]
        arguments = info.field_nodes[0].arguments
        calls, per_window = [], {}
        for row in scope.windows:
            rewriter = self._rewriter(info, scope.view, row.window_id)
            client = [
                s
                for f in row_stats
                for s in rewriter.selections(
                    f.selection_set.selections if f.selection_set else (), stats_type
                )
            ]
            selection = forward.field("stats", [*plain, *client], arguments)
            text, variables = forward.operation([selection], info.operation, info.variable_values)
            calls.append(Call(_target(ctx, row), text, variables))
            per_window[row.window_id] = row
        results = await self.network.gatherer.gather(calls)
        self.network.notice(scope.view, results)
        path = info.path.as_list()
        answered: dict[str, dict[str, Any]] = {}
        for result in results:
            if result.failure is not None:
                _errors(info).append(failure_error(result.failure, path))
                continue
            _errors(info).extend(node_errors(result.window_id, result.errors, path, ("stats",)))
            if isinstance(result.data.get("stats"), dict):
                answered[result.window_id] = result.data["stats"]
        codes = None
        if "enterprisesServed" in asked and answered:
            codes = await self._served_codes(info, scope, answered)
        merged = merge_stats(
            {w: {k: v for k, v in r.items() if k in totals} for w, r in answered.items()}, codes
        )
        first = next(iter(answered.values()), {})
        out = Built(merged.totals)
        for name in totals:  # no window answered: nothing counted
            if name not in out and is_non_null_type(stats_type.fields[name].type):
                out[name] = [] if name == "servicesByCategory" else 0
        out["servicesByCategory"] = [Built(c) for c in merged.totals.get("servicesByCategory", [])]
        out["fromDate"], out["toDate"] = first.get("fromDate"), first.get("toDate")
        out["windows"] = [
            WindowStats(Window.from_row(per_window[w]), stats) for w, stats in answered.items()
        ]
        return out

    async def _served_codes(
        self, info: GraphQLResolveInfo, scope: Scope, answered: dict[str, dict[str, Any]]
    ) -> dict[str, set[str]]:
        """Credit codes per window, for the distinct count; a window whose codes cannot be read
        has an error, and the distinct count is then null."""
        ctx: Context = info.context
        rows = {w.window_id: w for w in scope.windows}
        first = next(iter(answered.values()))  # the period is the request's, the same for all
        period = date.fromisoformat(first["fromDate"]), date.fromisoformat(first["toDate"])

        async def codes(window_id: str) -> tuple[str, set[str] | None]:
            try:
                found = await served_enterprise_codes(
                    self.network.gatherer, _target(ctx, rows[window_id]), period[0], period[1]
                )
            except SmenetError as error:
                _errors(info).append(
                    failure_error(error, [*info.path.as_list(), "enterprisesServed"])
                )  # type: ignore[arg-type]
                return window_id, None
            return window_id, found

        found = await asyncio.gather(*(codes(w) for w in answered))
        return {w: c for w, c in found if c is not None}


def _flat(
    selections: Iterable[SelectionNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """The fields among ``selections``, through fragments."""
    for s in selections:
        if isinstance(s, FieldNode):
            yield s
        elif isinstance(s, InlineFragmentNode):
            yield from _flat(s.selection_set.selections, fragments)
        elif isinstance(s, FragmentSpreadNode):
            yield from _flat(fragments[s.name.value].selection_set.selections, fragments)


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
    copier = _Copier(hub, window)
    forwarder = Forwarder(network)
    fields: dict[str, GraphQLField] = {}
    for name, definition in core.query_type.fields.items():  # type: ignore[union-attr]
        if name in LEFT_OUT or name.startswith("_"):
            continue
        named = get_named_type(definition.type)
        if is_connection(named):
            resolve = forwarder.connection((name,))
        elif _lookup(definition):
            resolve = forwarder.lookup((name,))
        else:
            continue
        fields[name] = _copy_field(copier, definition, resolve)
    # Stats: the node's type (per-window rows, plugin indicators under ext) and the totals.
    stats_type = core.get_type("Stats")
    assert isinstance(stats_type, GraphQLObjectType)
    stats_namespaces = {
        ns: copier.named(part.types[part.root]) for ns, part in composition.stats.items()
    }
    for part in composition.stats.values():
        for t in part.types.values():
            copier.named(t)
    if stats_namespaces:
        copier.stats_ext = GraphQLObjectType(
            "StatsExtensions",
            {ns: GraphQLField(t, resolve=_field) for ns, t in stats_namespaces.items()},
            description="plugin indicators, of the windows whose nodes have the plugin",
        )
    node_stats = copier.named(stats_type)
    window_stats = GraphQLObjectType(
        "WindowStats",
        lambda: {
            "window": GraphQLField(GraphQLNonNull(window), resolve=_field),
            "stats": GraphQLField(GraphQLNonNull(node_stats), resolve=_field),
        },
        description="one window's stats as its node answered them",
    )
    totals: dict[str, GraphQLField] = {}
    for name, definition in stats_type.fields.items():
        if name == "ext":
            continue
        of = copier.wrap(definition.type)
        if name == "enterprisesServed" and is_non_null_type(of):
            of = of.of_type  # null when some window's enterprises could not be read
        totals[name] = GraphQLField(of, resolve=_field, description=definition.description)
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
    stats_field = core.query_type.fields["stats"]  # type: ignore[union-attr]
    fields["stats"] = GraphQLField(
        GraphQLNonNull(network_stats),
        args={
            n: GraphQLArgument(
                copier.wrap(a.type), default_value=a.default_value, default=a.default
            )
            for n, a in stats_field.args.items()
        },
        resolve=forwarder.stats,
        description=stats_field.description,
    )
    # Plugin namespaces: their lists merged and lookups routed, over the windows that serve them.
    ext_fields: dict[str, GraphQLField] = {}
    for ns, part in composition.queries.items():
        root = part.types[part.root]
        assert isinstance(root, GraphQLObjectType)
        own: dict[str, Callable[..., Any]] = {}
        for name, definition in root.fields.items():
            if is_connection(get_named_type(definition.type)):
                own[name] = forwarder.connection(("ext", ns, name), ns)
            elif _lookup(definition):
                own[name] = forwarder.lookup(("ext", ns, name), ns)
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


def _copy_field(
    copier: _Copier, definition: GraphQLField, resolve: Callable[..., Any]
) -> GraphQLField:
    return GraphQLField(
        copier.wrap(definition.type),
        args={
            n: GraphQLArgument(
                copier.wrap(a.type),
                default_value=a.default_value,
                default=a.default,
                description=a.description,
            )
            for n, a in definition.args.items()
        },
        resolve=resolve,
        description=definition.description,
    )


def _network(
    _: Any, info: GraphQLResolveInfo, windows: list[str] | None = None, region: str | None = None
) -> Scope:
    view: NetworkView = info.context.view
    return Scope(view, view.select(windows, region))


class _Passed(SmenetError):
    """A window's failure or a node's own error, as it goes into the hub's answer."""

    def __init__(self, error: dict[str, Any]) -> None:
        extensions = dict(error.get("extensions") or {})
        super().__init__(str(error.get("message", "")), **extensions)
        self.code = extensions.get("code", "WINDOW_ERROR")
        self.extensions.pop("code", None)


class WindowErrors(SchemaExtension):
    """Adds the per-window errors the network fields collected to the answer's ``errors``."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        collected = getattr(context, "network_errors", None)
        if result is None or not collected:
            return
        result.errors = [
            *(result.errors or []),
            *(
                GraphQLError(e["message"], path=e["path"], original_error=_Passed(e))
                for e in collected
            ),
        ]
