"""A plugin whose startup fails once the database is open."""

from node.plugins import api


@api.hookimpl
async def smenet_startup() -> None:
    raise ConnectionError("the instrument registry cannot be reached")
