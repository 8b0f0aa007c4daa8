"""A plugin that defines a type under a core type's name."""

import strawberry

from node.plugins import api


@strawberry.type(name="Service")
class CoreTypeService:
    title: str


@strawberry.type
class CoreTypeQuery:
    @strawberry.field
    def service(self) -> CoreTypeService:
        return CoreTypeService(title="x")


@api.hookimpl
def smenet_query() -> type:
    return CoreTypeQuery
