"""Every row of every table of a test server's database, read behind the server's back, to
prove a refused request changed nothing; SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import asyncpg

Snapshot = dict[str, list[tuple]]
# The scheduler's leases (federation.schedule) are renewed while a server runs, whatever it is
# asked: bookkeeping of its processes, not data a request could change.
ALWAYS_SKIPPED = ("leases",)


async def snapshot(db_url: str, skip: tuple[str, ...] = ()) -> Snapshot:
    skip = (*skip, *ALWAYS_SKIPPED)
    if db_url.startswith("sqlite://"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite://"))
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
    pg = await asyncpg.connect(db_url)
    try:
        tables = [
            r[0]
            for r in await pg.fetch("select tablename from pg_tables where schemaname = 'public'")
        ]
        return {
            t: sorted((tuple(r) for r in await pg.fetch(f'select * from "{t}"')), key=repr)
            for t in tables
            if t not in skip
        }
    finally:
        await pg.close()


async def count(db_url: str, sql: str) -> int:
    """The first column of the first row of ``sql``: a count."""
    if db_url.startswith("sqlite://"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite://"))
        try:
            return int(conn.execute(sql).fetchone()[0])
        finally:
            conn.close()
    pg = await asyncpg.connect(db_url)
    try:
        return int(await pg.fetchval(sql))
    finally:
        await pg.close()


async def execute(db_url: str, sql: str, *args: Any) -> list[tuple]:
    """Run one statement (placeholders $1, $2 …) behind the server's back; the rows it gave."""
    if db_url.startswith("sqlite://"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite://"))
        try:
            with conn:
                return list(map(tuple, conn.execute(re.sub(r"\$(\d+)", r"?\1", sql), args)))
        finally:
            conn.close()
    pg = await asyncpg.connect(db_url)
    try:
        return [tuple(r) for r in await pg.fetch(sql, *args)]
    finally:
        await pg.close()
