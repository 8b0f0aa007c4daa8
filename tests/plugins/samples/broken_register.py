"""A plugin that fails to register: its hook asks for an argument the spec does not have."""

from node.plugins import api


@api.hookimpl
def smenet_query(no_such_argument: object) -> None:
    return None
