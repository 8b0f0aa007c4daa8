"""The node's GraphQL schema: the core contract, an Apollo Federation v2 subgraph."""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

from federation.extensions import ErrorsLoggedOnce, schema_extensions
from federation.limits import QueryLimits
from node.plugins.manager import PluginHost
from node.schema.activities import ActivityMutation, ActivityQuery
from node.schema.announcements import AnnouncementMutation, AnnouncementQuery
from node.schema.demands import DemandMutation, DemandQuery
from node.schema.entities import EntitiesSchema
from node.schema.ext import ExtParts, checked_build
from node.schema.feedback import FeedbackMutation
from node.schema.hub_messages import HubMessageMutation
from node.schema.mutation import CoreMutation
from node.schema.query import CoreQuery
from node.schema.records import ServiceRecordMutation, ServiceRecordQuery
from node.schema.reports import ReportMutation, ReportQuery
from node.schema.vouchers import VoucherMutation, VoucherQuery

# One module per area of the core contract, merged into its two root types.
QUERIES = (
    CoreQuery,
    DemandQuery,
    ServiceRecordQuery,
    ActivityQuery,
    AnnouncementQuery,
    VoucherQuery,
    ReportQuery,
)
MUTATIONS = (
    CoreMutation,
    DemandMutation,
    ServiceRecordMutation,
    FeedbackMutation,
    ActivityMutation,
    AnnouncementMutation,
    VoucherMutation,
    HubMessageMutation,
    ReportMutation,
)


class NodeSchema(ErrorsLoggedOnce, EntitiesSchema):
    pass


def build_schema(
    limits: QueryLimits | None = None, plugins: PluginHost | None = None
) -> strawberry.Schema:
    """The core schema, with the ``ext`` fields of the plugins whose types fit."""
    extensions = schema_extensions(limits or QueryLimits())

    def build(ext: ExtParts) -> strawberry.Schema:
        return NodeSchema(
            query=merge_types("Query", (*QUERIES, ext.stats, *ext.query)),
            mutation=merge_types("Mutation", (*MUTATIONS, *ext.mutation)),
            extensions=extensions,
        )

    return build(ExtParts()) if plugins is None else checked_build(build, plugins)
