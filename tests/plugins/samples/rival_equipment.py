"""Namespace `equipment` with its own definition: a window whose node runs it conflicts with the
windows running the first-party equipment plugin (the hub's composition, DESIGN §6)."""

import strawberry

from node.plugins import api

NAMESPACE = "equipment"


@strawberry.type
class EquipmentQuery:
    @strawberry.field(description="instrument names only")
    def instruments(self) -> list[str]:
        return ["三坐标测量机"]


@api.hookimpl
def smenet_query() -> type:
    return EquipmentQuery
