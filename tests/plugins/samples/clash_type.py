"""A plugin whose GraphQL type lacks the namespace prefix (``ClashType…``)."""

import strawberry

from node.plugins import api


@strawberry.type
class Widget:
    name: str


@strawberry.type
class ClashTypeQuery:
    @strawberry.field
    def widget(self) -> Widget:
        return Widget(name="w")


@api.hookimpl
def smenet_query() -> type:
    return ClashTypeQuery
