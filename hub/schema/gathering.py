"""The resolvers of the network schema that ask the windows (DESIGN §6): each sends the client's
selection of its field to the windows at once (``hub.schema.forward``) and answers what they
gave — lists merged into one page (``federation.gather``), lookups from the window the ID names,
stats totalled (``federation.merge``).

A node's answer stays its JSON: graphql-core completes only what the hub answers (the merged
page's records), reading each value under the response key the client chose. Each record is
tagged with the window that answered it (``WINDOW_KEY``), which is what ``window { … }`` shows:
a node cannot pass its records off as another window's.

Per-window failures and the nodes' own errors go to ``Context.network_errors``, and where each
answered part came from to ``Context.network_sources`` (``hub.schema.network.WindowErrors`` puts
both into the answer).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from graphql import GraphQLNamedType, GraphQLObjectType, GraphQLResolveInfo, get_named_type

from federation.errors import Forbidden, LimitExceeded, WindowError
from federation.gather import (
    Call,
    Target,
    failure_error,
    failure_errors,
    gather_connection,
    node_errors,
    served_enterprise_codes,
    window_of,
)
from federation.merge import RATES, MergedEdge, merge_stats
from federation.relay import PageInfo
from hub.domain.agreements import RecordType, Sharing, record_types
from hub.domain.network import Network, NetworkView
from hub.models import Window as WindowRow
from hub.schema import forward
from hub.schema.context import Context
from hub.schema.windows import Window

__all__ = ["WINDOW_KEY", "Built", "Forwarder", "NamespaceScope", "Scope", "WindowStats"]

# Where the hub notes, in a node's JSON object, the window that answered it: not a GraphQL name,
# so no response key can collide with it.
WINDOW_KEY = "smenet:window"
# Fields that ask the windows, per request: each asks every window in scope.
MAX_GATHERS = 10
# Queries whose node texts are kept (``Forwarder._query``).
MAX_TEXTS = 512


class Built(dict[str, Any]):
    """A value the hub computed (totals), read by field name — unlike a node's JSON, which is
    read by the response keys the client chose."""


@dataclass
class Scope:
    """What ``network(windows, region)`` resolved to: the windows asked, and what the caller's
    agreements let each show."""

    view: NetworkView
    windows: list[WindowRow]
    sharing: Sharing


@dataclass
class NamespaceScope:
    scope: Scope
    namespace: str

    def windows(self) -> list[WindowRow]:
        serving = self.scope.view.serving(self.namespace)
        return [w for w in self.scope.windows if w.window_id in serving]


@dataclass
class NetConnection:
    edges: list[MergedEdge]  # its `cursor` (the network's) is made only when asked for
    pageInfo: PageInfo  # noqa: N815 -- the GraphQL field names, read by getattr
    totalCount: int | None  # noqa: N815


@dataclass
class WindowStats:
    window: Window
    stats: dict[str, Any]


def _tag(value: Any, window_id: str) -> None:
    """Note the answering window in every object of a node's answer."""
    if isinstance(value, dict):
        value[WINDOW_KEY] = window_id
        for item in value.values():
            if isinstance(item, dict | list):
                _tag(item, window_id)
    elif isinstance(value, list):
        for item in value:
            _tag(item, window_id)


def _target(
    ctx: Context,
    scope: Scope,
    row: WindowRow,
    node_path: tuple[str, ...],
    reached: frozenset[RecordType],
) -> Target:
    # Each request to a node carries a fresh token of the hub, with the role the caller's role
    # and agreements give it for this field of this window and what its selection reaches
    # (hub.domain.agreements): Forbidden where they refuse it.
    role, obo = scope.sharing.grant(row.window_id, node_path, reached)
    maker = ctx.trust.token_maker(row.window_id, ctx.audit_actor, obo, role)
    return Target(row.window_id, row.endpoint, maker)


