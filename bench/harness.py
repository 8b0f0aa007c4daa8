"""The server side of the benchmark: start a contender in its own process, load it, read its CPU."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from bench.data import QUERY, Rows, check_response

ROOT = Path(__file__).resolve().parents[1]
BODY = orjson.dumps({"query": QUERY})
HEADERS = {"content-type": "application/json", "accept": "application/json"}
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    reference: bytes = b""
    body: bytes = BODY  # the request every load sends


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start(name: str, db_path: Path, rows: Rows) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", name, str(db_path), str(port)], cwd=ROOT
    )
    server = Server(name, process, f"http://127.0.0.1:{port}/graphql")
    try:
        response = await _first_answer(server)
        if response.status_code != 200:
            raise AssertionError(f"{name}: HTTP {response.status_code}: {response.text[:500]}")
        check_response(orjson.loads(response.content), rows, name)
    except BaseException:
        process.terminate()
        raise
    server.reference = response.content
    return server


async def _first_answer(server: Server) -> httpx.Response:
    """Post the query until the server answers (it starts, migrates, opens the database)."""
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name}: exited with {server.process.returncode}")
            try:
                return await client.post(server.url, content=BODY, headers=HEADERS)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server.name}: server did not start") from None
                await asyncio.sleep(0.1)


async def load(server: Server, concurrency: int, seconds: float) -> list[float]:
    """Latencies (s) of requests sent for ``seconds`` over ``concurrency`` connections."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while (begin := time.perf_counter()) < deadline:
                response = await client.post(server.url, content=server.body, headers=HEADERS)
                latencies.append(time.perf_counter() - begin)
                if response.status_code != 200 or response.content != server.reference:
                    raise AssertionError(
                        f"{server.name}: HTTP {response.status_code}, response differs from the "
                        f"checked one: {response.text[:300]}"
                    )

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies
