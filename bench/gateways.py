"""``python -m bench.gateways``: the hub beside Hive Gateway and Apollo Gateway (issue 6,
scenarios 2–5), peers installed from npm (``bench.peers``), everything on loopback.

The query is ``bench.hub``'s page of 50 published services, anonymous. Contenders:

- **direct**: the page from one real node;
- **hub**: ``network(windows: [...]) { services(...) }`` at a real hub (``smenet hub serve``);
- **hive**: Hive Gateway (its JS runtime, one process) over a ``mesh-compose`` supergraph; for a
  fan-out every window's types and root fields are prefixed with its id (``rp_007_services``) and
  one query asks them all under aliases, the best its users can do;
- **hive-no-dedupe** (passthrough only): the same with its default merging of identical in-flight
  upstream queries off, so that every request reaches the node, as through the hub;
- **apollo**: Apollo Gateway, IntrospectAndCompose over the node (passthrough only: it cannot
  take the same subgraph twice).

Scenarios, each a ``bench.report.Section``:

2. passthrough: direct, hub, hive (twice), apollo over one real node: p50/p99 with one connection,
   req/s at ``concurrency`` connections, the gateway process's CPU ms per request; added
   latency over direct and its ratios;
3. fan-out to N windows: hub p50/p99 vs hive p50/p99 (one connection), CPU per request, over
   upstreams replaying a real node's recorded answers (``bench.replay``: the same bytes for
   both, targets apply) and over real nodes (N ≤ 10, 30 with ``--large``);
4. failure: of ``FAILURE_N`` replaying windows one down, then one hanging: time to answer and
   how many windows' data came back, hub vs hive. The hub's node timeout
   (``SMENET_NODE_TIMEOUT_SECONDS``) and Hive's ``upstreamTimeout`` are both ``node_timeout``;
5. memory: peak RSS (VmHWM) of the replay hub and of Hive Gateway after the replay fan-out.

Every answer is checked: the first in full (no errors; the right windows and record counts; the
hub's page the 50 newest of its windows' pages), every later one byte for byte against it.
Options (``run(options)`` reads them with these defaults when absent): ``quick`` (1 round, short
phases, N ≤ 10), ``large`` (N up to 100 over replays, 30 real nodes), ``rounds`` 3, ``seconds`` 3
(throughput phase), ``concurrency`` 8, ``latency_seconds`` 2, ``fanout_seconds`` 2, ``warmup``
0.5, ``node_timeout`` 1.0; ``profile`` then profiles a second hub process under the passthrough
query (``bench.hub.profile``: cProfile, ``profile_seconds`` 10) and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench import peers
from bench.harness import HEADERS, ROOT, Server, load, percentile
from bench.hub import (
    NODE_BODY,
    PAGE,
    SELECTION,
    build,
    check_hub,
    check_node,
    cpu_per_request,
    first_answer,
    hub_body,
    page_of,
    profile,
)
from bench.report import Section, Target
from federation.testing import free_port
from hub.testing import WindowSpec, onboard, start_network_hub

DEFAULTS: dict[str, Any] = {
    "quick": False,
    "large": False,
    "rounds": 3,
    "seconds": 3.0,
    "concurrency": 8,
    "latency_seconds": 2.0,
    "fanout_seconds": 2.0,
    "warmup": 0.5,
    "node_timeout": 1.0,
    "profile": False,
    "profile_seconds": 10.0,
}
REPLAY_FANOUTS = [1, 3, 10, 30]
REAL_FANOUTS = [1, 3, 10]
FAILURE_N = 10
FAILURE_TRIES = 3  # requests per failure case: the first, then with the hub's breaker at work
RECORDED = "bench-00"  # the real node whose answers the replays serve
PUBLISHED = 60  # bench.hub tops every node up to this many published services


def settings(options: argparse.Namespace) -> argparse.Namespace:
    """``options`` with ``DEFAULTS`` for what it lacks, shortened by ``quick``."""
    values = {**DEFAULTS, **{k: v for k, v in vars(options).items() if v is not None}}
    if values["quick"]:
        values.update(rounds=1, seconds=1.0, latency_seconds=1.0, fanout_seconds=1.0)
    return argparse.Namespace(**values)


def fanouts(args: argparse.Namespace) -> tuple[list[int], list[int]]:
    """The N of the replay and of the real-node fan-outs."""
    if args.large:
        return [*REPLAY_FANOUTS, 100], [*REAL_FANOUTS, 30]
    if args.quick:
        return [n for n in REPLAY_FANOUTS if n <= 10], REAL_FANOUTS
    return REPLAY_FANOUTS, REAL_FANOUTS


def replay_id(i: int) -> str:
    return f"rp-{i:03d}"


def peak_rss_mb(pid: int) -> float:
    """VmHWM, the process's peak resident set, from /proc/<pid>/status."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def hive_body(windows: list[str]) -> bytes:
    """One query over the windows' prefixed root fields, each under an alias."""
    fields = " ".join(f"w{i}: {peers.field_suffix(w)}_{SELECTION}" for i, w in enumerate(windows))
    return orjson.dumps({"query": f"{{ {fields} }}"})


def check_hive(server: Server, windows: list[str]) -> None:
    """Every window's own page under its alias, no errors."""
    for i, window_id in enumerate(windows):
        page = page_of(server, (f"w{i}",))
        if any(not e["node"]["id"].startswith(f"{window_id}:") for e in page["edges"]):
            raise AssertionError(f"{server.name}: an ID not of window {window_id} under w{i}")
        if page["totalCount"] != PUBLISHED:
            raise AssertionError(f"{server.name}: w{i} totalCount {page['totalCount']}")


def check_same(server: Server, direct: Server) -> None:
    """A passthrough gateway's answer has the node's data as it is."""
    payload = orjson.loads(server.reference)
    if payload.get("errors") or payload.get("data") != orjson.loads(direct.reference)["data"]:
        raise AssertionError(f"{server.name}: not the node's answer: {str(payload)[:500]}")


med = statistics.median


# --- processes ------------------------------------------------------------------------------


@dataclass
class Replays:
    """``bench.replay`` serving ``windows`` from the real node at ``source``."""

    process: subprocess.Popen[bytes]
    urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, source: str, windows: list[str]) -> Replays:
        command = [sys.executable, "-m", "bench.replay", source, RECORDED, *windows]
        process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        replays = cls(process)
        assert process.stdout is not None
        for _ in windows:
            _, window_id, port = process.stdout.readline().decode().split()
            replays.urls[window_id] = f"http://127.0.0.1:{port}/graphql"
        return replays

    def set(self, verb: str, window_id: str) -> None:
        """``down``, ``hang`` or ``up``, acknowledged before it returns."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{verb} {window_id}\n".encode())
        self.process.stdin.flush()
        if self.process.stdout.readline().decode().split() != ["ok", window_id]:
            raise RuntimeError(f"the replays did not take {verb} {window_id}")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@contextlib.asynccontextmanager
async def stopping(*stops: Callable[[], None]) -> AsyncIterator[list[Callable[[], None]]]:
    """Stops what was started, last first, however the block ends."""
    started = list(stops)
    try:
        yield started
    finally:
        for stop in reversed(started):
            with contextlib.suppress(Exception):
                stop()


async def hive_over(
    urls: dict[str, str], tmp: Path, name: str, prefix: bool, timeout: float, dedupe: bool = True
) -> peers.Peer:
    supergraph = await asyncio.to_thread(peers.compose, urls, tmp / f"{name}.graphql", prefix)
    return await peers.start_hive(supergraph, free_port(), timeout, dedupe)


# --- 2. passthrough -------------------------------------------------------------------------


@dataclass
class Through:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # the gateway's CPU ms per request
    node_cpu: list[float] = field(default_factory=list)  # the node's, per request
    requests: int = 0


async def passthrough(servers: dict[str, Server], args: argparse.Namespace) -> Section:
    results = {name: Through() for name in servers}
    for server in servers.values():
        await load(server, 1, args.warmup)
    names = list(servers)
    node_pid = servers["direct"].process.pid
    for round_no in range(args.rounds):
        for name in names if round_no % 2 == 0 else names[::-1]:
            server, into = servers[name], results[name]
            done: list[float] = []
            wall = time.perf_counter()
            pids = [[server.process.pid], [node_pid]]
            with cpu_per_request(pids, [into.cpu, into.node_cpu], done):
                done += await load(server, args.concurrency, args.seconds)
            into.rps.append(len(done) / (time.perf_counter() - wall))
            latencies = await load(server, 1, args.latency_seconds)
            into.p50.append(percentile(latencies, 0.5) * 1000)
            into.p99.append(percentile(latencies, 0.99) * 1000)
            into.requests += len(done) + len(latencies)
    section = Section(
        "passthrough",
        "2. passthrough: the page of 50 services from one real node, direct and through each "
        "gateway",
        [
            "contender",
            "p50 ms",
            "p99 ms",
            "added p50",
            "added p99",
            "req/s",
            "CPU ms/req",
            "node CPU ms/req",
            "req",
        ],
    )
    direct = results["direct"]
    for name, r in results.items():
        added50, added99 = med(r.p50) - med(direct.p50), med(r.p99) - med(direct.p99)
        section.rows.append(
            [
                name,
                med(r.p50),
                med(r.p99),
                added50,
                added99,
                med(r.rps),
                med(r.cpu),
                med(r.node_cpu),
                r.requests,
            ]
        )
        for key, value in (
            ("p50_ms", med(r.p50)),
            ("p99_ms", med(r.p99)),
            ("rps", med(r.rps)),
            ("cpu_ms_per_request", med(r.cpu)),
            ("node_cpu_ms_per_request", med(r.node_cpu)),
        ):
            section.figures[f"passthrough.{name}.{key}"] = value
        if name != "direct":
            section.figures[f"passthrough.{name}.added_p50_ms"] = added50
            section.figures[f"passthrough.{name}.added_p99_ms"] = added99
    added = {n: section.figures[f"passthrough.{n}.added_p50_ms"] for n in ("hub", "hive", "apollo")}
    for peer in ("hive", "apollo"):
        ratio = f"passthrough.hub_added_p50_over_{peer}"
        section.ratios[ratio] = added["hub"] / added[peer]
        section.targets[ratio] = Target("<=", 1.0)
    for peer in ("hive", "hive-no-dedupe", "apollo"):
        ratio = f"passthrough.hub_rps_over_{peer.replace('-', '_')}"
        section.ratios[ratio] = med(results["hub"].rps) / med(results[peer].rps)
    section.notes.append(
        f"req/s and CPU at concurrency {args.concurrency} ({args.seconds:g} s), p50/p99 with one "
        f"connection ({args.latency_seconds:g} s); {args.rounds} round(s), medians; CPU: the "
        "gateway process (direct: the node), /proc utime+stime; node CPU: the node's per request "
        "the client sent (below direct's where a gateway sends one upstream request for several "
        "identical concurrent ones: Hive's default; hive-no-dedupe has it off)"
    )
    return section


# --- 3. fan-out and 5. memory ---------------------------------------------------------------


@dataclass
class Spread:
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    upstream_cpu: list[float] = field(default_factory=list)  # the upstreams', per request
    requests: int = 0


async def fanout_servers(
    hub_url: str,
    hub_process: subprocess.Popen[bytes],
    hive: peers.Peer,
    windows: list[str],
    upstreams: dict[str, tuple[str, subprocess.Popen[bytes] | None]],
    counts: list[int],
) -> tuple[dict[int, Server], dict[int, Server]]:
    """The hub's and Hive's checked query for each N of ``counts``; ``upstreams``: each
    window's URL and the process serving it."""
    pages = []
    for window_id in windows[: max(counts)]:
        url, process = upstreams[window_id]
        node = await first_answer(window_id, url, process, NODE_BODY)
        pages.append(check_node(node, window_id))
    via_hub, via_hive = {}, {}
    for n in counts:
        server = await first_answer(f"hub×{n}", hub_url, hub_process, hub_body(windows[:n]))
        check_hub(server, pages[:n])
        via_hub[n] = server
        server = await first_answer(f"hive×{n}", hive.url, hive.process, hive_body(windows[:n]))
        check_hive(server, windows[:n])
        via_hive[n] = server
    return via_hub, via_hive