def _targets(
    info: GraphQLResolveInfo, scope: Scope, rows: list[WindowRow], node_path: tuple[str, ...]
) -> list[tuple[WindowRow, Target]]:
    """The windows to ask for this field; one whose agreement refuses what the client's selection
    reaches is not asked, and has its error in the answer instead."""
    ctx: Context = info.context
    reached = record_types(
        forward.types_reached(info.field_nodes, info.parent_type, info.fragments, info.schema)
    )
    targets = []
    for row in rows:
        try:
            targets.append((row, _target(ctx, scope, row, node_path, reached)))
        except Forbidden as refused:
            ctx.network_errors.append(failure_error(refused, info.path.as_list()))
    return targets


def _start(info: GraphQLResolveInfo) -> Context:
    """Count a field that asks the windows: a request may hold only so many."""
    ctx: Context = info.context
    ctx.network_gathers += 1
    if ctx.network_gathers > MAX_GATHERS:
        raise LimitExceeded(
            f"a request may ask the network at most {MAX_GATHERS} times (lists, lookups, stats)",
            limit=MAX_GATHERS,
        )
    return ctx


def _asked(source: Scope | NamespaceScope) -> tuple[Scope, list[WindowRow]]:
    """The network scope of a field, and the windows it asks."""
    if isinstance(source, NamespaceScope):
        return source.scope, source.windows()
    return source, source.windows


def _path(info: GraphQLResolveInfo) -> tuple[str | int, ...]:
    return tuple(info.path.as_list())


def _rewriter(
    info: GraphQLResolveInfo, stats_namespaces: frozenset[str] = frozenset()
) -> forward.Rewriter:
    return forward.Rewriter(info.schema, info.fragments, stats_namespaces)


