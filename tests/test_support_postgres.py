"""The throwaway PostgreSQL server used by the tests starts, serves a database and stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from tests.support.postgres import start_postgres


def test_start_create_connect_stop(tmp_path: Path) -> None:
    server = start_postgres(tmp_path)
    try:
        url = server.create_database("smoke")
        assert url == server.url("smoke")

        async def select_one() -> int:
            conn = await asyncpg.connect(url)
            try:
                return await conn.fetchval("select 1")
            finally:
                await conn.close()

        assert asyncio.run(select_one()) == 1
    finally:
        server.stop()
    assert not server.base_dir.exists()
