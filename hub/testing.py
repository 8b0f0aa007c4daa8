"""A real hub for tests: initialised by ``smenet hub init``, served by ``smenet hub serve`` on a
free loopback port, queried with the gql client (``federation.testing.Server``).

    hub = HubServer(data_dir=tmp_path, env={"SMENET_PUBLICITY_DAYS": "0"})
    hub.init()
    hub.start()
    token = await hub.login()
    data = await hub.ok("{ windows { id status } }", token=token)
    hub.stop()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from federation.testing import ADMIN_PASSWORD, Result, Server, free_port, smenet

__all__ = ["ADMIN_PASSWORD", "HubServer", "Result", "free_port", "smenet"]


@dataclass
class HubServer(Server):
    KIND: ClassVar[str] = "hub"

    def init(self, *extra: str) -> None:
        args = ["--db", self.db_url] if self.db_url else []
        done = smenet(
            "hub",
            "init",
            "--data",
            str(self.data_dir),
            "--admin-password",
            ADMIN_PASSWORD,
            *args,
            *extra,
        )
        assert done.returncode == 0, done.stderr

    def jwks(self) -> dict[str, Any]:
        response = httpx.get(f"http://127.0.0.1:{self.port}/.well-known/jwks.json")
        response.raise_for_status()
        return dict(response.json())

    async def create_user(self, admin_token: str, username: str, *roles: str) -> str:
        """A user with ``roles``, logged in: its token."""
        await self.ok(
            "mutation($i: CreateHubUserInput!) { createUser(input: $i) { id } }",
            {"i": {"username": username, "password": ADMIN_PASSWORD, "roles": list(roles)}},
            token=admin_token,
        )
        return await self.login(username)