async def fanout(
    name: str,
    title: str,
    contenders: dict[str, dict[int, Server]],
    upstream_pids: list[int],
    per_window_pids: bool,
    args: argparse.Namespace,
    targets: dict[int, Target],
) -> Section:
    """p50/p99 with one connection per N, rounds interleaving the contenders; ``upstream_pids``:
    one per window (real nodes) or one for them all (the replays)."""
    counts = list(next(iter(contenders.values())))
    results = {c: {n: Spread() for n in counts} for c in contenders}
    for servers in contenders.values():
        for server in servers.values():
            await load(server, 1, args.warmup)
    for round_no in range(args.rounds):
        for n in counts if round_no % 2 == 0 else counts[::-1]:
            names = list(contenders) if (round_no + n) % 2 == 0 else list(contenders)[::-1]
            for contender in names:
                server, into = contenders[contender][n], results[contender][n]
                pids = upstream_pids[:n] if per_window_pids else upstream_pids
                done: list[float] = []
                with cpu_per_request(
                    [[server.process.pid], pids], [into.cpu, into.upstream_cpu], done
                ):
                    done += await load(server, 1, args.fanout_seconds)
                into.p50.append(percentile(done, 0.5) * 1000)
                into.p99.append(percentile(done, 0.99) * 1000)
                into.requests += len(done)
        print(
            f"{name} round {round_no + 1}: "
            + ", ".join(
                f"N={n} " + "/".join(f"{results[c][n].p50[-1]:.1f}" for c in contenders)
                for n in counts
            )
            + " ms p50 ("
            + "/".join(contenders)
            + ")",
            flush=True,
        )
    columns = ["N"]
    for c in contenders:
        columns += [f"{c} p50", f"{c} p99", f"{c} CPU"]
    columns += ["upstream CPU", "hub/hive p50", "rounds hub/hive"]
    section = Section(name, title, columns)
    for n in counts:
        hub, hive = results["hub"][n], results["hive"][n]
        per_round = [h / v for h, v in zip(hub.p50, hive.p50, strict=True)]
        row: list[Any] = [n]
        for c in contenders:
            r = results[c][n]
            row += [med(r.p50), med(r.p99), med(r.cpu)]
            section.figures[f"{name}.{n}.{c}.p50_ms"] = med(r.p50)
            section.figures[f"{name}.{n}.{c}.p99_ms"] = med(r.p99)
            section.figures[f"{name}.{n}.{c}.cpu_ms_per_request"] = med(r.cpu)
            section.figures[f"{name}.{n}.{c}.upstream_cpu_ms_per_request"] = med(r.upstream_cpu)
        ratio = f"{name}.{n}.hub_p50_over_hive"
        section.ratios[ratio] = med(hub.p50) / med(hive.p50)
        if n in targets:
            section.targets[ratio] = targets[n]
        upstream = f"{med(hub.upstream_cpu):.2f}/{med(hive.upstream_cpu):.2f}"
        row += [upstream, section.ratios[ratio], " ".join(f"{r:.2f}" for r in per_round)]
        section.rows.append(row)
    section.notes.append(
        f"one connection, {args.fanout_seconds:g} s per N and contender, {args.rounds} round(s), "
        "medians; CPU: ms per request of the gateway process, upstream CPU: of the upstreams "
        "together (under hub / under hive); the hub answers one merged page of 50, hive N "
        "pages of 50 (the client merges)"
    )
    return section


