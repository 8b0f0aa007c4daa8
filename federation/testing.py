"""Real servers for tests, a convention both servers share: a server initialised by the
``smenet`` command, served by uvicorn on loopback as a subprocess, queried with the gql client.
``node.plugins.testing.NodeServer`` and ``hub.testing.HubServer`` are the two kinds."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport

__all__ = ["ADMIN_PASSWORD", "Result", "Server", "free_port", "smenet"]

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


class PortTaken(RuntimeError):
    """The port was taken between finding it free and the server binding it."""


@dataclass
class Server:
    """A server of kind ``KIND`` (``smenet <KIND> serve``); subclasses write ``init``."""

    KIND: ClassVar[str]
    # Environment every server of the kind starts with; ``env`` and the caller's win.
    BASE_ENV: ClassVar[dict[str, str]] = {}

    data_dir: Path
    db_url: str = ""  # sqlite://PATH or postgres://…; empty: SQLite in data_dir
    # Extra environment of the server, e.g. SMENET_* settings.
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    def start(self, timeout: float = 60, port: int | None = None) -> None:
        """Serve, and wait until the server is ready; one that exits raises with its log.

        The free port is found before the server binds it, so another process may take it in
        between: then the server tries again on another port. ``port``: serve on that one (a
        restart where the server was registered), once."""
        if port is not None:
            return self._start(timeout, port)
        for _ in range(3):
            try:
                return self._start(timeout, free_port())
            except PortTaken:
                continue
        raise RuntimeError(f"{self.KIND}: no free port after 3 tries")

    def restart(self, timeout: float = 60) -> None:
        """Stop, and serve again on the same port: its clients keep their URL."""
        port = self.port
        self.stop()
        self.start(timeout, port)

    def _start(self, timeout: float, port: int) -> None:
        self.port = port
        log_path = self.data_dir / "serve.log"
        log_start = log_path.stat().st_size if log_path.exists() else 0
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "smenet", self.KIND, "serve"]
                + ["--data", str(self.data_dir), "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**self.BASE_ENV, **os.environ, **self.env},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                output = log_path.read_bytes()[log_start:].decode("utf-8", "replace")
                if "address already in use" in output:
                    raise PortTaken(output)
                raise RuntimeError(output)
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.KIND} did not become ready within {timeout} s")

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
