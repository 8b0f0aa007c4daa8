"""A small network for tests: a real hub and real window nodes, each its own process, the nodes
seeded and onboarded through the hub's workflow over GraphQL (``hub.testing``), as an operator
would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from federation.trust import generate_key, issue_token, load_key
from hub.testing import NetworkHub, WindowSpec, onboard, start_network_hub
from tests.support.node_server import NodeServer, smenet

__all__ = ["Network", "WindowSpec", "hub_token", "make_network", "plugin_env", "start_node"]

PLUGINS = ("equipment", "inspection", "financing")


@dataclass
class Network(NetworkHub):
    nodes: dict[str, NodeServer] = field(default_factory=dict)
    specs: dict[str, WindowSpec] = field(default_factory=dict)

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()
        self.hub.stop()


def hub_token(net: Network, window_id: str, role: str, foreign: bool = False) -> str:
    """A token of the hub (or, ``foreign``, of a key the node does not know) to ``window_id``,
    as the hub's deliveries sign them, with ``role``."""
    key = generate_key() if foreign else load_key(net.hub.data_dir / "hub-key.pem")
    return issue_token(key, "hub", window_id, "deliveries", role)


# The nodes' outbox pushed promptly: messages written before their window is connected (the
# scheduled reports) are refused until it is, and the default backoff would hold the rest.
PROMPT_OUTBOX = {
    "SMENET_OUTBOX_PUSH_SECONDS": "0.5",
    "SMENET_OUTBOX_RETRY_SECONDS": "0.2",
    "SMENET_OUTBOX_MAX_RETRY_SECONDS": "1",
}


def plugin_env(plugins: tuple[str, ...]) -> dict[str, str]:
    """A node with exactly ``plugins`` of the first-party ones."""
    return {"SMENET_PLUGINS_DISABLED": ",".join(p for p in PLUGINS if p not in plugins)}


def start_node(
    spec: WindowSpec,
    data: Path,
    hub_url: str,
    seed_size: int,
    env: dict[str, str] | None = None,
    db_url: str = "",
) -> NodeServer:
    node = NodeServer(
        data_dir=data,
        db_url=db_url,
        window_id=spec.window_id,
        env={**plugin_env(spec.plugins), **PROMPT_OUTBOX, **(env or {})},
    )
    node.init("--hub", hub_url, "--kind", spec.kind)
    if seed_size:
        done = smenet("node", "seed", "--data", str(data), "--size", str(seed_size))
        assert done.returncode == 0, done.stderr
    node.start()
    return node


async def make_network(
    tmp: Path,
    specs: list[WindowSpec],
    seed_size: int = 8,
    hub_env: dict[str, str] | None = None,
    node_env: dict[str, str] | None = None,
    db_url: Callable[[], str] = str,
) -> Network:
    """A hub and ``specs``' nodes, every window CONNECTED, in the order of ``specs``; each
    server's database from ``db_url`` (default: SQLite in its data folder)."""
    started = await start_network_hub(tmp / "hub", hub_env, db_url())
    net = Network(hub=started.hub, admin=started.admin, operator=started.operator)
    hub_url = f"http://127.0.0.1:{net.hub.port}"
    try:
        # Each start blocks until its node is ready: threads start them side by side.
        outcomes = await asyncio.gather(
            *(
                asyncio.to_thread(
                    start_node, spec, tmp / spec.window_id, hub_url, seed_size, node_env, db_url()
                )
                for spec in specs
            ),
            return_exceptions=True,
        )
        for spec, outcome in zip(specs, outcomes, strict=True):
            if isinstance(outcome, NodeServer):
                net.nodes[spec.window_id] = outcome
                net.specs[spec.window_id] = spec
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        for spec in specs:
            await onboard(net, spec, net.nodes[spec.window_id].url)
    except BaseException:
        net.stop()
        raise
    return net
