"""The node's GraphQL schema: the core contract, an Apollo Federation v2 subgraph."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, ParserCache, ValidationCache
from strawberry.extensions.query_depth_limiter import create_validator
from strawberry.tools import merge_types

from node.plugins.manager import PluginHost
from node.schema.activities import ActivityMutation, ActivityQuery
from node.schema.announcements import AnnouncementMutation, AnnouncementQuery
from node.schema.demands import DemandMutation, DemandQuery
from node.schema.errors import ErrorCodes
from node.schema.ext import ExtParts, checked_build
from node.schema.feedback import FeedbackMutation
from node.schema.mutation import CoreMutation
from node.schema.query import CoreQuery
from node.schema.records import ServiceRecordMutation, ServiceRecordQuery
from node.schema.vouchers import VoucherMutation, VoucherQuery

# One module per area of the core contract, merged into its two root types.
QUERIES = (
    CoreQuery,
    DemandQuery,
    ServiceRecordQuery,
    ActivityQuery,
    AnnouncementQuery,
    VoucherQuery,
)
MUTATIONS = (
    CoreMutation,
    DemandMutation,
    ServiceRecordMutation,
    FeedbackMutation,
    ActivityMutation,
    AnnouncementMutation,
    VoucherMutation,
)


class NodeSchema(strawberry.federation.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Errors are logged where they get their code (``ErrorCodes``), not once per error here."""


def build_schema(max_depth: int = 12, plugins: PluginHost | None = None) -> strawberry.Schema:
    """The core schema, with the ``ext`` fields of the plugins whose types fit."""
    # One rule class for the schema's life: the validation cache is keyed by the rules.
    depth_rule = create_validator(max_depth, should_ignore=None)

    def build(ext: ExtParts) -> strawberry.Schema:
        return NodeSchema(
            query=merge_types("Query", (*QUERIES, ext.stats, *ext.query)),
            mutation=merge_types("Mutation", (*MUTATIONS, *ext.mutation)),
            # Factories: a fresh extension per request; parse and validation caches are shared.
            extensions=[
                ErrorCodes,
                lambda: ParserCache(maxsize=256),
                lambda: ValidationCache(maxsize=256),
                lambda: AddValidationRules([depth_rule]),
            ],
        )

    return build(ExtParts()) if plugins is None else checked_build(build, plugins)
