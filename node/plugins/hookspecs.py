"""The hooks a plugin may implement: the whole contract between a window node and its plugins.

Hooks are called with keyword arguments and an implementation may accept any subset of them
(pluggy's rule), so a new argument never breaks a plugin. ``smenet_event``, ``smenet_validate``,
``smenet_startup`` and ``smenet_shutdown`` may be coroutine functions (the node awaits them); the
others run while the node is being built and must be plain functions. ``config`` is the
plugin's own config section, parsed into the dataclass its ``smenet_config`` returns (None
without one).
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "smenet"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

# Each hook is called once per plugin, so a result always belongs to the plugin that gave it.


@hookspec
def smenet_config() -> Any:
    """The dataclass of the plugin's section ``[plugins.<namespace>]`` of ``smenet.toml``."""


@hookspec
def smenet_models(config: Any) -> Any:
    """The plugin's storage: ``Storage(models=…, migrations=…)``, a Tortoise app of its own."""


@hookspec
def smenet_query(config: Any) -> Any:
    """A strawberry type served at ``Query.ext.<namespace>``, built with no arguments."""


@hookspec
def smenet_mutation(config: Any) -> Any:
    """A strawberry type served at ``Mutation.ext.<namespace>``, built with no arguments."""


@hookspec
def smenet_stats(config: Any) -> Any:
    """A strawberry type served at ``Stats.ext.<namespace>``, built as ``T(period=Period)``."""


@hookspec
def smenet_event(event: Any, config: Any) -> Any:
    """React to a committed domain event; called at least once, so be idempotent."""


# The core inputs ``smenet_validate`` sees: the mutation's name, and the fields (snake_case) it
# is about to write; updates carry the record's local key as ``id``, public demand-form
# submissions the enterprise's fields as ``enterprise``.
VALIDATED_OPERATIONS = (
    "createEnterprise",
    "updateEnterprise",
    "createService",
    "updateService",
    "submitDemand",
)


@hookspec
def smenet_validate(operation: str, values: Any, actor: Any, config: Any) -> Any:
    """Check a core input before it is written; raise ``InputRefused`` to refuse it."""


@hookspec
def smenet_service_tags(service: Any, config: Any) -> Any:
    """Tags of a service from its own fields, shown as ``<namespace>:<tag>`` in ``Service.tags``."""


@hookspec
def smenet_startup(config: Any, settings: Any) -> Any:
    """Called once the database is open, before the node serves its first request."""


@hookspec
def smenet_shutdown(config: Any) -> Any:
    """Called when the node stops, before the database closes."""
