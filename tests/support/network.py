"""A small network for tests: a real hub and real window nodes, each its own process, the nodes
seeded and onboarded through the hub's workflow over GraphQL, as an operator would."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from hub.testing import HubServer
from tests.support.node_server import NodeServer, smenet

APPLY = "mutation($i: WindowApplicationInput!) { applyWindow(input: $i) { id } }"
START_REVIEW = "mutation($id: ID!) { startReview(id: $id) { status } }"
REVIEW = """mutation($id: ID!) {
  submitReview(id: $id, score: 90, opinion: "材料齐全，服务能力强", recommendation: APPROVE) { id } }"""
PUBLICITY = "mutation($id: ID!) { startPublicity(id: $id) { status } }"
CONNECT = """mutation($id: ID!, $e: String!, $k: JSON!) {
  connectWindow(id: $id, endpoint: $e, jwk: $k) { status } }"""

PLUGINS = ("equipment", "inspection", "financing")


@dataclass(frozen=True)
class WindowSpec:
    window_id: str
    name: str
    region: str
    kind: str  # comprehensive | industry
    plugins: tuple[str, ...] = ()
    industries: tuple[str, ...] = ("C",)


@dataclass
class Network:
    hub: HubServer
    admin: str  # the hub admin's token
    operator: str  # a HUB_OPERATOR's token
    nodes: dict[str, NodeServer] = field(default_factory=dict)
    specs: dict[str, WindowSpec] = field(default_factory=dict)

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()
        self.hub.stop()


def plugin_env(plugins: tuple[str, ...]) -> dict[str, str]:
    """A node with exactly ``plugins`` of the first-party ones."""
    return {"SMENET_PLUGINS_DISABLED": ",".join(p for p in PLUGINS if p not in plugins) or ""}


def start_node(
    spec: WindowSpec, data: Path, hub_url: str, seed_size: int, env: dict[str, str] | None = None
) -> NodeServer:
    node = NodeServer(
        data_dir=data, window_id=spec.window_id, env={**plugin_env(spec.plugins), **(env or {})}
    )
    node.init("--hub", hub_url, "--kind", spec.kind)
    if seed_size:
        done = smenet("node", "seed", "--data", str(data), "--size", str(seed_size))
        assert done.returncode == 0, done.stderr
    node.start()
    return node


def node_jwk(node: NodeServer) -> dict[str, Any]:
    keys = httpx.get(f"http://127.0.0.1:{node.port}/.well-known/jwks.json").json()["keys"]
    return dict(keys[0])


async def onboard(net: Network, spec: WindowSpec, node: NodeServer) -> None:
    """Apply, review (by two experts), approve, publicity (0 days), connect."""
    hub, admin = net.hub, net.operator
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
    await hub.ok(APPLY, {"i": application}, token=admin)
    await hub.ok(START_REVIEW, {"id": spec.window_id}, token=admin)
    for reviewer in ("expert-1", "expert-2"):
        token = await hub.login(reviewer)
        await hub.ok(REVIEW, {"id": spec.window_id}, token=token)
    await hub.ok(PUBLICITY, {"id": spec.window_id}, token=admin)
    variables = {"id": spec.window_id, "e": node.url, "k": node_jwk(node)}
    await hub.ok(CONNECT, variables, token=admin)


async def make_network(
    tmp: Path, specs: list[WindowSpec], seed_size: int = 8, hub_env: dict[str, str] | None = None
) -> Network:
    """A hub and ``specs``' nodes, every window CONNECTED."""
    hub = HubServer(
        data_dir=tmp / "hub",
        env={"SMENET_PUBLICITY_DAYS": "0", "SMENET_REVIEWS_REQUIRED": "2", **(hub_env or {})},
    )
    hub.init()
    hub.start()
    admin = await hub.login()
    for reviewer in ("expert-1", "expert-2"):
        await hub.create_user(admin, reviewer, "EXPERT_REVIEWER")
    operator = await hub.create_user(admin, "operator", "HUB_OPERATOR")
    net = Network(hub=hub, admin=admin, operator=operator)
    hub_url = f"http://127.0.0.1:{hub.port}"
    try:
        for spec in specs:
            node = start_node(spec, tmp / spec.window_id, hub_url, seed_size)
            net.nodes[spec.window_id] = node
            net.specs[spec.window_id] = spec
            await onboard(net, spec, node)
    except BaseException:
        net.stop()
        raise
    return net