class Forwarder:
    """Makes the resolvers of one network schema."""

    def __init__(self, network: Network) -> None:
        self.network = network
        # What a field of a query asks the nodes, kept for the next request of the same query
        # (strawberry's parser cache gives it the same operation object): text and variables.
        self._texts: OrderedDict[tuple[Any, ...], tuple[Any, Any, str, frozenset[str]]] = (
            OrderedDict()
        )

    def _query(
        self,
        info: GraphQLResolveInfo,
        build: Callable[[], tuple[str, frozenset[str]]],
        *key: Any,
    ) -> tuple[str, dict[str, Any]]:
        """The text ``build`` makes for this field of this query, and this request's values of
        the client variables it declares."""
        full = (id(info.operation), id(info.schema), *info.path.as_list(), *key)
        cached = self._texts.get(full)
        # The operation and schema are kept with it, so their ids cannot name others meanwhile.
        if cached is None or cached[0] is not info.operation or cached[1] is not info.schema:
            cached = (info.operation, info.schema, *build())
            self._texts[full] = cached
            if len(self._texts) > MAX_TEXTS:
                self._texts.popitem(last=False)
        else:
            self._texts.move_to_end(full)
        values = info.variable_values
        return cached[2], {name: values[name] for name in cached[3] if name in values}

    def connection(self, node_path: tuple[str, ...]) -> Callable[..., Any]:
        """A list field at ``node_path`` of a node's answer, merged over the windows asked."""

        async def resolve(
            source: Scope | NamespaceScope, info: GraphQLResolveInfo, **args: Any
        ) -> NetConnection:
            ctx = _start(info)
            scope, windows = _asked(source)

            def build() -> tuple[str, frozenset[str]]:
                connection = get_named_type(info.return_type)
                assert isinstance(connection, GraphQLObjectType)
                edge = get_named_type(connection.fields["edges"].type)
                assert isinstance(edge, GraphQLObjectType)
                inner = forward.connection_selection(
                    info.field_nodes, get_named_type(edge.fields["node"].type), _rewriter(info)
                )
                arguments = forward.page_arguments(info.field_nodes[0].arguments)
                selection = forward.field(node_path[-1], inner, arguments)
                return forward.operation(
                    [forward.wrap(node_path[:-1], selection)],
                    info.operation,
                    forward.PAGE_VARIABLES,
                )

            text, variables = self._query(info, build)
            targets = _targets(info, scope, windows, node_path)
            got = await gather_connection(
                self.network.gatherer,
                [Call(target, text, variables) for _, target in targets],
                first=args["first"],
                after=args.get("after"),
                node_path=node_path,
                error_path=info.path.as_list(),
                first_var=forward.FIRST,
                after_var=forward.AFTER,
                id_key=forward.ID_KEY,
            )
            self.network.notice(scope.view, got.results)
            ctx.network_errors.extend(got.errors)
            page = got.page
            for merged in page.edges:
                _tag(merged.node, merged.window_id)
            ctx.network_sources[_path(info)] = [e.window_id for e in page.edges]
            return NetConnection(
                edges=page.edges,
                pageInfo=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
                totalCount=page.total_count,
            )

        return resolve

    def lookup(self, node_path: tuple[str, ...]) -> Callable[..., Any]:
        """A record by network ID, asked of the window the ID names, if it is asked at all."""

        async def resolve(
            source: Scope | NamespaceScope, info: GraphQLResolveInfo, **args: Any
        ) -> Any:
            ctx = _start(info)
            scope, windows = _asked(source)
            window_id = window_of(args["id"])  # InvalidId
            row = next((w for w in windows if w.window_id == window_id), None)
            if row is None:
                return None

            def build() -> tuple[str, frozenset[str]]:
                node_type = get_named_type(info.return_type)
                fields = forward.selections_of(info.field_nodes)
                inner = _rewriter(info).selections(fields, node_type)
                selection = forward.field(node_path[-1], inner, info.field_nodes[0].arguments)
                return forward.operation([forward.wrap(node_path[:-1], selection)], info.operation)

            text, variables = self._query(info, build)
            targets = _targets(info, scope, [row], node_path)
            if not targets:
                return None
            result = await self.network.gatherer.call(Call(targets[0][1], text, variables))
            self.network.notice(scope.view, [result])
            path = info.path.as_list()
            if result.failure is not None:
                ctx.network_errors.extend(failure_errors(result.failure, path, node_path))
                return None
            ctx.network_errors.extend(node_errors(window_id, result.errors, path, node_path))
            data: Any = result.data
            for key in node_path:
                data = data.get(key) if isinstance(data, dict) else None
            if data is not None and not isinstance(data, dict):
                failure = WindowError(f"window {window_id} answered no record", windowId=window_id)
                ctx.network_errors.extend(failure_errors(failure, path))
                return None
            _tag(data, window_id)
            ctx.network_sources[_path(info)] = window_id
            return data

        return resolve

    async def stats(self, scope: Scope, info: GraphQLResolveInfo, **_: Any) -> Built:
        """Totals over the windows asked, and one row per window (DESIGN §6 network.stats)."""
        ctx = _start(info)
        stats_type = info.schema.get_type("Stats")
        assert isinstance(stats_type, GraphQLObjectType)
        top = list(forward.fields_of(forward.selections_of(info.field_nodes), info.fragments))
        asked = {f.name.value for f in top} - {"windows", "__typename"}
        totals = set(asked) | {"fromDate", "toDate"}
        for rate, (numerator, denominator) in RATES.items():
            if rate in asked:
                totals |= {numerator, denominator}
        # The totals' fields under the hub's aliases, apart from what the client asks per window.
        category = [forward.field("category"), forward.field("count")]
        plain = [
            forward.field(
                n, category if n == "servicesByCategory" else [], alias=f"{forward.RESERVED}_{n}"
            )
            for n in sorted(totals)
        ]
        row_stats = [
            f
            for rows in top
            if rows.name.value == "windows"
            for f in forward.fields_of(forward.selections_of([rows]), info.fragments)
            if f.name.value == "stats"
        ]

        def build(namespaces: frozenset[str]) -> tuple[str, frozenset[str]]:
            client = _rewriter(info, namespaces).selections(
                forward.selections_of(row_stats), stats_type
            )
            arguments = info.field_nodes[0].arguments
            selection = forward.field("stats", [*plain, *client], arguments)
            return forward.operation([selection], info.operation)

        calls = []
        for row, target in _targets(info, scope, scope.windows, ("stats",)):
            namespaces = scope.view.stats_namespaces(row.window_id)
            text, variables = self._query(info, lambda ns=namespaces: build(ns), namespaces)
            calls.append(Call(target, text, variables))
        results = await self.network.gatherer.gather(calls)
        self.network.notice(scope.view, results)
        path = info.path.as_list()
        answered: dict[str, dict[str, Any]] = {}
        rows: dict[str, dict[str, Any]] = {}
        for result in results:
            window_id = result.window_id
            if result.failure is not None:
                ctx.network_errors.extend(failure_errors(result.failure, path, ("stats",)))
                continue
            ctx.network_errors.extend(node_errors(window_id, result.errors, path, ("stats",)))
            stats = result.data.get("stats")
            row = _totals_row(stats, totals, stats_type) if isinstance(stats, dict) else None
            if row is None:
                failure = WindowError(
                    f"window {window_id} answered indicators that cannot be totalled",
                    windowId=window_id,
                )
                ctx.network_errors.extend(failure_errors(failure, path))
                continue
            answered[window_id], rows[window_id] = stats, row
        codes = None
        if "enterprisesServed" in asked and rows:
            codes = await self._served_codes(info, scope, rows)
        merged = merge_stats(rows, codes)
        out = Built(merged.totals)
        out["servicesByCategory"] = [Built(c) for c in merged.totals.get("servicesByCategory", [])]
        for name in asked:  # when no window answered, nothing was counted
            out.setdefault(name, 0 if _is_count(stats_type, name) else None)
        first = next(iter(rows.values()), {})
        out["fromDate"], out["toDate"] = first.get("fromDate"), first.get("toDate")
        window_rows = {w.window_id: w for w in scope.windows}
        out["windows"] = []
        for window_id, stats in answered.items():
            _tag(stats, window_id)
            out["windows"].append(WindowStats(Window.from_row(window_rows[window_id]), stats))
        ctx.network_sources[_path(info)] = list(answered)
        return out

    async def _served_codes(
        self, info: GraphQLResolveInfo, scope: Scope, rows: dict[str, dict[str, Any]]
    ) -> dict[str, set[str]]:
        """Credit codes per window, for the distinct count; a window whose codes cannot be read
        has an error, and the distinct count is then null."""
        ctx: Context = info.context
        windows = {w.window_id: w for w in scope.windows}
        first = next(iter(rows.values()))  # the period is the request's, the same for all
        period = date.fromisoformat(first["fromDate"]), date.fromisoformat(first["toDate"])
        path = [*info.path.as_list(), "enterprisesServed"]

        async def codes(window_id: str) -> tuple[str, set[str] | None]:
            # Only the count leaves the hub: the indicators' own reach.
            stats = frozenset({RecordType.STATS})
            target = _target(ctx, scope, windows[window_id], ("stats",), stats)
            try:
                found = await served_enterprise_codes(self.network.gatherer, target, *period)
            except WindowError as error:
                ctx.network_errors.extend(failure_errors(error, path))
                return window_id, None
            if found is None:
                too_many = WindowError(
                    f"window {window_id} has too many service records to count its enterprises"
                    " one by one; ask a shorter period",
                    windowId=window_id,
                )
                ctx.network_errors.extend(failure_errors(too_many, path))
            return window_id, found

        found = await asyncio.gather(*(codes(w) for w in rows))
        return {w: c for w, c in found if c is not None}


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _totals_row(
    stats: dict[str, Any], totals: set[str], stats_type: GraphQLObjectType
) -> dict[str, Any] | None:
    """A window's answer of the totals' fields, under their names; None when a value is not what
    the contract says, so it cannot be totalled."""
    row = {name: stats.get(f"{forward.RESERVED}_{name}") for name in totals}
    return row if all(_fits(name, value, stats_type) for name, value in row.items()) else None


def _fits(name: str, value: Any, stats_type: GraphQLObjectType) -> bool:
    if name in ("fromDate", "toDate"):
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return True
    if name == "servicesByCategory":
        return isinstance(value, list) and all(
            isinstance(c, dict) and isinstance(c.get("category"), str) and _count(c.get("count"))
            for c in value
        )
    if _is_count(stats_type, name):
        return _count(value)
    return value is None or isinstance(value, int | float) and not isinstance(value, bool)


def _is_count(stats_type: GraphQLObjectType, name: str) -> bool:
    named: GraphQLNamedType = get_named_type(stats_type.fields[name].type)
    return named.name == "Int"
