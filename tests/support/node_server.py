"""The node server of the test suite: ``node.plugins.testing``'s, plus a raw look at its tables."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from node.plugins import testing
from node.plugins.testing import ADMIN_PASSWORD, Result, free_port
from tests.support import db_snapshot

__all__ = ["ADMIN_PASSWORD", "ROOT", "NodeServer", "Result", "free_port", "smenet"]

ROOT = Path(__file__).resolve().parents[2]


def smenet(*args: str, env: dict[str, str] | None = None) -> Any:
    """Run the console command from the repository root, as a user of a checkout would."""
    return testing.smenet(*args, env=env, cwd=ROOT)


class NodeServer(testing.NodeServer):
    async def snapshot(
        self, skip: tuple[str, ...] = ("audit_log",), settle: bool = True
    ) -> dict[str, list[tuple]]:
        """Every row of every table, read behind the node's back, to prove nothing changed.

        The node also writes after a request has answered: its plugins handle the committed
        events. So first wait (boundedly) until every event is dispatched; ``settle=False`` for
        a node whose plugins' handlers keep failing."""
        if settle:
            await self._settled()
        return await db_snapshot.snapshot(self.db_url, skip)

    async def _settled(self, timeout: float = 10) -> None:
        undispatched = "select count(*) from domain_events where dispatched_at is null"
        deadline = time.monotonic() + timeout
        while (pending := await self._count(undispatched)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not pending, f"{pending} events still undispatched after {timeout} s"

    async def _count(self, sql: str) -> int:
        return await db_snapshot.count(self.db_url, sql)
