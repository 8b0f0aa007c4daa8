"""The node server of the test suite: ``node.plugins.testing``'s, plus a raw look at its tables."""

from __future__ import annotations

import sqlite3
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


# What the node writes on its own, after a request has answered: audit entries, and the
# dispatch of committed events to plugins (their rows stay compared, without `dispatched_at`).
UNSETTLED = ("audit_log", "event_deliveries")
ROWS = {"domain_events": "id, created_at, kind, subject_id, payload"}


class NodeServer(testing.NodeServer):
    async def snapshot(self, skip: tuple[str, ...] = UNSETTLED) -> dict[str, list[tuple]]:
        """Every row of every table, read behind the node's back, to prove nothing changed."""
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
                    t: sorted(
                        map(tuple, conn.execute(f'select {ROWS.get(t, "*")} from "{t}"')), key=repr
                    )
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
                    (tuple(r) for r in await pg.fetch(f'select {ROWS.get(t, "*")} from "{t}"')),
                    key=repr,
                )
                for t in tables
                if t not in skip
            }
        finally:
            await pg.close()
