"""``composition``: what the network schema is composed of now, and which windows were left out
of what (DESIGN §6)."""

from __future__ import annotations

import enum

import strawberry

from hub.schema.context import Ctx


@strawberry.enum
class NamespacePart(enum.Enum):
    QUERY = "QUERY"  # under Network.ext
    STATS = "STATS"  # under Stats.ext


@strawberry.type
class ComposedNamespace:
    name: str
    part: NamespacePart
    root_type: str
    windows: list[str] = strawberry.field(description="the windows asked for it")


@strawberry.type
class CompositionConflict:
    window_id: str
    namespace: str | None = strawberry.field(
        description="the plugin namespace it is left out of; null: out of the network schema"
    )
    reason: str


@strawberry.type
class CompositionReport:
    windows: list[str] = strawberry.field(description="windows whose core schema is composed")
    namespaces: list[ComposedNamespace]
    conflicts: list[CompositionConflict]


@strawberry.type
class CompositionQuery:
    @strawberry.field(description="the network schema's composition from the nodes' SDLs")
    def composition(self, info: Ctx) -> CompositionReport:
        composition = info.context.view.composition
        parts = (
            (NamespacePart.QUERY, composition.queries),
            (NamespacePart.STATS, composition.stats),
        )
        return CompositionReport(
            windows=list(composition.windows),
            namespaces=[
                ComposedNamespace(name=n, part=part, root_type=ns.root, windows=list(ns.windows))
                for part, namespaces in parts
                for n, ns in namespaces.items()
            ],
            conflicts=[
                CompositionConflict(window_id=c.window_id, namespace=c.namespace, reason=c.reason)
                for c in composition.conflicts
            ],
        )
