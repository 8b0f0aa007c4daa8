"""The hub's GraphQL schema: registry, onboarding, users, audit, and the network schema.

Query and Mutation are merged from one class per area, so later areas (reports …) join by adding
their classes here. ``network`` is added to the built schema for each composition of the nodes'
SDLs (``hub.schema.network``): its types come from SDL, not from Python classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

import strawberry
from graphql import GraphQLNamedType, GraphQLObjectType, GraphQLSchema, validate_schema
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.tools import merge_types

from federation.compose import Composition
from federation.extensions import ErrorsLoggedOnce, schema_extensions
from federation.limits import QueryLimits
from hub.config import HubSettings
from hub.domain.network import Network
from hub.schema.agreements import AgreementMutation, AgreementQuery
from hub.schema.assessment import AssessmentMutation, AssessmentQuery
from hub.schema.broadcasts import BroadcastMutation, BroadcastQuery
from hub.schema.composition import CompositionQuery
from hub.schema.inbox import InboxMutation
from hub.schema.network import (
    NETWORK_TYPE_NAMES,
    NetworkTypes,
    WindowErrors,
    build_network_types,
    windows_asked,
)
from hub.schema.reports import ReportQuery
from hub.schema.routing import RoutingMutation, RoutingQuery
from hub.schema.users import UserMutation, UserQuery
from hub.schema.vouchers import VoucherMutation, VoucherQuery
from hub.schema.windows import WindowMutation, WindowQuery

QUERIES: tuple[type, ...] = (
    WindowQuery,
    UserQuery,
    CompositionQuery,
    AssessmentQuery,
    VoucherQuery,
    AgreementQuery,
    BroadcastQuery,
    RoutingQuery,
    ReportQuery,
)
MUTATIONS: tuple[type, ...] = (
    WindowMutation,
    UserMutation,
    AssessmentMutation,
    VoucherMutation,
    AgreementMutation,
    InboxMutation,
    BroadcastMutation,
    RoutingMutation,
)

# The hub's DateTime also passes on the ISO text a node answered with.
PASSING_DATETIME = strawberry.scalar(
    datetime,
    name="DateTime",
    description=DateTimeDefinition.description,
    serialize=lambda value: value if isinstance(value, str) else value.isoformat(),
    parse_value=DateTimeDefinition.parse_value,
)


class HubSchema(ErrorsLoggedOnce, strawberry.Schema):
    def __init__(
        self,
        network: Callable[[Mapping[str, GraphQLNamedType]], NetworkTypes] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        if network is not None:
            self._schema = _with_network(self._schema, network(self._schema.type_map))
            self._schema._strawberry_schema = self  # type: ignore[attr-defined]


def _with_network(schema: GraphQLSchema, network: NetworkTypes) -> GraphQLSchema:
    """The built schema with ``Query.network`` and its types."""
    query = schema.query_type
    assert query is not None
    extended = GraphQLObjectType(
        "Query",
        {**query.fields, "network": network.field},
        description=query.description,
        extensions=query.extensions,
    )
    types = [t for n, t in schema.type_map.items() if n != "Query" and not n.startswith("__")]
    result = GraphQLSchema(
        query=extended,
        mutation=schema.mutation_type,
        types=[*types, *network.types],
        directives=schema.directives,
        extensions=schema.extensions,
    )
    if problems := validate_schema(result):
        raise ValueError("; ".join(p.message for p in problems))
    return result


def reserved_type_names() -> frozenset[str]:
    """Type names of the hub's own, which no plugin namespace of the network may define."""
    return frozenset(build_schema()._schema.type_map) | NETWORK_TYPE_NAMES


def build_schema(
    limits: QueryLimits | None = None,
    network: Network | None = None,
    composition: Composition | None = None,
) -> strawberry.Schema:
    """The hub's schema; with ``network``, ``Query.network`` composed from ``composition``.
    ``limits``: the operation limits, by default those of the hub's default settings."""
    return HubSchema(
        network=(
            None
            if network is None
            else lambda hub: build_network_types(composition or Composition(), hub, network)
        ),
        query=merge_types("Query", QUERIES),
        mutation=merge_types("Mutation", MUTATIONS),
        extensions=[
            *schema_extensions(limits or QueryLimits.of(HubSettings()), windows_asked),
            WindowErrors,
        ],
        scalar_overrides={datetime: PASSING_DATETIME},
    )
