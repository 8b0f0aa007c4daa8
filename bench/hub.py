"""``python -m bench.hub``: what the hub adds over a direct node query, and its fan-out.

A real hub (``smenet hub serve``) and as many real window nodes as the widest fan-out
(``smenet node serve``, each its own process), seeded with ``smenet node seed``, onboarded
through the hub's workflow to CONNECTED (``tests.support.network.make_network``, which starts the
nodes side by side) and topped up through the node's API to more than 50 published services.
The query is a page of 50 published services, anonymous:

- direct: ``services(first: 50) { totalCount edges { cursor node { id name category fee
  agency { id name } } } pageInfo { endCursor hasNextPage } }`` to one node;
- via hub: the same selection under ``network(windows: [...])``;
- unguarded: the same through a second hub process on the same registry with its guards off
  (``bench/unguarded.py``): the hub's throughput beside it is what the operation limits, the
  anonymous rate limit and the HTTP guards cost (target: at least 0.95 of it).

Per round (rounds interleave the contenders; the table shows medians):

1. added latency, one window: direct and through the hub, throughput at ``--concurrency``
   connections with the hub's and the node's CPU ms per request (/proc), then p50/p99 with one
   connection; hub minus direct, and hub / direct;
2. fan-out to N of the windows (``--fanouts``): every node's own p50 (one connection), then the
   hub's p50/p99 over N with one connection, the hub's CPU ms per request and the N nodes' CPU ms
   per request together; beside the slowest of the N nodes' own p50 in the same round.

Every response is checked: the first in full (a node's page is well formed; the hub's page is
the 50 newest of its windows' own pages, field by field, with their summed totalCount), every
later one byte for byte against it. Figures go to ``bench/results/hub-<date>.json``.
``--profile`` then runs a second hub process on the same registry, warms it with the widest
fan-out, profiles it (cProfile) while loaded with that fan-out and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import platform
import pstats
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.harness import HEADERS, ROOT, Server, cpu_seconds, load, percentile
from bench.report import Section, Target
from bench.unguarded import guards_off
from federation.merge import order_key
from federation.testing import free_port
from hub.testing import HubServer, WindowSpec
from tests.support.network import Network, make_network
from tests.support.node_server import NodeServer

PAGE = 50
SELECTION = f"""services(first: {PAGE}) {{ totalCount
  edges {{ cursor node {{ id name category fee agency {{ id name }} }} }}
  pageInfo {{ endCursor hasNextPage }} }}"""
NODE_BODY = orjson.dumps({"query": f"{{ {SELECTION} }}"})
FIELDS = ("id", "name", "category", "fee", "agency")
PUBLISHED = 60  # per node, over the page, so every window has a next page
SEED_SIZE = 8  # enterprises of `smenet node seed`; its catalogue has ~26 published services

CREATE = "mutation($i: ServiceInput!) { createService(input: $i) { service { id } } }"
PUBLISH = "mutation($id: ID!) { publishService(id: $id) { service { id } } }"
COUNT = "{ services(first: 1) { totalCount } }"
# Where a request's time is spent, for --profile's cumulative listing.
REQUEST_PATH = r"/(hub|federation|strawberry|graphql|starlette|aiohttp|uvicorn/protocols)/"


def hub_body(windows: list[str]) -> bytes:
    ids = orjson.dumps(windows).decode()
    return orjson.dumps({"query": f"{{ network(windows: {ids}) {{ {SELECTION} }} }}"})


def spec(i: int) -> WindowSpec:
    return WindowSpec(
        f"bench-{i:02d}", f"基准测试第{i + 1}中小企业服务窗口", "440305", "comprehensive"
    )


# --- the network ----------------------------------------------------------------------------


async def _graphql(
    client: httpx.AsyncClient, url: str, query: str, variables: dict[str, Any], token: str = ""
) -> dict[str, Any]:
    headers = {**HEADERS, **({"authorization": f"Bearer {token}"} if token else {})}
    body = orjson.dumps({"query": query, "variables": variables})
    answer = orjson.loads((await client.post(url, content=body, headers=headers)).content)
    if answer.get("errors"):
        raise AssertionError(f"{url}: {answer['errors']}")
    return dict(answer["data"])


async def publish_up_to(node: NodeServer, count: int) -> None:
    """Create and publish services through the node's API until ``count`` are published."""
    token = await node.login()
    async with httpx.AsyncClient(timeout=30) as client:
        have = (await _graphql(client, node.url, COUNT, {}))["services"]["totalCount"]
        for n in range(have, count):
            service = {
                "name": f"企业服务项目 {n + 1:03d}：政策解读与申报辅导",
                "category": "OTHER",
                "function": "为中小企业提供政策解读、申报辅导和专家对接服务。",
                "process": "线上提交需求，窗口受理后三个工作日内匹配机构。",
                "standard": "按《中小企业公共服务规范》执行。",
                "fee": "公益服务，免费" if n % 3 else "按项目收费，每次 500 元",
                "timeLimitDays": 5 + n % 20,
            }
            made = await _graphql(client, node.url, CREATE, {"i": service}, token)
            ids = {"id": made["createService"]["service"]["id"]}
            await _graphql(client, node.url, PUBLISH, ids, token)


