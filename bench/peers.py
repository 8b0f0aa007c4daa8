"""The peers the hub is measured against, installed from npm and run as child processes on
loopback: Apollo Gateway (IntrospectAndCompose over the subgraphs) and Hive Gateway (a supergraph
composed by ``mesh-compose`` from the subgraphs, served by its JS runtime in one process).

The packages are pinned in ``bench/peers/package-lock.json``; ``install()`` runs ``npm ci`` there
when ``node_modules`` is missing. Each peer's ``pid`` is the gateway process itself (node), for
/proc CPU and peak RSS.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from graphql import DocumentNode, ObjectTypeDefinitionNode, TypeDefinitionNode, parse, print_ast

PEERS = Path(__file__).resolve().parent / "peers"
READY_SECONDS = 120.0
COMPOSABLE = "specs.apollo.dev/federation/v2.9"
FEDERATION_TYPES = frozenset({"_Any", "_Entity", "_Service"})
FEDERATION_FIELDS = frozenset({"_entities", "_service"})


def install() -> None:
    """``npm ci`` in bench/peers when its node_modules is missing, quietly."""
    if (PEERS / "node_modules" / ".package-lock.json").exists():
        return
    command = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
    done = subprocess.run(command, cwd=PEERS, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"npm ci in {PEERS} failed:\n{done.stdout}{done.stderr}")


def field_suffix(window_id: str) -> str:
    """A window id as part of a GraphQL name: ``bench-03`` → ``bench_03``."""
    return re.sub(r"[^0-9A-Za-z_]", "_", window_id)


@dataclass
class Peer:
    name: str
    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def _start(name: str, command: list[str], port: int) -> Peer:
    """Start ``command`` in bench/peers and wait until it answers a GraphQL request."""
    process = subprocess.Popen(
        command, cwd=PEERS, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peer = Peer(name, process, f"http://127.0.0.1:{port}/graphql")
    deadline = time.monotonic() + READY_SECONDS
    body = orjson.dumps({"query": "{ __typename }"})
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"{name} exited with {process.returncode}: {error[-2000:]}")
            try:
                answer = await client.post(
                    peer.url, content=body, headers={"content-type": "application/json"}
                )
                if answer.status_code == 200:
                    return peer
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                peer.stop()
                raise RuntimeError(f"{name} did not answer within {READY_SECONDS:g} s")
            await asyncio.sleep(0.2)


async def start_apollo(subgraphs: dict[str, str], port: int) -> Peer:
    """Apollo Gateway composing ``subgraphs`` (name → GraphQL URL) by introspection."""
    pairs = [f"{field_suffix(name)}={url}" for name, url in subgraphs.items()]
    return await _start("apollo", ["node", "apollo.mjs", str(port), *pairs], port)


def subgraph_sdl(url: str) -> str:
    """The subgraph's ``_service { sdl }`` as mesh-compose takes it: its federation ``@link`` at
    most ``COMPOSABLE`` (the composition it uses, @theguild/federation-composition 0.26, refuses
    newer versions; the node uses none of their directives), and without the federation's own
    fields and types, which strawberry prints there and that composition does not expect."""
    answer = httpx.post(url, json={"query": "{ _service { sdl } }"}, timeout=30)
    answer.raise_for_status()
    sdl: str = answer.json()["data"]["_service"]["sdl"]
    document = parse(re.sub(r"specs\.apollo\.dev/federation/v2\.\d+", COMPOSABLE, sdl))
    kept = []
    for definition in document.definitions:
        name = definition.name.value if isinstance(definition, TypeDefinitionNode) else ""
        if name in FEDERATION_TYPES:
            continue
        if isinstance(definition, ObjectTypeDefinitionNode) and name == "Query":
            fields = tuple(f for f in definition.fields if f.name.value not in FEDERATION_FIELDS)
            definition = ObjectTypeDefinitionNode(
                **{**{k: getattr(definition, k) for k in definition.keys}, "fields": fields}
            )
        kept.append(definition)
    return print_ast(DocumentNode(definitions=tuple(kept)))


def compose(subgraphs: dict[str, str], out: Path, prefix: bool) -> Path:
    """A supergraph of ``subgraphs`` by ``mesh-compose``; with ``prefix`` each subgraph's types
    and root fields carry its window as a prefix (``bench_03_services``)."""
    listed = []
    for name, url in subgraphs.items():
        sdl_file = out.with_name(f"{out.stem}-{field_suffix(name)}.graphql")
        sdl_file.write_text(subgraph_sdl(url))
        listed.append([field_suffix(name), url, str(sdl_file)])
    env = {
        **os.environ,
        "SMENET_SUBGRAPHS": orjson.dumps(listed).decode(),
        "SMENET_PREFIX": "1" if prefix else "0",
    }
    command = ["node_modules/.bin/mesh-compose", "-c", "mesh.config.mjs", "-o", str(out)]
    done = subprocess.run(command, cwd=PEERS, env=env, capture_output=True, text=True)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"mesh-compose failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return out


async def start_hive(
    supergraph: Path, port: int, upstream_timeout: float, dedupe: bool = True
) -> Peer:
    """Hive Gateway serving ``supergraph``; ``upstream_timeout`` (s) bounds each subgraph call;
    ``dedupe``: its default, one upstream request for identical in-flight queries."""
    command = ["node", "hive.mjs", str(port), str(supergraph), str(round(upstream_timeout * 1000))]
    name = "hive" if dedupe else "hive-no-dedupe"
    return await _start(name, command if dedupe else [*command, "no-dedupe"], port)
