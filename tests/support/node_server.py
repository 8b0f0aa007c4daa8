"""A real window node for API tests: initialised by the CLI, served by uvicorn on loopback."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-secret-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smenet(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the console command as a user would; the caller checks the exit code."""
    return subprocess.run(
        [sys.executable, "-m", "smenet", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@dataclass
class Result:
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code", "") for e in self.errors]


@dataclass
class NodeServer:
    data_dir: Path
    db_url: str
    window_id: str
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def init(self, *extra: str) -> None:
        done = smenet(
            "node",
            "init",
            "--data",
            str(self.data_dir),
            "--window-id",
            self.window_id,
            "--name",
            "深圳市南山区中小企业服务窗口",
            "--region",
            "440305",
            "--db",
            self.db_url,
            "--admin-password",
            ADMIN_PASSWORD,
            *extra,
        )
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        self.port = free_port()
        log = open(self.data_dir / "serve.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smenet",
                "node",
                "serve",
                "--data",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.data_dir / "serve.log").read_text())
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("node did not become ready within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    async def call(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> Result:
        """Run one operation with the gql client; GraphQL errors come back, not raised."""
        headers = {"Authorization": f"Bearer {token}"} if token else None
        transport = HTTPXAsyncTransport(url=self.url, headers=headers, timeout=30)
        async with Client(transport=transport) as session:
            try:
                data = await session.execute(GraphQLRequest(query, variable_values=variables))
            except TransportQueryError as error:
                return Result(data=error.data, errors=list(error.errors or []))
        return Result(data=data)

    async def ok(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        result = await self.call(query, variables, token)
        assert not result.errors, result.errors
        assert result.data is not None
        return result.data

    async def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        data = await self.ok(
            "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            {"u": username, "p": password},
        )
        return str(data["login"]["token"])

    async def snapshot(self, skip: tuple[str, ...] = ("audit_log",)) -> dict[str, list[tuple]]:
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
                t: sorted((tuple(r) for r in await pg.fetch(f'select * from "{t}"')), key=repr)
                for t in tables
                if t not in skip
            }
        finally:
            await pg.close()