async def build(tmp: Path, count: int) -> Network:
    """``count`` windows on a hub, each node with ``PUBLISHED`` services."""
    net = await make_network(tmp, [spec(i) for i in range(count)], SEED_SIZE)
    try:
        await asyncio.gather(*(publish_up_to(node, PUBLISHED) for node in net.nodes.values()))
    except BaseException:
        net.stop()
        raise
    return net


# --- checks ---------------------------------------------------------------------------------


async def first_answer(
    name: str, url: str, process: subprocess.Popen[bytes] | None, body: bytes
) -> Server:
    assert process is not None, f"{name} is not running"
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(url, content=body, headers=HEADERS)
    if response.status_code != 200:
        raise AssertionError(f"{name}: HTTP {response.status_code}: {response.text[:500]}")
    return Server(name, process, url, reference=response.content, body=body)


def page_of(server: Server, path: tuple[str, ...]) -> dict[str, Any]:
    payload = orjson.loads(server.reference)
    if not isinstance(payload, dict) or payload.get("errors") or not payload.get("data"):
        raise AssertionError(f"{server.name}: errors in response: {str(payload)[:500]}")
    page: dict[str, Any] = payload["data"]
    for key in path:
        page = page[key]
    edges = page["edges"]
    if len(edges) != PAGE or any(tuple(e["node"]) != FIELDS for e in edges):
        raise AssertionError(f"{server.name}: not {PAGE} edges with {FIELDS}")
    info = page["pageInfo"]
    if info["hasNextPage"] is not True or info["endCursor"] != edges[-1]["cursor"]:
        raise AssertionError(f"{server.name}: wrong pageInfo {info}")
    return page


def check_node(server: Server, window_id: str) -> dict[str, Any]:
    page = page_of(server, ("services",))
    keys = [order_key(e["node"]["id"]) for e in page["edges"]]
    if any(not e["node"]["id"].startswith(f"{window_id}:") for e in page["edges"]):
        raise AssertionError(f"{server.name}: an ID not of window {window_id}")
    if keys != sorted(keys, reverse=True) or page["totalCount"] < PAGE + 1:
        raise AssertionError(f"{server.name}: not newest first, or {page['totalCount']} services")
    return page


def check_hub(server: Server, node_pages: list[dict[str, Any]]) -> None:
    """The hub's page is the 50 newest of the nodes' own pages, each node as the node gave it."""
    page = page_of(server, ("network", "services"))
    union = [e["node"] for p in node_pages for e in p["edges"]]
    expected = sorted(union, key=lambda n: order_key(n["id"]), reverse=True)[:PAGE]
    if [e["node"] for e in page["edges"]] != expected:
        raise AssertionError(f"{server.name}: the page is not the 50 newest of its windows'")
    total = sum(p["totalCount"] for p in node_pages)
    if page["totalCount"] != total:
        raise AssertionError(f"{server.name}: totalCount {page['totalCount']}, expected {total}")


# --- measures -------------------------------------------------------------------------------


@dataclass
class Added:
    """One contender of the added-latency comparison, a list entry per round."""

    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)  # ms, one connection
    p99: list[float] = field(default_factory=list)
    hub_cpu: list[float] = field(default_factory=list)  # hub process CPU ms per request
    node_cpu: list[float] = field(default_factory=list)  # node process CPU ms per request
    requests: int = 0


