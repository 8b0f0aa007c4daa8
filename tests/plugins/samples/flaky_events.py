"""An event handler that always fails: the domain write must stand."""

from node.plugins import api


@api.hookimpl
async def smenet_event(event: api.Event) -> None:
    raise RuntimeError(f"cannot handle {event.kind}")
