"""A plugin with a misspelt hook name."""

from node.plugins import api


@api.hookimpl
def smenet_querry() -> None:
    return None