@dataclass
class Fanout:
    hub_p50: list[float] = field(default_factory=list)
    hub_p99: list[float] = field(default_factory=list)
    slowest_node_p50: list[float] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)  # hub p50 / slowest node p50, per round
    hub_cpu: list[float] = field(default_factory=list)
    nodes_cpu: list[float] = field(default_factory=list)  # the N nodes together, per request
    requests: int = 0


@contextlib.contextmanager
def cpu_per_request(
    groups: list[list[int]], into: list[list[float]], done: list[float]
) -> Iterator[None]:
    """Append to ``into[i]`` the CPU ms per request that the processes ``groups[i]`` spent
    together over the block; ``done`` holds the block's requests when it ends."""
    before = [[cpu_seconds(pid) for pid in pids] for pids in groups]
    yield
    for pids, then, target in zip(groups, before, into, strict=True):
        spent = sum(cpu_seconds(pid) - b for pid, b in zip(pids, then, strict=True))
        target.append(spent * 1000 / len(done))


async def measure_added(
    server: Server, hub_pid: int, node_pid: int, args: argparse.Namespace, into: Added
) -> None:
    done: list[float] = []
    wall = time.perf_counter()
    with cpu_per_request([[hub_pid], [node_pid]], [into.hub_cpu, into.node_cpu], done):
        done += await load(server, args.concurrency, args.seconds)
    into.rps.append(len(done) / (time.perf_counter() - wall))
    latencies = await load(server, 1, args.latency_seconds)
    into.p50.append(percentile(latencies, 0.50) * 1000)
    into.p99.append(percentile(latencies, 0.99) * 1000)
    into.requests += len(done) + len(latencies)


async def measure_fanout(
    hub: Server, node_p50: list[float], node_pids: list[int], seconds: float, into: Fanout
) -> None:
    done: list[float] = []
    with cpu_per_request([[hub.process.pid], node_pids], [into.hub_cpu, into.nodes_cpu], done):
        done += await load(hub, 1, seconds)
    p50 = percentile(done, 0.50) * 1000
    into.hub_p50.append(p50)
    into.hub_p99.append(percentile(done, 0.99) * 1000)
    into.slowest_node_p50.append(max(node_p50))
    into.ratio.append(p50 / max(node_p50))
    into.requests += len(done)


async def measure(net: Network, windows: list[str], args: argparse.Namespace) -> dict[str, Any]:
    hub = net.hub
    direct: list[Server] = []
    node_pages = []
    for window_id, node in net.nodes.items():
        server = await first_answer(window_id, node.url, node.process, NODE_BODY)
        node_pages.append(check_node(server, window_id))
        direct.append(server)
    via_hub = {}
    for n in sorted({1, *args.fanouts}):
        server = await first_answer(f"hub×{n}", hub.url, hub.process, hub_body(windows[:n]))
        check_hub(server, node_pages[:n])
        via_hub[n] = server
    for server in [direct[0], *via_hub.values()]:  # warm-up, not measured
        await load(server, 1, args.warmup)

    unguarded = await start_hub(net, "unguarded hub", ["--serve-unguarded"], windows[:1])
    try:
        check_hub(unguarded, node_pages[:1])
        await load(unguarded, 1, args.warmup)
        return await measure_rounds(direct, via_hub, unguarded, args)
    finally:
        unguarded.process.send_signal(signal.SIGINT)
        unguarded.process.wait(timeout=30)


