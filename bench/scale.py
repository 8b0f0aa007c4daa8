"""Scenario 6: ``network.stats`` for a year over N window nodes × 1,000,000 service records.

One lifecycle database (``bench/lifecycle.py``) is copied per window: the rows hold no window id
(network IDs are composed at query time from the node's window id, ``node.schema.context``), so
every copy is a valid node of its own. Each copy is initialised and served by ``smenet node``
and onboarded to a real hub through its workflow (``tests.support.network.make_network``).
Timed over HTTP, p50 of ``--scale-runs`` runs after one warm-up: one node's own ``stats``, then
``network.stats`` at the hub over all N. ``enterprisesServed`` is left out of the timed query:
the hub counts distinct credit codes by walking each window's service records
(``federation.gather.served_enterprise_codes``), so it is timed on its own.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.harness import HEADERS
from bench.lifecycle import STATS_QUERY, database
from bench.lifecycle_data import YEAR
from bench.report import Section
from tests.support.network import Network, WindowSpec, make_network

FIELDS = STATS_QUERY.split("{", 2)[2].rsplit("}", 2)[0].replace("enterprisesServed", "")
NODE_STATS = f"query($from: Date, $to: Date) {{ stats(from: $from, to: $to) {{ {FIELDS} }} }}"
NETWORK_STATS = (
    "query($from: Date, $to: Date) { network { stats(from: $from, to: $to) { "
    f"{FIELDS} windows {{ window {{ id }} }} }} }} }}"
)
SERVED = (
    "query($from: Date, $to: Date) { network { stats(from: $from, to: $to) "
    "{ enterprisesServed } } }"
)
PERIOD = {"from": YEAR[0].isoformat(), "to": YEAR[1].isoformat()}
# A network.stats over 1M-record windows sharing two cores takes longer than the hub's default
# 5 s per window: the bench measures it rather than a timeout.
NODE_TIMEOUT_S = 300


def spec(i: int) -> WindowSpec:
    name = f"规模测试第{i + 1}中小企业服务窗口"
    return WindowSpec(f"scale-{i:02d}", name, "440305", "comprehensive")


async def timed(call: Any, runs: int) -> tuple[list[float], Any]:
    """Seconds of ``runs`` calls after one warm-up, and the warm-up's answer."""
    answer = await call()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        out.append(time.perf_counter() - start)
    return out, answer


def check(network: dict[str, Any], node: dict[str, Any], n: int) -> None:
    """Every window is a copy of the same database: each count is N times the node's."""
    if len(network["windows"]) != n:
        raise AssertionError(f"network.stats answered {len(network['windows'])} of {n} windows")
    for name, value in node.items():
        if isinstance(value, int) and network[name] != n * value:
            raise AssertionError(f"network.stats.{name} = {network[name]}, not {n} × {value}")
    if network["satisfactionRate"] != node["satisfactionRate"]:
        raise AssertionError("network.stats.satisfactionRate differs from its windows'")


async def post(url: str, query: str, token: str) -> dict[str, Any]:
    """The answer over HTTP, with room for a network.stats slower than the test client's 10 s."""
    body = orjson.dumps({"query": query, "variables": PERIOD})
    headers = {**HEADERS, "authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(timeout=NODE_TIMEOUT_S + 30) as client:
        answer = orjson.loads((await client.post(url, content=body, headers=headers)).content)
    assert isinstance(answer, dict)
    return answer


async def ok(url: str, query: str, token: str) -> dict[str, Any]:
    answer = await post(url, query, token)
    if answer.get("errors") or not answer.get("data"):
        raise AssertionError(f"{url}: {answer}")
    return dict(answer["data"])


async def measure(net: Network, n: int, runs: int) -> Section:
    node = next(iter(net.nodes.values()))
    node_token = await node.login()

    async def node_stats() -> dict[str, Any]:
        return await ok(node.url, NODE_STATS, node_token)

    async def network_stats() -> dict[str, Any]:
        return await ok(net.hub.url, NETWORK_STATS, net.admin)

    node_s, node_answer = await timed(node_stats, runs)
    network_s, network_answer = await timed(network_stats, runs)
    check(network_answer["network"]["stats"], node_answer["stats"], n)
    start = time.perf_counter()
    served = await post(net.hub.url, SERVED, net.admin)
    served_s = time.perf_counter() - start
    errors = served.get("errors") or []
    # Past 50 pages of records per window the hub answers null with an error per window.
    said = f"{served['data']['network']['stats']['enterprisesServed']}" + (
        f" with {len(errors)} errors ({errors[0]['message']})" if errors else ""
    )

    node_ms = statistics.median(node_s) * 1000
    network_ms = statistics.median(network_s) * 1000
    delivered = node_answer["stats"]["servicesDelivered"]
    out = Section(
        name="scale",
        title=f"network.stats {YEAR[0]}..{YEAR[1]} over {n} windows (p50 of {runs} runs)",
        columns=["query", "p50 ms", "min ms", "max ms"],
        rows=[
            ["one node: stats", node_ms, min(node_s) * 1000, max(node_s) * 1000],
            [f"hub: network.stats ×{n}", network_ms, min(network_s) * 1000, max(network_s) * 1000],
            ["hub: enterprisesServed alone", served_s * 1000, served_s * 1000, served_s * 1000],
        ],
        figures={
            "scale.windows": float(n),
            "scale.node_stats_p50_ms": node_ms,
            "scale.network_stats_p50_ms": network_ms,
            "scale.network_enterprises_served_ms": served_s * 1000,
        },
        ratios={"scale.ratio_network_stats_over_node_stats": network_ms / node_ms},
        notes=[
            f"each window: {delivered:,} services delivered in the year; the network's counts "
            f"are checked to be {n} × one window's",
            "enterprisesServed is not in the timed query (the hub walks each window's service "
            f"records, at most 50 pages of 100); asked alone it answered {said} "
            f"in {served_s * 1000:.0f} ms",
        ],
        chart={"one node stats": node_ms, f"network.stats ×{n}": network_ms},
    )
    return out


async def run(options: argparse.Namespace) -> list[Section]:
    n = options.nodes
    built = await database(options.workdir, options.records)
    print(f"scale: {n} nodes on copies of {built.path.name}", flush=True)
    with tempfile.TemporaryDirectory(prefix="smenet-bench-scale-", dir=options.workdir) as tmp:
        specs = [spec(i) for i in range(n)]
        started = time.monotonic()
        for s in specs:  # where make_network's nodes keep their SQLite database
            (Path(tmp) / s.window_id).mkdir()
            shutil.copyfile(built.path, Path(tmp) / s.window_id / "node.sqlite3")
        hub_env = {"SMENET_NODE_TIMEOUT_SECONDS": str(NODE_TIMEOUT_S)}
        net = await make_network(Path(tmp), specs, seed_size=0, hub_env=hub_env)
        try:
            setup_s = time.monotonic() - started
            print(f"{n} nodes copied, started and connected in {setup_s:.0f} s", flush=True)
            section = await measure(net, n, options.scale_runs)
        finally:
            net.stop()
    section.notes.append(f"{n} nodes copied, started and connected in {setup_s:.0f} s")
    section.print()
    return [section]
