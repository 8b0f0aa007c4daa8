"""``python -m bench`` (``make bench``): every scenario in order, each printing its tables, then
one results file ``bench/results/<date>.json`` and its chart ``<date>.png``.

Scenarios (``--only NAME``): ``catalogue`` and ``lifecycle`` (scenario 1, the node beside the
naive strawberry + Tortoise schema; ``node`` runs both), ``hub`` (``bench/hub.py``: added latency
and fan-out over real nodes), ``gateways`` (scenarios 2–5 beside Hive and Apollo Gateway,
``bench/gateways.py``) and ``scale`` (scenario 6, ``bench/scale.py``). ``--quick``: a
short run of everything; ``--large``: more nodes for a bigger machine.

Catalogue: a page of 50 published services with their agency, four contenders.

- node:  the real node app (``node.app.create_app``) under uvicorn, one worker, anonymous caller;
- unguarded: the same node with its operation limits and anonymous rate limit off
  (``bench/serve.py``), to show what they cost;
- naive: the straightforward strawberry schema of ``bench/naive.py`` (N+1 agency queries,
  no caches, stdlib json) under uvicorn the same way, over the same SQLite file;
- floor: graphql-core alone over the same rows in memory (``bench/floor.py``), no HTTP, no DB.

Each server runs in its own process. Per round and contender: throughput with ``--concurrency``
connections (requests/s, and the server process's CPU ms per request from /proc), then latency
with one connection (p50, p99). Rounds interleave the contenders; the table shows medians.
Every response is checked: the first one in full, every later one byte for byte against it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import orjson

from bench import gateways, hub, lifecycle, scale
from bench.charts import write_png
from bench.data import check_response, prepare
from bench.floor import Floor
from bench.harness import ROOT, Server, cpu_seconds, load, percentile, start
from bench.report import Section, Target, write_json

RESULTS = ROOT / "bench" / "results"


@dataclass
class Measures:
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)  # ms
    p99: list[float] = field(default_factory=list)  # ms
    cpu: list[float] = field(default_factory=list)  # server CPU ms per request
    client_cpu: list[float] = field(default_factory=list)  # load generator CPU ms per request
    requests: int = 0


async def measure(server: Server, args: argparse.Namespace, into: Measures) -> None:
    pid = server.process.pid
    cpu0, client0, wall0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
    done = await load(server, args.concurrency, args.seconds)
    wall = time.perf_counter() - wall0
    into.rps.append(len(done) / wall)
    into.cpu.append((cpu_seconds(pid) - cpu0) * 1000 / len(done))
    into.client_cpu.append((time.process_time() - client0) * 1000 / len(done))
    latencies = await load(server, 1, args.latency_seconds)
    into.p50.append(percentile(latencies, 0.50) * 1000)
    into.p99.append(percentile(latencies, 0.99) * 1000)
    into.requests += len(done) + len(latencies)


def measure_floor(floor: Floor, reference: bytes, seconds: float, into: Measures) -> None:
    latencies, cpu = floor.run(seconds, reference)
    into.rps.append(len(latencies) / sum(latencies))
    into.cpu.append(cpu * 1000 / len(latencies))
    into.p50.append(percentile(latencies, 0.50) * 1000)
    into.p99.append(percentile(latencies, 0.99) * 1000)
    into.requests += len(latencies)


def report(results: dict[str, Measures]) -> Section:
    med = statistics.median
    out = Section(
        name="node.catalogue",
        title="a page of 50 published services with their agency",
        columns=["contender", "req/s", "p50 ms", "p99 ms", "CPU ms/req", "requests", "rounds"],
    )
    for name, m in results.items():
        rounds = " ".join(f"{r:.0f}" for r in m.rps)
        out.rows.append(
            [name, round(med(m.rps)), med(m.p50), med(m.p99), med(m.cpu), m.requests, rounds]
        )
        out.figures |= {
            f"node.catalogue.{name}.rps": med(m.rps),
            f"node.catalogue.{name}.p50_ms": med(m.p50),
            f"node.catalogue.{name}.p99_ms": med(m.p99),
            f"node.catalogue.{name}.cpu_ms_per_request": med(m.cpu),
        }
        out.chart[f"{name} p50"] = med(m.p50)
    node, naive, floor = results["node"], results["naive"], results["floor"]
    unguarded = results["unguarded"]
    out.ratios = {
        "node.catalogue.ratio_throughput_node_over_unguarded": med(node.rps) / med(unguarded.rps),
        "node.catalogue.ratio_throughput_node_over_naive": med(node.rps) / med(naive.rps),
        "node.catalogue.ratio_cpu_node_over_naive": med(node.cpu) / med(naive.cpu),
        "node.catalogue.ratio_p50_node_over_naive": med(node.p50) / med(naive.p50),
        "node.catalogue.ratio_throughput_node_over_floor": med(node.rps) / med(floor.rps),
        "node.catalogue.ratio_cpu_node_over_floor": med(node.cpu) / med(floor.cpu),
    }
    out.targets["node.catalogue.ratio_throughput_node_over_naive"] = Target(">=", 2)
    # The operation limits and rate limits cost at most 5 % of the throughput (issue: hardening).
    out.targets["node.catalogue.ratio_throughput_node_over_unguarded"] = Target(">=", 0.95)
    out.notes.append(
        f"load generator CPU ms/request (this process): node {med(node.client_cpu):.2f}, "
        f"naive {med(naive.client_cpu):.2f}"
    )
    return out


async def catalogue(args: argparse.Namespace) -> list[Section]:
    print("catalogue: a page of 50 published services with their agency")
    print(
        f"{args.rounds} rounds; each: {args.seconds:g} s at concurrency {args.concurrency} "
        f"(req/s, server CPU), {args.latency_seconds:g} s at concurrency 1 (p50, p99); medians"
    )
    with tempfile.TemporaryDirectory(prefix="smenet-bench-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        rows = await prepare(db_path)
        published = sum(1 for s in rows.services if s["status"] == "PUBLISHED")
        print(
            f"database: {len(rows.agencies)} agencies, {published} published services, "
            f"{len(rows.services) - published} drafts (SQLite, {db_path.name})"
        )
        floor = Floor(rows)
        floor_reference = floor.answer()
        check_response(orjson.loads(floor_reference), rows, "floor")
        servers: list[Server] = []
        results = {name: Measures() for name in ("node", "unguarded", "naive", "floor")}
        try:
            for name in ("node", "unguarded", "naive"):
                servers.append(await start(name, db_path, rows))
            for server in servers:  # warm-up, not measured
                await load(server, args.concurrency, args.warmup)
            floor.run(args.warmup, floor_reference)
            for round_no in range(args.rounds):
                order = servers if round_no % 2 == 0 else servers[::-1]
                for server in order:
                    await measure(server, args, results[server.name])
                measure_floor(floor, floor_reference, args.latency_seconds, results["floor"])
                print(
                    f"round {round_no + 1}: "
                    + ", ".join(f"{name} {m.rps[-1]:.0f} req/s" for name, m in results.items()),
                    flush=True,
                )
        finally:
            for server in servers:
                server.process.terminate()
                server.process.wait(timeout=10)
    section = report(results)
    section.print()
    return [section]


Scenario = Callable[[argparse.Namespace], Awaitable[list[Section]]]
# In order; each returns its sections.
SCENARIOS: dict[str, Scenario] = {
    "catalogue": catalogue,
    "lifecycle": lifecycle.main,
    "hub": hub.run,
    "gateways": gateways.run,
    "scale": scale.run,
}
ALIASES = {"node": ("catalogue", "lifecycle")}  # scenario 1
PACKAGES = ("strawberry-graphql", "graphql-core", "tortoise-orm", "uvicorn", "httpx", "aiohttp")
# Per run size: what every option left out is.
PROFILES: dict[str, dict[str, Any]] = {
    "quick": {
        "rounds": 1, "seconds": 1.5, "latency_seconds": 1.0, "warmup": 0.5,
        "records": 100_000, "runs": 3, "nodes": 10, "scale_runs": 3,
    },
    "default": {
        "rounds": 3, "seconds": 4.0, "latency_seconds": 2.0, "warmup": 1.5,
        "records": 1_000_000, "runs": 5, "nodes": 10, "scale_runs": 5,
    },
    "large": {
        "rounds": 3, "seconds": 4.0, "latency_seconds": 2.0, "warmup": 1.5,
        "records": 1_000_000, "runs": 5, "nodes": 30, "scale_runs": 5,
    },
}  # fmt: skip


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpu_model": next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        ),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "versions": {p: version(p) for p in PACKAGES},
    }


async def main(args: argparse.Namespace) -> None:
    asked = [n for only in args.only or SCENARIOS for n in ALIASES.get(only, (only,))]
    names = [n for n in SCENARIOS if n in asked]  # in their order
    info = machine()
    print(
        f"python -m bench ({args.size}): {', '.join(names)}\n{info['cpus']} CPUs "
        f"({info['cpu_model']}), python {info['python']}, SQLite {info['sqlite']}, "
        + ", ".join(f"{p} {v}" for p, v in info["versions"].items()),
        flush=True,
    )
    # Every server started here inherits this: the load comes from one address, which the
    # anonymous rate limit would refuse; set far above it, the limit is still taken per request.
    os.environ.setdefault("SMENET_ANONYMOUS_RATE_PER_MINUTE", "1e9")
    sections: list[Section] = []
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="smenet-bench-") as tmp:
        args.workdir = Path(tmp)  # databases shared by scenarios (lifecycle, scale)
        for name in names:
            print(f"\n=== {name} ===", flush=True)
            sections += await SCENARIOS[name](args)
    stem = f"{started:%Y-%m-%d}" + ("" if args.size == "default" else f"-{args.size}")
    stem += f"-{'-'.join(args.only)}" if args.only else ""
    out = RESULTS / f"{stem}.json"
    out.parent.mkdir(exist_ok=True)
    options = {k: v for k, v in vars(args).items() if k != "workdir"}
    meta = {
        "command": " ".join(sys.orig_argv),
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(UTC) - started).total_seconds()),
        "machine": info,
        "options": options,
    }
    print("\n=== summary ===")
    for section in sections:
        section.print()
    write_json(sections, meta, out)
    print(f"\nfigures: {out.relative_to(ROOT)}")
    try:
        title = f"python {' '.join(sys.orig_argv[1:])} — {started:%Y-%m-%d}"
        write_png(sections, title, out.with_suffix(".png"))
        print(f"chart: {out.with_suffix('.png').relative_to(ROOT)}")
    except ModuleNotFoundError as error:
        print(f"no chart: {error} (pip install -e '.[bench]', as make bench does)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=(*SCENARIOS, *ALIASES), help="run these scenarios"
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a short run of everything")
    size.add_argument("--large", action="store_true", help="a bigger machine: more nodes")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--seconds", type=float, help="throughput phase, per round")
    parser.add_argument("--latency-seconds", type=float, help="latency phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, help="seconds, per contender")
    parser.add_argument("--records", type=int, help="lifecycle and scale: service records")
    parser.add_argument("--runs", type=int, help="lifecycle: timed runs of stats (the page: 20×)")
    parser.add_argument("--nodes", type=int, help="scale: window nodes")
    parser.add_argument("--scale-runs", type=int, help="scale: timed runs of network.stats")
    args = parser.parse_args()
    args.size = "quick" if args.quick else "large" if args.large else "default"
    for key, value in PROFILES[args.size].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
