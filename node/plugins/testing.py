"""A real window node for tests — the node's own and plugin authors': initialised by the
``smenet`` command, served by uvicorn on loopback, queried with the gql client.

    node = NodeServer(data_dir=tmp_path)
    node.init()
    node.start()
    data = await node.ok("{ ext { myplugin { greeting } } }")
    node.stop()

Plugins load in strict mode here, so a plugin that fails to load fails the test with its reason.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

ADMIN_PASSWORD = "admin-secret-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smenet(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the console command as a user would; the caller checks the exit code."""
    return subprocess.run(
        [sys.executable, "-m", "smenet", *args],
        cwd=cwd,
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
    db_url: str = ""  # sqlite://PATH or postgres://…; empty: SQLite in data_dir
    window_id: str = "test-window"
    # Extra environment of the server, e.g. SMENET_PLUGINS_ENABLED or a plugin's settings.
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def init(self, *extra: str) -> None:
        args = ["--db", self.db_url] if self.db_url else []
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
            "--admin-password",
            ADMIN_PASSWORD,
            *args,
            *extra,
        )
        assert done.returncode == 0, done.stderr

    def start(self, timeout: float = 60) -> None:
        """Serve, and wait until the node is ready; a node that exits raises with its log."""
        self.port = free_port()
        log_path = self.data_dir / "serve.log"
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smenet", "node", "serve"]
                + ["--data", str(self.data_dir), "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={"SMENET_PLUGINS_STRICT": "true", **os.environ, **self.env},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(log_path.read_text(encoding="utf-8"))
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"node did not become ready within {timeout} s")

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
