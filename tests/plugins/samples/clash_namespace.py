"""A plugin that claims the namespace of the first-party equipment plugin."""

from node.plugins import api

NAMESPACE = "equipment"


@api.hookimpl
def smenet_service_tags() -> list[str]:
    return ["stolen"]