def memory(hub_pid: int, hive_pid: int, widest: int) -> Section:
    section = Section(
        "memory",
        f"5. memory: peak RSS (VmHWM) after the fan-out over replays, up to N = {widest}",
        ["process", "peak RSS MB"],
    )
    for name, pid in (("hub", hub_pid), ("hive", hive_pid)):
        section.figures[f"memory.{name}.peak_rss_mb"] = peak_rss_mb(pid)
        section.rows.append([name, section.figures[f"memory.{name}.peak_rss_mb"]])
    section.ratios["memory.hub_peak_rss_over_hive"] = (
        section.figures["memory.hub.peak_rss_mb"] / section.figures["memory.hive.peak_rss_mb"]
    )
    section.targets["memory.hub_peak_rss_over_hive"] = Target("<=", 0.5)
    return section


# --- 4. failure -----------------------------------------------------------------------------


async def ask(url: str, body: bytes, timeout: float) -> tuple[float, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=timeout) as client:
        begin = time.perf_counter()
        answer = await client.post(url, content=body, headers=HEADERS)
        return (time.perf_counter() - begin) * 1000, orjson.loads(answer.content)


def hub_complete(payload: dict[str, Any], windows: list[str], lost: str) -> tuple[int, list[str]]:
    """How many windows' data the hub's page stands for, and the errors' codes: its totalCount
    must be the others' sum, the failed window named in an error."""
    page = (payload.get("data") or {}).get("network", {}).get("services") or {}
    errors = payload.get("errors") or []
    codes = [str(e.get("extensions", {}).get("code")) for e in errors]
    named = any(e.get("extensions", {}).get("windowId") == lost for e in errors)
    total = page.get("totalCount", 0)
    return (total // PUBLISHED if named and total % PUBLISHED == 0 else -1), codes


def hive_complete(payload: dict[str, Any], windows: list[str]) -> tuple[int, list[str]]:
    data = payload.get("data") or {}
    errors = payload.get("errors") or []
    pages = [data.get(f"w{i}") for i in range(len(windows))]
    full = sum(1 for p in pages if p and len(p.get("edges", [])) == PAGE)
    return full, [
        str(e.get("extensions", {}).get("code", e.get("message", "")[:40])) for e in errors
    ]


async def failure(
    replays: Replays, hub_url: str, hive: peers.Peer, windows: list[str], args: argparse.Namespace
) -> Section:
    lost = windows[-1]
    section = Section(
        "failure",
        f"4. failure: {len(windows)} replaying windows, {lost} down, then hanging "
        f"(node timeout / upstreamTimeout {args.node_timeout:g} s)",
        ["case", "gateway", "first ms", "later ms", "windows with data", "errors"],
    )
    bodies = {"hub": (hub_url, hub_body(windows)), "hive": (hive.url, hive_body(windows))}
    for case in ("down", "hang"):
        replays.set(case, lost)
        for name, (url, body) in bodies.items():
            times, payloads = [], []
            for _ in range(FAILURE_TRIES):
                spent, payload = await ask(url, body, args.node_timeout * 10 + 10)
                times.append(spent)
                payloads.append(payload)
            outcomes = [
                hub_complete(p, windows, lost) if name == "hub" else hive_complete(p, windows)
                for p in payloads
            ]
            complete = min(count for count, _ in outcomes)
            codes = sorted({c for _, cs in outcomes for c in cs})
            section.rows.append(
                [
                    case,
                    name,
                    times[0],
                    med(times[1:]),
                    f"{complete}/{len(windows)}",
                    ",".join(codes),
                ]
            )
            key = f"failure.{case}.{name}"
            section.figures[f"{key}.first_ms"] = times[0]
            section.figures[f"{key}.later_ms"] = med(times[1:])
            section.figures[f"{key}.windows_with_data"] = complete
            if name == "hive" and payloads[0].get("errors"):
                message = str(payloads[0]["errors"][0].get("message", ""))[:160]
                section.notes.append(
                    f"hive, {case}: data {payloads[0].get('data')!r:.40}, {message}"
                )
        replays.set("up", lost)
    bound = args.node_timeout * 1000 + 50
    for case in ("down", "hang"):
        ratio = f"failure.{case}.hub_first_ms_over_timeout_plus_50ms"
        section.ratios[ratio] = section.figures[f"failure.{case}.hub.first_ms"] / bound
        section.targets[ratio] = Target("<=", 1.0)
        complete = f"failure.{case}.hub_windows_with_data_over_others"
        section.ratios[complete] = section.figures[f"failure.{case}.hub.windows_with_data"] / (
            len(windows) - 1
        )
        section.targets[complete] = Target(">=", 1.0)
    section.notes.append(
        f"{FAILURE_TRIES} requests per case and gateway, one at a time: the first, and the median "
        "of the later ones (the hub's circuit breaker may answer those at once); windows with "
        "data: the hub's totalCount is the sum of the others' with the lost window named in an "
        "error; hive's: aliases with a full page"
    )
    return section


# --- the run --------------------------------------------------------------------------------


async def run(options: argparse.Namespace) -> list[Section]:
    args = settings(options)
    replay_counts, real_counts = fanouts(args)
    await asyncio.to_thread(peers.install)
    sections: list[Section] = []
    with tempfile.TemporaryDirectory(prefix="smenet-bench-gw-") as name:
        tmp = Path(name)
        started = time.monotonic()
        net = await build(tmp / "net", max(real_counts))
        async with stopping(net.stop) as stops:
            print(f"{len(net.nodes)} real nodes ready in {time.monotonic() - started:.0f} s")
            real = {w: node.url for w, node in net.nodes.items()}
            node = net.nodes[RECORDED]
            apollo = await peers.start_apollo({RECORDED: node.url}, free_port())
            stops.append(apollo.stop)
            hive_one = await hive_over({RECORDED: node.url}, tmp, "one", False, 30)
            stops.append(hive_one.stop)
            hive_plain = await hive_over({RECORDED: node.url}, tmp, "plain", False, 30, False)
            stops.append(hive_plain.stop)
            direct = await first_answer("direct", node.url, node.process, NODE_BODY)
            check_node(direct, RECORDED)
            servers = {"direct": direct}
            servers["hub"] = await first_answer(
                "hub", net.hub.url, net.hub.process, hub_body([RECORDED])
            )
            check_hub(servers["hub"], [page_of(direct, ("services",))])
            for peer in (hive_one, hive_plain, apollo):
                servers[peer.name] = await first_answer(
                    peer.name, peer.url, peer.process, NODE_BODY
                )
                check_same(servers[peer.name], direct)
            sections.append(await passthrough(servers, args))
            sections[-1].print()
            if args.profile:
                await profile(net, [RECORDED], args)
            for peer in (apollo, hive_one, hive_plain):
                peer.stop()

            # Replays of the recorded node, on a hub of their own.
            windows = [replay_id(i) for i in range(max(replay_counts))]
            replays = Replays.start(node.url, windows)
            stops.append(replays.stop)
            started = time.monotonic()
            env = {"SMENET_NODE_TIMEOUT_SECONDS": str(args.node_timeout)}
            replay_net = await start_network_hub(tmp / "replay-hub", env)
            stops.append(replay_net.hub.stop)
            for window_id in windows:
                spec = WindowSpec(window_id, f"回放窗口 {window_id}", "440305", "comprehensive")
                await onboard(replay_net, spec, replays.urls[window_id])
            hive = await hive_over(replays.urls, tmp, "replays", True, args.node_timeout)
            stops.append(hive.stop)
            print(
                f"{len(windows)} replaying windows connected, hive composed in "
                f"{time.monotonic() - started:.0f} s",
                flush=True,
            )
            hub = replay_net.hub
            assert hub.process is not None
            via_hub, via_hive = await fanout_servers(
                hub.url,
                hub.process,
                hive,
                windows,
                {w: (url, replays.process) for w, url in replays.urls.items()},
                replay_counts,
            )
            target = Target("<=", 0.7)
            sections.append(
                await fanout(
                    "fanout_replay",
                    "3a. fan-out over replaying upstreams (the same bytes for both gateways)",
                    {"hub": via_hub, "hive": via_hive},
                    [replays.process.pid],
                    False,
                    args,
                    {n: target for n in (10, 30) if n in replay_counts},
                )
            )
            sections[-1].print()
            sections.append(memory(hub.process.pid, hive.pid, max(replay_counts)))
            sections[-1].print()
            sections.append(await failure(replays, hub.url, hive, windows[:FAILURE_N], args))
            sections[-1].print()
            hive.stop()
            replays.stop()
            replay_net.hub.stop()

            # Real nodes, end to end.
            assert net.hub.process is not None
            hive_real = await hive_over(real, tmp, "real", True, 30)
            stops.append(hive_real.stop)
            ids = list(real)
            via_hub, via_hive = await fanout_servers(
                net.hub.url,
                net.hub.process,
                hive_real,
                ids,
                {w: (node.url, node.process) for w, node in net.nodes.items()},
                real_counts,
            )
            node_pids = [n.process.pid for n in net.nodes.values() if n.process]
            sections.append(
                await fanout(
                    "fanout_real",
                    "3b. fan-out over real nodes (end to end; the nodes share the machine's "
                    f"{os.cpu_count()} CPUs)",
                    {"hub": via_hub, "hive": via_hive},
                    node_pids,
                    True,
                    args,
                    {},
                )
            )
            sections[-1].print()
    return sections


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.gateways", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="1 round, short phases, N ≤ 10")
    parser.add_argument("--large", action="store_true", help="N = 100 over replays, 30 real")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float, help="throughput phase, per round")
    parser.add_argument("--concurrency", type=int)
    parser.add_argument("--latency-seconds", type=float)
    parser.add_argument("--fanout-seconds", type=float)
    parser.add_argument("--warmup", type=float)
    parser.add_argument("--node-timeout", type=float, help="hub and hive, seconds")
    parser.add_argument("--profile", action="store_true", help="profile the passthrough hub")
    parser.add_argument("--profile-seconds", type=float)
    return parser.parse_args(argv)


def write(sections: list[Section], args: argparse.Namespace) -> Path:
    """Every section's figures and ratios, ``ratio`` names as the sections give them."""
    kind = "-quick" if args.quick else "-large" if args.large else ""
    out = ROOT / "bench" / "results" / f"gateways-{datetime.now(UTC):%Y-%m-%d}{kind}.json"
    out.parent.mkdir(exist_ok=True)
    results = {
        "command": " ".join(sys.orig_argv),
        "cpus": os.cpu_count(),
        "options": vars(settings(args)),
        "sections": {
            s.name: {
                "figures": s.figures,
                "ratios": s.ratios,
                "targets": {name: str(target) for name, target in s.targets.items()},
                "notes": s.notes,
            }
            for s in sections
        },
    }
    out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    return out


async def main(args: argparse.Namespace) -> None:
    out = write(await run(args), args)
    print(f"\nfigures: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
