"""``python -m bench.gather``: the hub's scatter-gather client CPU per fan-out, beside peers.

N upstream "nodes" (``--nodes``, default 30) run in one separate process, each answering a fixed
page of 50 services (~12 KB) of its own window. The client process sends one page query to all
of them at once and waits for every answer, ``--rounds`` × ``--fanouts`` times; the table shows
the client's CPU ms (``time.process_time``) and wall ms per fan-out, medians over rounds that
interleave the contenders:

- **gather**: ``federation.gather.gather_connection`` — aiohttp, orjson, NodePage checks and the
  merge into one 50-item page with its end cursor: what the hub's ``network.services`` costs;
- **aiohttp**: the same requests with a bare aiohttp session, answers parsed with orjson;
- **httpx**: the same with ``httpx.AsyncClient`` (pooled), answers parsed with orjson;
- **merge**: ``NodePage.parse`` of every answer and ``merge_pages``, on answers already in memory.

The merged page is checked against the 50 newest of all upstream items before measuring.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import orjson

QUERY = """query($first: Int!, $after: String) { services(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id name category fee agency { id name } } } } }"""
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def window(i: int) -> str:
    return f"win-{i:02d}"


def page(i: int, n: int) -> bytes:
    from federation.ids import make_id, new_uuid

    # Interleaved creation times, so the merge really interleaves windows.
    keys = sorted((new_uuid(at=T0 + timedelta(seconds=s * n + i)) for s in range(50)), reverse=True)
    edges = [
        {
            "cursor": str(k),
            "node": {
                "id": make_id(window(i), k),
                "name": "产品可靠性检测与环境试验服务",
                "category": "QUALITY_TESTING",
                "fee": "按项目收费",
                "agency": {"id": make_id(window(i), k), "name": "深圳市计量质量检测研究院"},
            },
        }
        for k in keys
    ]
    connection = {
        "totalCount": 500,
        "pageInfo": {"hasNextPage": True, "endCursor": edges[-1]["cursor"]},
    }
    return orjson.dumps({"data": {"services": {**connection, "edges": edges}}})


def serve(ports: list[int]) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def main() -> None:
        servers = []
        for i, port in enumerate(ports):
            body = page(i, len(ports))

            async def answer(request: Request, body: bytes = body) -> Response:
                await request.body()
                return Response(body, media_type="application/json")

            app = Starlette(routes=[Route("/graphql", answer, methods=["POST"])])
            config = uvicorn.Config(
                app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
            )
            servers.append(uvicorn.Server(config))
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(main())


async def run(args: argparse.Namespace) -> None:
    import aiohttp

    from bench.harness import free_port
    from federation.gather import Call, Gatherer, Target, gather_connection
    from federation.merge import NodePage, merge_pages, order_key

    ports = [free_port() for _ in range(args.nodes)]
    upstreams = subprocess.Popen(
        [sys.executable, "-m", "bench.gather", "--serve", *map(str, ports)]
    )
    urls = [f"http://127.0.0.1:{p}/graphql" for p in ports]
    body = orjson.dumps({"query": QUERY, "variables": {"first": 50, "after": None}})
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    token = "x" * 300  # about an EdDSA JWT's size
    calls = [Call(Target(window(i), u, lambda: token), QUERY) for i, u in enumerate(urls)]
    try:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=None), timeout=10) as hx:
            for url in urls:
                for _ in range(200):
                    try:
                        await hx.post(url, content=body, headers=headers)
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
            answers = [
                orjson.loads((await hx.post(u, content=body, headers=headers)).content)
                for u in urls
            ]
            async with Gatherer(timeout=10) as gatherer, aiohttp.ClientSession() as ah:

                async def gather() -> None:
                    got = await gather_connection(
                        gatherer,
                        calls,
                        first=50,
                        after=None,
                        node_path=("services",),
                        error_path=("network", "services"),
                    )
                    assert not got.errors and len(got.page.edges) == 50 and got.page.end_cursor

                async def bare_aiohttp() -> None:
                    async def one(url: str) -> None:
                        async with ah.post(
                            url, data=body, headers={**headers, "Authorization": token}
                        ) as r:
                            orjson.loads(await r.read())

                    await asyncio.gather(*(one(u) for u in urls))

                async def bare_httpx() -> None:
                    async def one(url: str) -> None:
                        r = await hx.post(
                            url, content=body, headers={**headers, "Authorization": token}
                        )
                        orjson.loads(r.content)

                    await asyncio.gather(*(one(u) for u in urls))

                async def merge() -> None:
                    pages = [
                        NodePage.parse(window(i), a["data"]["services"])
                        for i, a in enumerate(answers)
                    ]
                    merged = merge_pages(pages, 50, None)
                    assert merged.end_cursor

                # Check the merged page once: the 50 newest of everything, in order.
                everything = sorted(
                    (e["node"]["id"] for a in answers for e in a["data"]["services"]["edges"]),
                    key=order_key,
                    reverse=True,
                )
                got = await gather_connection(
                    gatherer,
                    calls,
                    first=50,
                    after=None,
                    node_path=("services",),
                    error_path=("network", "services"),
                )
                assert [e.node["id"] for e in got.page.edges] == everything[:50], "wrong merge"

                contenders = {
                    "gather": gather,
                    "aiohttp": bare_aiohttp,
                    "httpx": bare_httpx,
                    "merge": merge,
                }
                cpu: dict[str, list[float]] = {name: [] for name in contenders}
                wall: dict[str, list[float]] = {name: [] for name in contenders}
                for fn in contenders.values():  # warm-up
                    for _ in range(5):
                        await fn()
                for _ in range(args.rounds):
                    for name, fn in contenders.items():
                        c0, w0 = time.process_time(), time.perf_counter()
                        for _ in range(args.fanouts):
                            await fn()
                        cpu[name].append((time.process_time() - c0) * 1000 / args.fanouts)
                        wall[name].append((time.perf_counter() - w0) * 1000 / args.fanouts)
    finally:
        upstreams.terminate()
        upstreams.wait()
    print(
        f"fan-out to {args.nodes} upstreams, 50-item pages, {args.rounds} rounds × {args.fanouts}"
    )
    print(f"{'contender':<10} {'client CPU ms':>14} {'wall ms':>9}   CPU ms per round")
    for name in cpu:
        rounds = " ".join(f"{v:.1f}" for v in cpu[name])
        median_cpu, median_wall = statistics.median(cpu[name]), statistics.median(wall[name])
        print(f"{name:<10} {median_cpu:>14.2f} {median_wall:>9.2f}   {rounds}")
    ratio = statistics.median(cpu["httpx"]) / statistics.median(cpu["aiohttp"])
    print(f"httpx / aiohttp client CPU: ×{ratio:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fanouts", type=int, default=100)
    parser.add_argument("--serve", nargs="+", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
