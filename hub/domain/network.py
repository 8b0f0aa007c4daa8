"""The network the hub federates (DESIGN §6): which windows are on it now, what their nodes'
schemas compose to, and the one ``Gatherer`` that calls them.

The registry is the truth: every request reads the windows on the network (CONNECTED and
RECTIFYING) from the database, so a window connected, suspended or revoked — by this hub process
or another one sharing the database (DESIGN §10) — is in or out of the very next answer. The
composition is recomputed only when that list or a node's schema hash changed.

A node sends the hash of its schema with every GraphQL answer (``SCHEMA_HASH_HEADER``); when it
differs from the one the registry holds, the hub reads the node's SDL again, checks it like at
connection, and records it: the next request composes with it, without a hub restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from federation.accounts import Actor
from federation.compose import Composition, NodeSDL, compose
from federation.errors import SmenetError
from federation.gather import SCHEMA_HASH_HEADER, Gatherer, WindowResult
from hub.domain import audit, probe
from hub.domain.registry import ON_NETWORK, region_prefix
from hub.models import Window

__all__ = ["SCHEMA_HASH_HEADER", "Network", "NetworkView"]

log = logging.getLogger("smenet.hub.network")
# Seconds before a node's schema refused at re-reading is read again.
REREAD_PAUSE = 60.0
# Who the audit log names for what the hub does by itself.
SYSTEM = Actor(username="hub")


@dataclass(frozen=True)
class NetworkView:
    """The network as one request sees it: the windows on it, in connection order, and their
    composition."""

    windows: dict[str, Window]
    composition: Composition

    def select(self, window_ids: Iterable[str] | None, region: str | None) -> list[Window]:
        """The windows a ``network(windows, region)`` field asks: those on the network, narrowed
        by ids and by a region-code prefix ("44", "4403", "440305")."""
        chosen = list(self.windows.values())
        if region is not None:
            prefix = region_prefix(region)
            chosen = [w for w in chosen if w.region_code.startswith(prefix)]
        if window_ids is not None:
            wanted = set(window_ids)
            chosen = [w for w in chosen if w.window_id in wanted]
        return chosen

    def serving(self, namespace: str, part: str = "queries") -> set[str]:
        """The windows whose nodes are asked for a plugin namespace (their definition is the
        network's), of ``queries`` (``Query.ext``) or ``stats`` (``Stats.ext``)."""
        found = getattr(self.composition, part).get(namespace)
        return set(found.windows) if found else set()

    def stats_namespaces(self, window_id: str) -> frozenset[str]:
        """The plugin namespaces whose indicators ``window_id``'s node is asked for."""
        return frozenset(
            name for name, part in self.composition.stats.items() if window_id in part.windows
        )


# The columns of a window a request reads: all but its SDL.
VIEWED = tuple(name for name in Window._meta.fields_db_projection if name != "sdl")


def _key(rows: list[Window]) -> tuple[tuple[str, str], ...]:
    return tuple((row.window_id, row.sdl_hash) for row in rows)


class Network:
    """One per hub process: the gatherer (pooled connections, circuit breakers) and the latest
    composition."""

    def __init__(
        self,
        node_timeout: float,
        reserved: frozenset[str],
        max_answer_bytes: int,
    ) -> None:
        self.gatherer = Gatherer(timeout=node_timeout, max_response_bytes=max_answer_bytes)
        self.node_timeout = node_timeout
        self.reserved = reserved  # the hub's own type names (federation.compose)
        self._composed: tuple[tuple[tuple[str, str], ...], Composition] | None = None
        self._view: tuple[tuple[Any, ...], NetworkView] | None = None
        self._rereading: dict[str, asyncio.Task[None]] = {}
        # (window, schema hash) whose SDL was refused, and when: not read again for a while.
        self._refused: dict[tuple[str, str], float] = {}

    async def close(self) -> None:
        for task in self._rereading.values():
            task.cancel()
        await self.gatherer.close()

    async def view(self) -> NetworkView:
        on_network = Window.filter(status__in=list(ON_NETWORK)).order_by(
            "connected_at", "window_id"
        )
        # A window's last change and its schema, for each window on the network: the windows
        # themselves (their rows, without the SDLs) are read again only when these changed.
        state = tuple(await on_network.values_list("window_id", "sdl_hash", "updated_at"))
        if self._view is None or self._view[0] != state:
            rows = await on_network.only(*VIEWED)
            key = _key(rows)
            if self._composed is None or self._composed[0] != key:
                self._composed = (key, await self._compose(rows))
            self._view = (state, NetworkView({r.window_id: r for r in rows}, self._composed[1]))
        return self._view[1]

    async def _compose(self, rows: list[Window]) -> Composition:
        sdls = dict(await Window.filter(id__in=[row.id for row in rows]).values_list("id", "sdl"))
        composition = compose(
            [NodeSDL(row.window_id, sdls[row.id], row.core_schema_version) for row in rows],
            self.reserved,
        )
        log.info(
            "network composed: %d windows, %d conflicts",
            len(composition.windows),
            len(composition.conflicts),
        )
        # Breakers of windows that left are of no use any more.
        for window_id in self.gatherer.windows() - {row.window_id for row in rows}:
            self.gatherer.forget(window_id)
        return composition

    def notice(self, view: NetworkView, results: Iterable[WindowResult]) -> None:
        """Read a node's schema again when the hash it answered with is not the registry's."""
        for result in results:
            window = view.windows.get(result.window_id)
            if (
                window is None
                or result.schema_hash is None
                or result.schema_hash == window.sdl_hash
                or result.window_id in self._rereading
                or self._paused(window.window_id, result.schema_hash)
            ):
                continue
            task = asyncio.create_task(
                self._reread(window.window_id, window.endpoint, result.schema_hash)
            )
            self._rereading[window.window_id] = task
            task.add_done_callback(lambda _, w=window.window_id: self._rereading.pop(w, None))

    def _paused(self, window_id: str, schema_hash: str) -> bool:
        refused = self._refused.get((window_id, schema_hash))
        return refused is not None and time.monotonic() - refused < REREAD_PAUSE

    async def _reread(self, window_id: str, endpoint: str, schema_hash: str) -> None:
        try:
            reading = await probe.read_node(endpoint, self.node_timeout)
            probe.check_node(reading, window_id)
        except SmenetError as error:
            # Kept with the schema it had; an answer with the new hash tries again after a pause.
            self._refused[(window_id, schema_hash)] = time.monotonic()
            log.warning("window %s changed its schema, not taken: %s", window_id, error.message)
            return
        async with in_transaction() as connection:
            window = (
                await Window.filter(window_id=window_id).using_db(connection).select_for_update()
            )
            if not window or window[0].status not in ON_NETWORK:
                return
            row = window[0]
            previous = row.sdl_hash
            row.sdl, row.sdl_hash = reading.sdl, reading.sdl_hash
            row.plugins, row.node_version = reading.plugins, reading.node_version
            row.core_schema_version = reading.core_schema_version
            await row.save(using_db=connection)
            await audit.record(SYSTEM, "refreshWindowSchema", window_id, "OK")
        log.info("window %s: schema %s → %s", window_id, previous[:12], reading.sdl_hash[:12])
