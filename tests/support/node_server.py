"""The node server of the test suite: ``node.plugins.testing``'s, plus a raw look at its tables."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg

from node.plugins import testing
from node.plugins.testing import ADMIN_PASSWORD, Result, free_port

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
        if self.db_url.startswith("sqlite://"):
            conn = sqlite3.connect(self.db_url.removeprefix("sqlite://"))
            try:
                tables = [
                    r[0]
                    for r in conn.execute(
                        "select name from sqlite_master where type='table' and name not like 'sqlite_%'"
                    )
                ]
                return {
                    t: sorted(map(tuple, conn.execute(f'select * from "{t}"')), key=repr)
                    for t in tables
                    if t not in skip
                }
            finally:
                conn.close()
        pg = await asyncpg.connect(self.db_url)
        try:
            tables = [
                r[0]
                for r in await pg.fetch(
                    "select tablename from pg_tables where schemaname = 'public'"
                )
            ]
            return {
                t: sorted(
                    (tuple(r) for r in await pg.fetch(f'select * from "{t}"')),
                    key=repr,
                )
                for t in tables
                if t not in skip
            }
        finally:
            await pg.close()

    async def _settled(self, timeout: float = 10) -> None:
        undispatched = "select count(*) from domain_events where dispatched_at is null"
        deadline = time.monotonic() + timeout
        while (pending := await self._count(undispatched)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert not pending, f"{pending} events still undispatched after {timeout} s"

    async def _count(self, sql: str) -> int:
        if self.db_url.startswith("sqlite://"):
            conn = sqlite3.connect(self.db_url.removeprefix("sqlite://"))
            try:
                return int(conn.execute(sql).fetchone()[0])
            finally:
                conn.close()
        pg = await asyncpg.connect(self.db_url)
        try:
            return int(await pg.fetchval(sql))
        finally:
            await pg.close()
