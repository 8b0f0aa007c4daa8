"""检验检测 testing and inspection: test orders and their turnaround."""

from __future__ import annotations

from typing import Any

from node.plugins import api
from plugins.inspection.config import InspectionConfig
from plugins.inspection.schema import InspectionQuery, InspectionStats, mutation_type

NAMESPACE = "inspection"


@api.hookimpl
def smenet_config() -> type[InspectionConfig]:
    return InspectionConfig


@api.hookimpl
def smenet_models() -> api.Storage:
    return api.Storage(
        models="plugins.inspection.models", migrations="plugins.inspection.migrations"
    )


@api.hookimpl
def smenet_query() -> type:
    return InspectionQuery


@api.hookimpl
def smenet_mutation(config: InspectionConfig) -> type:
    return mutation_type(config)


@api.hookimpl
def smenet_stats() -> type:
    return InspectionStats


@api.hookimpl
def smenet_service_tags(service: Any) -> list[str]:
    # Testing services are the ones test orders are delivered under.
    if service.category == api.ServiceCategory.QUALITY_TESTING:
        return ["test-orders"]
    return []
