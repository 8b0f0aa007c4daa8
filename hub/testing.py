"""A real hub for tests: initialised by ``smenet hub init``, served by ``smenet hub serve`` on a
free loopback port, queried with the gql client (``federation.testing.Server``).

    hub = HubServer(data_dir=tmp_path, env={"SMENET_PUBLICITY_DAYS": "0"})
    hub.init()
    hub.start()
    token = await hub.login()
    data = await hub.ok("{ windows { id status } }", token=token)
    hub.stop()

A network of windows for tests and the benchmark: ``start_network_hub`` gives a hub whose
onboarding takes two expert reviews and no publicity days, with its admin's and a HUB_OPERATOR's
tokens; ``onboard`` takes a running node's window through the workflow to CONNECTED, as an
operator would. Starting the nodes is the caller's (the hub never imports node code).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx

from federation.testing import ADMIN_PASSWORD, Result, Server, free_port, smenet

__all__ = [
    "ADMIN_PASSWORD",
    "HubServer",
    "NetworkHub",
    "Result",
    "WindowSpec",
    "free_port",
    "onboard",
    "publicise",
    "smenet",
    "start_network_hub",
]

APPLY = "mutation($i: WindowApplicationInput!) { applyWindow(input: $i) { id } }"
START_REVIEW = "mutation($id: ID!) { startReview(id: $id) { status } }"
REVIEW = """mutation($id: ID!) { submitReview(id: $id, score: 90,
  opinion: "材料齐全，服务能力强", recommendation: APPROVE) { id } }"""
PUBLICITY = "mutation($id: ID!) { startPublicity(id: $id) { status } }"
CONNECT = """mutation($id: ID!, $e: String!, $k: JSON!) {
  connectWindow(id: $id, endpoint: $e, jwk: $k) { status } }"""
REVIEWERS = ("expert-1", "expert-2")


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


@dataclass(frozen=True)
class WindowSpec:
    window_id: str
    name: str
    region: str
    kind: str  # comprehensive | industry
    plugins: tuple[str, ...] = ()
    industries: tuple[str, ...] = ("C",)


@dataclass
class NetworkHub:
    hub: HubServer
    admin: str  # the hub admin's token
    operator: str  # a HUB_OPERATOR's token


async def start_network_hub(
    data_dir: Path, env: dict[str, str] | None = None, db_url: str = ""
) -> NetworkHub:
    """A served hub with two expert reviewers and an operator; ``env`` adds SMENET_* settings;
    ``db_url``: its database (default SQLite in ``data_dir``)."""
    hub = HubServer(
        data_dir=data_dir,
        db_url=db_url,
        env={"SMENET_PUBLICITY_DAYS": "0", "SMENET_REVIEWS_REQUIRED": "2", **(env or {})},
    )
    hub.init()
    hub.start()
    try:
        admin = await hub.login()
        for reviewer in REVIEWERS:
            await hub.create_user(admin, reviewer, "EXPERT_REVIEWER")
        operator = await hub.create_user(admin, "operator", "HUB_OPERATOR")
    except BaseException:
        hub.stop()
        raise
    return NetworkHub(hub=hub, admin=admin, operator=operator)


def node_jwk(endpoint: str) -> dict[str, Any]:
    """The key a node publishes beside its GraphQL ``endpoint``."""
    jwks = httpx.URL(endpoint).join("/.well-known/jwks.json")
    return dict(httpx.get(jwks).json()["keys"][0])


async def publicise(net: NetworkHub, spec: WindowSpec) -> None:
    """Apply, review (by two experts), approve and start the publicity of ``spec``'s window."""
    hub, operator = net.hub, net.operator
    application = {
        "windowId": spec.window_id,
        "name": spec.name,
        "kind": spec.kind.upper(),
        "regionCode": spec.region,
        "organisation": spec.name.replace("窗口", "中心"),
        "contact": {"name": "王敏", "phone": "0755-86000000", "email": "wangmin@example.cn"},
        "serviceScope": "政策咨询、融资对接、检验检测、人才培训",
        "industries": list(spec.industries),
        "materials": [{"title": "营业执照", "description": "副本扫描件"}],
    }
    await hub.ok(APPLY, {"i": application}, token=operator)
    await hub.ok(START_REVIEW, {"id": spec.window_id}, token=operator)
    for reviewer in REVIEWERS:
        token = await hub.login(reviewer)
        await hub.ok(REVIEW, {"id": spec.window_id}, token=token)
    await hub.ok(PUBLICITY, {"id": spec.window_id}, token=operator)


async def onboard(net: NetworkHub, spec: WindowSpec, endpoint: str) -> None:
    """``publicise`` (0 days), then connect the node serving ``endpoint``."""
    await publicise(net, spec)
    variables = {"id": spec.window_id, "e": endpoint, "k": node_jwk(endpoint)}
    await net.hub.ok(CONNECT, variables, token=net.operator)