async def measure_rounds(
    direct: list[Server], via_hub: dict[int, Server], unguarded: Server, args: argparse.Namespace
) -> dict[str, Any]:
    added = {"direct": Added(), "hub": Added(), "unguarded": Added()}
    fanouts = {n: Fanout() for n in args.fanouts}
    contenders = [("direct", direct[0]), ("hub", via_hub[1]), ("unguarded", unguarded)]
    for round_no in range(args.rounds):
        for name, server in contenders if round_no % 2 == 0 else contenders[::-1]:
            # A hub's CPU is that of the process measured (the unguarded hub is its own).
            hub_pid = (unguarded if name == "unguarded" else via_hub[1]).process.pid
            await measure_added(server, hub_pid, direct[0].process.pid, args, added[name])
        node_p50 = [
            percentile(await load(server, 1, args.node_seconds), 0.50) * 1000 for server in direct
        ]
        order = args.fanouts if round_no % 2 == 0 else args.fanouts[::-1]
        for n in order:
            pids = [server.process.pid for server in direct[:n]]
            await measure_fanout(via_hub[n], node_p50[:n], pids, args.fanout_seconds, fanouts[n])
        print(
            f"round {round_no + 1}: direct p50 {added['direct'].p50[-1]:.2f} ms, "
            f"hub p50 {added['hub'].p50[-1]:.2f} ms; fan-out p50 "
            + ", ".join(f"{n}: {f.hub_p50[-1]:.1f} ms" for n, f in fanouts.items()),
            flush=True,
        )
    return {"added": added, "fanouts": fanouts}


# --- profile --------------------------------------------------------------------------------


async def start_hub(net: Network, name: str, mode: list[str], windows: list[str]) -> Server:
    """A second hub process on the same registry, run by this module in ``mode``, once it
    answers the page of ``windows``."""
    hub = net.hub
    second = HubServer(data_dir=hub.data_dir, port=free_port())
    command = [sys.executable, "-m", "bench.hub", *mode, "hub", "serve"]
    command += ["--data", str(hub.data_dir), "--port", str(second.port)]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **hub.env})
    deadline = time.monotonic() + 60
    while True:
        try:
            return await first_answer(name, second.url, process, hub_body(windows))
        except httpx.TransportError:  # not listening yet
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the {name} did not start") from None
            await asyncio.sleep(0.2)


async def profile(net: Network, windows: list[str], args: argparse.Namespace) -> None:
    """A second hub process on the same registry (``serve_profiled``), warmed with the widest
    fan-out (its composition is built then), then profiled while loaded with it."""
    out = Path(tempfile.gettempdir()) / f"smenet-bench-hub-{datetime.now(UTC):%Y-%m-%d}.prof"
    server = await start_hub(net, "profiled hub", ["--serve-profiled", str(out)], windows)
    process = server.process
    try:
        await load(server, 1, args.warmup)
        process.send_signal(signal.SIGUSR1)
        done = await load(server, 1, args.profile_seconds)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    stats = pstats.Stats(str(out))
    summary = stats.get_stats_profile()
    idle = sum(f.tottime for name, f in summary.func_profiles.items() if "epoll" in name)
    print(
        f"\nprofile: a hub under a {len(windows)}-window fan-out, {len(done)} requests, "
        f"p50 {percentile(done, 0.5) * 1000:.1f} ms (cProfile slows it down); busy "
        f"{(summary.total_tt - idle) * 1000 / len(done):.1f} ms per request ({out})"
    )
    stats.sort_stats("cumulative").print_stats(REQUEST_PATH, 40)
    stats.sort_stats("tottime").print_stats(r"^(?!.*epoll)", 30)


def serve_profiled(out: Path, argv: list[str]) -> None:
    """``smenet`` ``argv`` with a profiler that SIGUSR1 starts and the end of serving stops:
    SIGINT, which uvicorn raises again once it has shut down, as a KeyboardInterrupt here."""
    from smenet.cli import main as smenet_main

    profiler = cProfile.Profile()
    signal.signal(signal.SIGUSR1, lambda *_: profiler.enable())
    try:
        smenet_main(argv)
    finally:
        profiler.disable()
        profiler.dump_stats(out)


# --- report ---------------------------------------------------------------------------------


