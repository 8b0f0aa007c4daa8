"""融资担保 financing matchmaking: financing products, enterprises' financing demands, matches.

Products of banks and guarantee agencies form a public catalogue; the window's staff take in
enterprises' financing demands (also from core demands of category FINANCING, which arrive as
events), see which products fit each one and why, and track each demand to its outcome.
"""

from __future__ import annotations

import uuid
from typing import Any

from node.plugins import api
from plugins.financing.demands import record_core_demand
from plugins.financing.schema import FinancingMutation, FinancingQuery, FinancingStats

NAMESPACE = "financing"


@api.hookimpl
def smenet_models() -> api.Storage:
    return api.Storage(models="plugins.financing.models", migrations="plugins.financing.migrations")


@api.hookimpl
def smenet_query() -> type:
    return FinancingQuery


@api.hookimpl
def smenet_mutation() -> type:
    return FinancingMutation


@api.hookimpl
def smenet_stats() -> type:
    return FinancingStats


@api.hookimpl
async def smenet_event(event: api.Event) -> None:
    """A core demand of category FINANCING becomes a pending core demand, once."""
    if event.kind != api.events.DEMAND_SUBMITTED:
        return
    if event.payload.get("category") != api.ServiceCategory.FINANCING.value:
        return
    await record_core_demand(
        event.subject_id,
        uuid.UUID(str(event.payload["enterprise_id"])),
        str(event.payload.get("submitted_by", "")),
    )


@api.hookimpl
def smenet_service_tags(service: Any) -> list[str]:
    return ["matchmaking"] if service.category == api.ServiceCategory.FINANCING.value else []
