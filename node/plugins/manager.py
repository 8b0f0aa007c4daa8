"""The plugin manager: finds, loads and calls plugins; a failure costs only its plugin.

Plugins register under the entry-point group ``smenet.plugins``. Loading a plugin: import it,
check its namespace, register its hooks with pluggy, parse its config section, check its storage;
its GraphQL types are checked when the schema is built (``node.schema.ext``) and its migrations
when the database opens (``migrate_plugins``). A plugin that fails a step is unregistered and
listed with its error; in strict mode the node refuses to start instead.

Pluggy is synchronous and calls every implementation of a hook in one go; the manager calls each
plugin's implementation on its own (keyword arguments, each taking the subset it names), so a
result or an error always belongs to one plugin, and awaits it when it is a coroutine.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import Any

import pluggy
from tortoise.models import Model

from federation.errors import SmenetError
from federation.settings import type_name, typed_values
from node import db
from node.config import NodeSettings
from node.plugins import hookspecs

log = logging.getLogger("smenet.plugins")

ENTRY_POINT_GROUP = "smenet.plugins"
NAMESPACE_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# The core's Tortoise app label: a plugin's app is labelled by its namespace.
RESERVED_NAMESPACES = frozenset({"node"})
# The types a plugin's settings may have (each can come from the environment too).
SETTING_TYPES = frozenset({"int", "float", "str", "bool", "list[str]"})
# Hooks whose implementations may be coroutines; the others run while the app is being built.
ASYNC_HOOKS = frozenset({"smenet_event", "smenet_validate", "smenet_startup", "smenet_shutdown"})


class PluginError(Exception):
    """A plugin that cannot be used; in strict mode it stops the node from starting."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"plugin {plugin}: {message}")
        self.plugin = plugin


def type_prefix(namespace: str) -> str:
    """The prefix of a plugin's GraphQL type names: ``test_lab`` → ``TestLab``."""
    return "".join(part.capitalize() for part in namespace.split("_"))


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@dataclass
class Plugin:
    """One plugin as the node sees it: what ``nodeInfo.plugins`` and ``smenet plugins`` list."""

    name: str
    version: str = ""
    namespace: str = ""
    hooks: list[str] = field(default_factory=list)
    # Why the plugin is not in use (import, registration, config, storage, schema, startup).
    load_error: str | None = None
    # The latest failure while running (an event handler, a validation), for the operator.
    last_failure: str | None = None
    module: Any = None
    config: Any = None
    storage: Any = None

    @property
    def active(self) -> bool:
        return self.load_error is None

    @property
    def error(self) -> str | None:
        return self.load_error or self.last_failure