def report(results: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    med = statistics.median
    added: dict[str, Added] = results["added"]
    fanouts: dict[int, Fanout] = results["fanouts"]
    direct, hub, unguarded = added["direct"], added["hub"], added["unguarded"]
    print()
    print("1. added latency, one window: the page direct from its node, and through the hub")
    print(
        f"{'':<8}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'hub CPU':>9}{'node CPU':>10}"
        f"{'requests':>10}   (CPU: ms per request, at concurrency {args.concurrency})"
    )
    for name, m in added.items():
        print(
            f"{name:<8}{med(m.p50):>9.2f}{med(m.p99):>9.2f}{med(m.rps):>9.0f}"
            f"{med(m.hub_cpu):>9.2f}{med(m.node_cpu):>10.2f}{m.requests:>10}"
        )
    figures = {
        "added_p50_ms": med(hub.p50) - med(direct.p50),
        "added_p99_ms": med(hub.p99) - med(direct.p99),
        "ratio_p50_hub_over_direct": med(hub.p50) / med(direct.p50),
        "ratio_p99_hub_over_direct": med(hub.p99) / med(direct.p99),
        "ratio_throughput_hub_over_direct": med(hub.rps) / med(direct.rps),
        "ratio_throughput_hub_over_unguarded": med(hub.rps) / med(unguarded.rps),
        "ratio_p50_hub_over_unguarded": med(hub.p50) / med(unguarded.p50),
        "hub_cpu_ms_per_request": med(hub.hub_cpu),
    }
    fig = figures
    print(
        f"hub adds p50 {fig['added_p50_ms']:.2f} ms (×{fig['ratio_p50_hub_over_direct']:.2f}), "
        f"p99 {fig['added_p99_ms']:.2f} ms (×{fig['ratio_p99_hub_over_direct']:.2f}); "
        f"throughput ×{fig['ratio_throughput_hub_over_direct']:.2f}; "
        f"hub CPU {fig['hub_cpu_ms_per_request']:.2f} ms per request"
    )
    print()
    print("2. fan-out: the hub over N windows, one connection, beside the slowest node's own p50")
    print(
        f"{'N':>3}{'hub p50':>9}{'hub p99':>9}{'slowest node p50':>18}{'ratio':>8}"
        f"{'hub CPU':>9}{'N nodes CPU':>13}{'requests':>10}   ratio of each round"
    )
    for n, f in fanouts.items():
        rounds = " ".join(f"{r:.1f}" for r in f.ratio)
        print(
            f"{n:>3}{med(f.hub_p50):>9.2f}{med(f.hub_p99):>9.2f}{med(f.slowest_node_p50):>18.2f}"
            f"{med(f.ratio):>8.2f}{med(f.hub_cpu):>9.2f}{med(f.nodes_cpu):>13.2f}"
            f"{f.requests:>10}   {rounds}"
        )
    print(f"({os.cpu_count()} CPUs: with N nodes answering at once, they share them)")
    return {
        **figures,
        "direct": asdict(direct),
        "hub": asdict(hub),
        "unguarded": asdict(unguarded),
        "fanout": {
            str(n): {
                "hub_p50_ms": med(f.hub_p50),
                "hub_p99_ms": med(f.hub_p99),
                "slowest_node_p50_ms": med(f.slowest_node_p50),
                "ratio_hub_p50_over_slowest_node_p50": med(f.ratio),
                "hub_cpu_ms_per_request": med(f.hub_cpu),
                "nodes_cpu_ms_per_request": med(f.nodes_cpu),
                "rounds": asdict(f),
            }
            for n, f in fanouts.items()
        },
    }


async def main(args: argparse.Namespace) -> None:
    figures, setup_s = await measure_network(args)
    write(figures, setup_s, args)


async def measure_network(args: argparse.Namespace) -> tuple[dict[str, Any], float]:
    """Start the network, measure and report; the figures and the seconds its start took."""
    print("python -m bench.hub: a page of 50 published services, direct and through the hub")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        + ", ".join(f"{p} {version(p)}" for p in ("strawberry-graphql", "graphql-core", "aiohttp"))
    )
    print(
        f"{args.rounds} rounds; fan-outs {args.fanouts}; each round: {args.seconds:g} s at "
        f"concurrency {args.concurrency} and {args.latency_seconds:g} s at 1 per contender, "
        f"{args.node_seconds:g} s per node, {args.fanout_seconds:g} s per fan-out; medians",
        flush=True,
    )
    count = max(args.fanouts)
    windows = [spec(i).window_id for i in range(count)]
    with tempfile.TemporaryDirectory(prefix="smenet-bench-hub-") as tmp:
        started = time.monotonic()
        net = await build(Path(tmp), count)
        try:
            setup_s = time.monotonic() - started
            print(f"{count} nodes seeded, topped up and connected in {setup_s:.0f} s", flush=True)
            figures = report(await measure(net, windows, args), args)
            if args.profile:
                await profile(net, windows, args)
        finally:
            net.stop()
    return figures, setup_s


