"""Validation of core inputs: refuses demands titled 拒绝…; its check of services crashes on a
service named "crash" (a bug of the plugin, which must cost the plugin, not the input)."""

from typing import Any

from node.plugins import api


@api.hookimpl
def smenet_validate(operation: str, values: dict[str, Any]) -> None:
    if operation == "submitDemand" and values["title"].startswith("拒绝"):
        raise api.InputRefused("this window does not take such demands")
    if operation == "createService" and values.get("name") == "crash":
        raise ZeroDivisionError("a bug in the plugin")
