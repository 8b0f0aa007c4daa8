"""``nodeInfo``: who this window is and what it runs; public, so the hub can read it first."""

from __future__ import annotations

import strawberry

from node.schema.enums import WindowKind


@strawberry.type
class PluginInfo:
    name: str
    version: str
    namespace: str
    hooks: list[str]
    error: str | None


@strawberry.type
class NodeInfo:
    window_id: str
    name: str
    kind: WindowKind
    region_code: str
    industries: list[str]
    node_version: str
    core_schema_version: str
    plugins: list[PluginInfo]
    chain_head: str | None = strawberry.field(description="hash of the last service-record entry")
    chain_length: int