async def run(options: argparse.Namespace) -> list[Section]:
    """``python -m bench``'s hub scenario: this module's runs as sections."""
    argv = ["--quick"] if options.quick else []
    if options.large:
        argv += ["--fanouts", "1", "3", "10", "30", "100"]
    figures, setup_s = await measure_network(parse_args(argv))
    added = Section(
        name="hub.added",
        title="hub added latency, one window (ms)",
        columns=["contender", "p50 ms", "p99 ms", "req/s"],
        notes=[f"network of {max(figures['fanout'], key=int)} nodes started in {setup_s:.0f} s"],
    )
    for name in ("direct", "hub", "unguarded"):
        m = figures[name]
        row = [statistics.median(m["p50"]), statistics.median(m["p99"])]
        added.rows.append([name, *row, statistics.median(m["rps"])])
        added.chart[f"{name} p50"] = row[0]
    added.figures = {f"hub.{k}": v for k, v in figures.items() if isinstance(v, float)}
    added.ratios = {k: v for k, v in added.figures.items() if ".ratio_" in k}
    added.targets["hub.ratio_throughput_hub_over_unguarded"] = Target(">=", 0.95)
    fanout = Section(
        name="hub.fanout",
        title="hub fan-out over N real nodes (one connection)",
        columns=["N", "hub p50 ms", "hub p99 ms", "slowest node p50 ms", "ratio", "hub CPU ms"],
    )
    for n, f in figures["fanout"].items():
        fanout.rows.append(
            [n, f["hub_p50_ms"], f["hub_p99_ms"], f["slowest_node_p50_ms"]]
            + [f["ratio_hub_p50_over_slowest_node_p50"], f["hub_cpu_ms_per_request"]]
        )
        for key, value in f.items():
            if isinstance(value, float):
                (fanout.ratios if key.startswith("ratio_") else fanout.figures)[
                    f"hub.fanout.{n}.{key}"
                ] = value
        fanout.chart[f"N={n} p50"] = f["hub_p50_ms"]
    return [added, fanout]


def write(figures: dict[str, Any], setup_s: float, args: argparse.Namespace) -> None:
    quick = "-quick" if args.quick else ""
    out = ROOT / "bench" / "results" / f"hub-{datetime.now(UTC):%Y-%m-%d}{quick}.json"
    out.parent.mkdir(exist_ok=True)
    meta = {
        "command": " ".join(sys.orig_argv),
        "cpus": os.cpu_count(),
        "setup_s": round(setup_s, 1),
        "arguments": vars(args),
    }
    out.write_bytes(orjson.dumps({**meta, **figures}, option=orjson.OPT_INDENT_2))
    print(f"\nfigures: {out.relative_to(ROOT)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.hub", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="1 round, short phases, N up to 10")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fanouts", type=int, nargs="+", default=[1, 3, 10, 30])
    parser.add_argument("--seconds", type=float, default=4.0, help="throughput phase, per round")
    parser.add_argument("--latency-seconds", type=float, default=2.0)
    parser.add_argument("--node-seconds", type=float, default=0.5, help="each node's own p50")
    parser.add_argument("--fanout-seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds, per contender")
    parser.add_argument("--profile", action="store_true", help="then profile the widest fan-out")
    parser.add_argument("--profile-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.latency_seconds = 1, 1.5, 1.0
        args.fanout_seconds, args.warmup = 1.5, 0.5
        args.fanouts = [n for n in args.fanouts if n <= 10]
    return args


def serve_unguarded(argv: list[str]) -> None:
    """``smenet`` ``argv`` with the server's guards off (``bench/unguarded.py``)."""
    from smenet.cli import main as smenet_main

    guards_off()
    smenet_main(argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-profiled"]:
        serve_profiled(Path(sys.argv[2]), sys.argv[3:])
    elif sys.argv[1:2] == ["--serve-unguarded"]:
        serve_unguarded(sys.argv[2:])
    else:
        asyncio.run(main(parse_args()))
