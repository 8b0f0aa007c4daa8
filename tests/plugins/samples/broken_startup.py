"""A plugin whose startup fails once the database is open — after its GraphQL was mounted."""

import strawberry

from node.plugins import api


@strawberry.type
class BrokenStartupQuery:
    @strawberry.field
    def hello(self) -> str:
        return "hello"


@api.hookimpl
def smenet_query() -> type:
    return BrokenStartupQuery


@api.hookimpl
async def smenet_startup() -> None:
    raise ConnectionError("the instrument registry cannot be reached")