class PluginHost:
    """The plugins of one node process."""

    def __init__(self, settings: NodeSettings) -> None:
        self.settings = settings
        self.strict = settings.plugins_strict
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, Plugin] = {}
        # Per hook, the plugins in use that implement it: asked on every page of services.
        self._implementing: dict[str, list[Plugin]] = {}

    # Loading

    def load(self, candidates: list[EntryPoint] | None = None) -> PluginHost:
        """Load the installed plugins the config enables: by name, or in `plugins_enabled` order."""
        found = installed_entry_points() if candidates is None else candidates
        installed = {ep.name: ep for ep in found}
        wanted = dict.fromkeys(self.settings.plugins_enabled or sorted(installed))
        for name in wanted:
            if name in self.settings.plugins_disabled:
                continue
            plugin = self.plugins[name] = Plugin(name=name)
            if name not in installed:
                self.fail(plugin, "is enabled in the config but not installed")
                continue
            try:
                self._load(plugin, installed[name])
            except PluginError:
                raise
            except Exception as error:  # noqa: BLE001 - a plugin's failure is its own
                self.fail(plugin, f"failed to load: {_describe(error)}")
        unused = set(self.settings.plugins) - {p.namespace for p in self.plugins.values()}
        for namespace in sorted(unused):
            log.warning(
                "[plugins.%s] in the config: no plugin loaded has that namespace", namespace
            )
        self._implementing.clear()
        return self

    def _load(self, plugin: Plugin, entry_point: EntryPoint) -> None:
        try:
            module = entry_point.load()
        except Exception as error:  # noqa: BLE001 - any import failure, reported by name
            self.fail(plugin, f"failed to import {entry_point.value}: {_describe(error)}")
            return
        plugin.module = module
        plugin.version = str(
            getattr(module, "__version__", None)
            or (entry_point.dist.version if entry_point.dist else "")
        )
        namespace = getattr(module, "NAMESPACE", plugin.name)
        plugin.namespace = str(namespace)
        if not isinstance(namespace, str) or not NAMESPACE_PATTERN.match(namespace):
            self.fail(plugin, f"namespace {namespace!r} must be lower_snake_case")
            return
        if namespace in RESERVED_NAMESPACES:
            self.fail(plugin, f"namespace {namespace!r} is the core's")
            return
        owner = next(
            (p for p in self.active() if p.namespace == namespace and p is not plugin), None
        )
        if owner is not None:
            self.fail(plugin, f"namespace {namespace!r} is already used by plugin {owner.name}")
            return
        try:
            self.pm.register(module, name=plugin.name)
            # A hook name no spec knows (a typo) would otherwise wait silently for a spec.
            self.pm.check_pending()
        except Exception as error:  # noqa: BLE001 - pluggy's validation, or a broken object
            self.fail(plugin, f"failed to register: {_describe(error)}")
            return
        plugin.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(module) or [])
        for hook in plugin.hooks:
            impl = self._impl(plugin, hook)
            if impl.hookwrapper or impl.wrapper:
                self.fail(plugin, f"{hook}: hook wrappers are not supported")
                return
            if hook not in ASYNC_HOOKS and inspect.iscoroutinefunction(impl.function):
                self.fail(plugin, f"{hook} must be a plain function, not a coroutine")
                return
        try:
            plugin.config = self._config(plugin)
            plugin.storage = self._storage(plugin)
        except Exception as error:  # noqa: BLE001 - reported with the plugin's name
            self.fail(plugin, str(error) if isinstance(error, ValueError) else _describe(error))

    def _config(self, plugin: Plugin) -> Any:
        section = self.settings.plugins.get(plugin.namespace, {})
        schema = self.call(plugin, "smenet_config")
        if schema is None:
            if section:
                raise ValueError(f"[plugins.{plugin.namespace}]: the plugin takes no settings")
            return None
        if not dataclasses.is_dataclass(schema) or not isinstance(schema, type):
            raise TypeError("smenet_config must return a dataclass")
        fields = list(dataclasses.fields(schema))
        for f in fields:
            if type_name(f.type) not in SETTING_TYPES:
                kinds = ", ".join(sorted(SETTING_TYPES))
                raise ValueError(f"setting {f.name}: {type_name(f.type)} is not one of {kinds}")
        values = typed_values(
            fields,
            section,
            f"SMENET_{plugin.namespace.upper()}_",
            f"[plugins.{plugin.namespace}]",
        )
        return schema(**values)

    def _storage(self, plugin: Plugin) -> Any:
        storage = self.call(plugin, "smenet_models", config=plugin.config)
        if storage is None:
            return None
        module = importlib.import_module(storage.models)
        importlib.import_module(storage.migrations)
        prefix = f"{plugin.namespace}_"
        # The models Tortoise will find there: `__models__`, else every model class in it.
        found = getattr(module, "__models__", None) or vars(module).values()
        for model in found:
            if (
                isinstance(model, type)
                and issubclass(model, Model)
                and not model._meta.abstract
                and not model._meta.db_table.startswith(prefix)
            ):
                raise ValueError(f"table {model._meta.db_table!r} must start with {prefix!r}")
        return storage

    def fail(self, plugin: Plugin, message: str) -> None:
        """Take a plugin out of use with its reason; in strict mode, stop the node instead."""
        plugin.load_error = message
        self._implementing.clear()
        if plugin.module is not None and self.pm.is_registered(plugin.module):
            self.pm.unregister(plugin.module)
        log.error("plugin %s %s", plugin.name, message)
        if self.strict:
            raise PluginError(plugin.name, message)

    def active(self) -> Iterator[Plugin]:
        return (p for p in self.plugins.values() if p.active)

    # Calling

    def _impl(self, plugin: Plugin, hook: str) -> Any:
        caller = getattr(self.pm.hook, hook)
        return next((i for i in caller.get_hookimpls() if i.plugin is plugin.module), None)

    def call(self, plugin: Plugin, hook: str, **kwargs: Any) -> Any:
        """The plugin's implementation of ``hook`` called with the arguments it names."""
        impl = self._impl(plugin, hook)
        if impl is None:
            return None
        return impl.function(*(kwargs[name] for name in impl.argnames))

    async def acall(self, plugin: Plugin, hook: str, **kwargs: Any) -> Any:
        result = self.call(plugin, hook, config=plugin.config, **kwargs)
        return await result if inspect.isawaitable(result) else result

    def implementing(self, hook: str) -> list[Plugin]:
        if hook not in self._implementing:
            self._implementing[hook] = [p for p in self.active() if hook in p.hooks]
        return self._implementing[hook]

    async def migrate(self) -> None:
        """Apply each plugin's migrations on its own, so a failing one costs only its plugin."""
        for plugin in self.active():
            if plugin.storage is None:
                continue
            try:
                await db.apply_migrations(
                    self.settings.db_url(), {plugin.namespace: plugin.storage}
                )
            except Exception as error:  # noqa: BLE001 - reported with the plugin's name
                self.fail(plugin, f"failed to migrate its storage: {_describe(error)}")

    def storage_apps(self) -> dict[str, Any]:
        return {p.namespace: p.storage for p in self.active() if p.storage is not None}

    async def startup(self) -> None:
        for plugin in self.implementing("smenet_startup"):
            try:
                await self.acall(plugin, "smenet_startup", settings=self.settings)
            except PluginError:
                raise
            except Exception as error:  # noqa: BLE001 - a plugin's failure is its own
                self.fail(plugin, f"failed to start: {_describe(error)}")

    async def shutdown(self) -> None:
        for plugin in self.implementing("smenet_shutdown"):
            try:
                await self.acall(plugin, "smenet_shutdown")
            except Exception:  # noqa: BLE001 - the node stops anyway
                log.exception("plugin %s failed to shut down", plugin.name)

    def failed(self, plugin: Plugin, what: str, error: BaseException) -> None:
        """Note a failure while running: logged and listed, the plugin stays in use."""
        plugin.last_failure = f"{what}: {_describe(error)}"
        log.error("plugin %s: %s", plugin.name, what, exc_info=error)

    async def validate(self, operation: str, values: dict[str, Any], actor: Any) -> None:
        """Let every plugin check a core input; ``InputRefused`` (any ``SmenetError``) refuses
        it. A validator that crashes is skipped and listed: it costs its plugin, not the input
        (in strict mode the request fails instead). Each gets a read-only copy."""
        for plugin in self.implementing("smenet_validate"):
            frozen = MappingProxyType(copy.deepcopy(values))
            try:
                await self.acall(
                    plugin, "smenet_validate", operation=operation, values=frozen, actor=actor
                )
            except SmenetError:
                raise
            except Exception as error:  # noqa: BLE001 - isolated, see above
                self.failed(plugin, f"validation of {operation} failed", error)
                if self.strict:
                    raise

    def service_tags(self, service: Any) -> list[str]:
        tags: list[str] = []
        for plugin in self.implementing("smenet_service_tags"):
            try:
                found = self.call(
                    plugin, "smenet_service_tags", service=service, config=plugin.config
                )
                tags += [f"{plugin.namespace}:{tag}" for tag in found or ()]
            except Exception as error:  # noqa: BLE001 - a plugin's failure is its own
                self.failed(plugin, "service tags failed", error)
                if self.strict:
                    raise
        return tags


def installed_entry_points() -> list[EntryPoint]:
    return list(entry_points(group=ENTRY_POINT_GROUP))


# The plugins of this process: the node serves one window, and domain services called outside
# GraphQL (the public forms) validate through the same plugins.
_current: PluginHost | None = None


def install(host: PluginHost) -> PluginHost:
    global _current
    _current = host
    return host


def current() -> PluginHost | None:
    return _current


async def validate(operation: str, values: dict[str, Any], actor: Any) -> None:
    """Check a core input with the process's plugins (none installed: nothing to check)."""
    if _current is not None:
        await _current.validate(operation, values, actor)


def service_tags(service: Any) -> list[str]:
    """The plugins' tags of a service, each ``<namespace>:<tag>``."""
    return [] if _current is None else _current.service_tags(service)


def listed() -> list[Plugin]:
    """Every plugin the node tried to load, in use or not."""
    return [] if _current is None else list(_current.plugins.values())


def config_of(namespace: str) -> Any:
    """The parsed settings of the plugin with this namespace (None without any)."""
    found = (p for p in listed() if p.namespace == namespace and p.active)
    return next((p.config for p in found), None)
