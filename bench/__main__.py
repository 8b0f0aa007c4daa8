"""``python -m bench``: the catalogue benchmark, then the lifecycle one (``bench/lifecycle.py``);
``--only hub`` runs the hub's (``bench/hub.py``, with its defaults: ``python -m bench.hub`` for
its options).

Catalogue: a page of 50 published services with their agency, three contenders.

- node:  the real node app (``node.app.create_app``) under uvicorn, one worker, anonymous caller;
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
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

import orjson

from bench import hub, lifecycle
from bench.data import check_response, prepare
from bench.floor import Floor
from bench.harness import Server, cpu_seconds, load, percentile, start


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


def report(results: dict[str, Measures], args: argparse.Namespace) -> None:
    med = statistics.median
    print()
    print(
        f"{'contender':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU ms/req':>12}"
        f"{'requests':>10}   req/s of each round"
    )
    for name, m in results.items():
        rounds = " ".join(f"{r:.0f}" for r in m.rps)
        print(
            f"{name:<10}{med(m.rps):>10.0f}{med(m.p50):>10.2f}{med(m.p99):>10.2f}"
            f"{med(m.cpu):>12.2f}{m.requests:>10}   {rounds}"
        )
    node, naive, floor = results["node"], results["naive"], results["floor"]
    speedup = med(node.rps) / med(naive.rps)
    print()
    print(
        f"node / naive: throughput ×{speedup:.2f} (target ≥ 2), "
        f"CPU per request ×{med(node.cpu) / med(naive.cpu):.2f}, "
        f"p50 ×{med(node.p50) / med(naive.p50):.2f}"
    )
    print(
        f"node / floor: throughput ×{med(node.rps) / med(floor.rps):.3f}, "
        f"CPU per request ×{med(node.cpu) / med(floor.cpu):.1f}"
    )
    print(
        f"load generator CPU ms/request (this process): node {med(node.client_cpu):.2f}, "
        f"naive {med(naive.client_cpu):.2f}"
    )
    print(f"target met: {'yes' if speedup >= 2 else 'NO'}")


async def catalogue(args: argparse.Namespace) -> None:
    print("python -m bench: a page of 50 published services with their agency")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
        + ", ".join(
            f"{p} {version(p)}"
            for p in ("strawberry-graphql", "graphql-core", "tortoise-orm", "uvicorn", "httpx")
        )
    )
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
        results = {name: Measures() for name in ("node", "naive", "floor")}
        try:
            for name in ("node", "naive"):
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
    report(results, args)


async def main(args: argparse.Namespace) -> None:
    if args.only in (None, "catalogue"):
        await catalogue(args)
    if args.only is None:
        print()
    if args.only in (None, "lifecycle"):
        await lifecycle.main(args)
    if args.only == "hub":
        await hub.main(hub.parse_args([]))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", choices=("catalogue", "lifecycle", "hub"), help="run one benchmark"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="throughput phase, per round")
    parser.add_argument("--latency-seconds", type=float, default=2.0, help="latency phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds, per contender")
    parser.add_argument(
        "--records", type=int, default=1_000_000, help="lifecycle: service records to build"
    )
    parser.add_argument(
        "--runs", type=int, default=5, help="lifecycle: timed runs of stats (the page: 20×)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
