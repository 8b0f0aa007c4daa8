"""Scatter-gather over real window nodes on loopback: merged pages, failures per window, breakers.

Three SQLite nodes (and a fourth to kill) serve real data; a tiny Starlette app plays the nodes
that hang, break or answer wrongly."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from federation.errors import InvalidCursor, InvalidId, LimitExceeded, WindowUnavailable
from federation.gather import (
    BreakerState,
    Call,
    Gatherer,
    Target,
    gather_connection,
    node_errors,
    served_enterprise_codes,
    window_of,
)
from federation.ids import make_id, new_uuid
from federation.merge import decode_cursor, merge_stats, order_key
from tests.support.asgi import serve_in_thread
from tests.support.factories import (
    create_enterprise,
    create_service,
    create_service_record,
    create_user,
    make_uscc,
)
from tests.support.node_server import NodeServer, free_port

WINDOWS = ["sz-ns", "sz-ft", "gz-th"]
DOOMED = "dg-sl"  # the node the kill test stops
SERVICES = """query($first: Int!, $after: String) {
  services(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name } } } }"""
AT = ("services",)
NETWORK = ("network", "services")


class Stub:
    """Nodes that misbehave, one per path; ``/flaky`` fails until told otherwise."""

    def __init__(self) -> None:
        self.port = free_port()
        self.hits: Counter[str] = Counter()
        self.flaky_ok = False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def app(self) -> Starlette:
        empty = {
            "data": {"services": {"totalCount": 0, "pageInfo": {"hasNextPage": False}, "edges": []}}
        }

        async def answer(request: Request) -> Response:
            path = request.url.path.strip("/")
            self.hits[path] += 1
            await request.body()
            if path == "slow":
                await asyncio.sleep(30)
                return JSONResponse(empty)
            if path == "broken":
                return PlainTextResponse("Internal Server Error", status_code=500)
            if path == "html":
                return Response("<html>maintenance</html>", media_type="text/html")
            if path == "nodata":
                error = {
                    "message": "no such field",
                    "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
                }
                return JSONResponse({"data": None, "errors": [error]})
            if path == "foreign":  # IDs of another window: routing by ID would break
                edge = {"cursor": "x", "node": {"id": make_id("sz-ns", new_uuid()), "name": "?"}}
                conn = {"totalCount": 1, "pageInfo": {"hasNextPage": False}, "edges": [edge]}
                return JSONResponse({"data": {"services": conn}})
            if path == "flaky" and not self.flaky_ok:
                return PlainTextResponse("Bad Gateway", status_code=502)
            return JSONResponse(empty)

        return Starlette(routes=[Route("/{path}", answer, methods=["POST"])])


@pytest.fixture(scope="module")
def stub() -> Iterator[Stub]:
    stub = Stub()
    with serve_in_thread(stub.app(), stub.port):
        yield stub


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, NodeServer]]:
    servers = {
        w: NodeServer(data_dir=tmp_path_factory.mktemp(w), window_id=w) for w in [*WINDOWS, DOOMED]
    }

    def boot(server: NodeServer) -> None:
        server.init()
        server.start()

    # In parallel: each start is mostly waiting for a subprocess.
    with ThreadPoolExecutor(len(servers)) as pool:
        list(pool.map(boot, servers.values()))
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
async def tokens(nodes: dict[str, NodeServer]) -> dict[str, str]:
    return {w: await node.login() for w, node in nodes.items()}


@pytest.fixture(scope="module")
async def seeded(nodes: dict[str, NodeServer], tokens: dict[str, str]) -> dict[str, list[str]]:
    """Services on every window; gz-th's are the oldest, so nothing is taken from it at first."""
    made: dict[str, list[str]] = {w: [] for w in nodes}

    async def add(window: str) -> None:
        made[window].append(
            await create_service(nodes[window], tokens[window], name=f"检测 {window}")
        )

    for _ in range(4):
        await add("gz-th")
    for i in range(12):
        await add(WINDOWS[i % 2])
    for _ in range(2):
        await add(DOOMED)
    return made


def target(nodes: dict[str, NodeServer], tokens: dict[str, str], window: str) -> Target:
    return Target(window, nodes[window].url, lambda: tokens[window])


def calls(nodes, tokens, windows=WINDOWS, query: str = SERVICES) -> list[Call]:
    return [Call(target(nodes, tokens, w), query) for w in windows]


async def own_list(node: NodeServer, token: str) -> list[str]:
    data = await node.ok(SERVICES, {"first": 100, "after": None}, token)
    assert not data["services"]["pageInfo"]["hasNextPage"]
    return [e["node"]["id"] for e in data["services"]["edges"]]


async def test_a_network_list_is_the_union_of_the_nodes_own_lists_in_the_node_order(
    nodes, tokens, seeded
) -> None:
    own = {w: await own_list(nodes[w], tokens[w]) for w in WINDOWS}
    issued: Counter[str] = Counter()

    def counting(window: str) -> Target:
        def token() -> str:
            issued[window] += 1
            return tokens[window]

        return Target(window, nodes[window].url, token)

    async with Gatherer(timeout=10) as gatherer:
        got = await gather_connection(
            gatherer,
            [Call(counting(w), SERVICES) for w in WINDOWS],
            first=100,
            after=None,
            node_path=AT,
            error_path=NETWORK,
        )
    assert got.errors == []
    ids = [e.node["id"] for e in got.page.edges]
    assert ids == sorted((i for w in WINDOWS for i in own[w]), key=order_key, reverse=True)
    for w in WINDOWS:  # each window's items keep the node's own order
        assert [e.node["id"] for e in got.page.edges if e.window_id == w] == own[w]
        assert all(i.startswith(w + ":") for i in own[w])
    assert got.page.total_count == sum(len(own[w]) for w in WINDOWS)
    assert not got.page.has_next_page
    assert issued == {w: 1 for w in WINDOWS}  # a fresh token for every request
    # The end cursor holds each window's own cursor of its last item.
    last = {w: [e.node_cursor for e in got.page.edges if e.window_id == w][-1] for w in WINDOWS}
    assert decode_cursor(got.page.end_cursor) == last


async def test_walking_every_page_with_inserts_between_pages_misses_nothing_and_repeats_nothing(
    nodes, tokens, seeded
) -> None:
    before = {w: await own_list(nodes[w], tokens[w]) for w in WINDOWS}
    first = 3  # fewer than any window has
    assert first < min(len(v) for v in before.values())
    pages: list[list[str]] = []
    after = None
    async with Gatherer(timeout=10) as gatherer:
        for _ in range(50):
            got = await gather_connection(
                gatherer,
                calls(nodes, tokens),
                first=first,
                after=after,
                node_path=AT,
                error_path=NETWORK,
            )
            assert got.errors == []
            pages.append([e.node["id"] for e in got.page.edges])
            assert len(pages[-1]) == first or not got.page.has_next_page
            for w in WINDOWS:  # every window gets a new service before the next page
                await create_service(nodes[w], tokens[w], name=f"新服务 {w}")
            if not got.page.has_next_page:
                break
            after = got.page.end_cursor
        else:
            raise AssertionError("the walk did not end")
    seen = [i for page in pages for i in page]
    assert len(seen) == len(set(seen)), "an item twice"
    originals = {i for w in WINDOWS for i in before[w]}
    assert originals <= set(seen), "an item missed"
    for page in pages:
        assert page == sorted(page, key=order_key, reverse=True)
    # Inserts on windows with a cursor never show. gz-th had none after page 1 (its items are the
    # oldest), so page 2 asked it from its first item: its insert, newer than all, shows once —
    # new to the reader, and gz-th's cursor then sits on it, so its later inserts do not show.
    newcomers = [i for i in seen if i not in originals]
    assert len(newcomers) == 1 and newcomers[0].startswith("gz-th:")
    assert pages[1][0] == newcomers[0]
    for w in WINDOWS:
        mine = [i for i in seen if i.startswith(w + ":")]
        assert mine == sorted(mine, key=order_key, reverse=True)


async def test_a_killed_node_costs_its_own_results_only(nodes, tokens, seeded) -> None:
    everyone = [*WINDOWS, DOOMED]
    async with Gatherer(timeout=5) as gatherer:
        alive = await gather_connection(
            gatherer,
            calls(nodes, tokens, everyone),
            first=100,
            after=None,
            node_path=AT,
            error_path=NETWORK,
        )
        assert alive.errors == [] and {e.window_id for e in alive.page.edges} == set(everyone)
        nodes[DOOMED].stop()  # its pooled connection is now dead too
        got = await gather_connection(
            gatherer,
            calls(nodes, tokens, everyone),
            first=100,
            after=None,
            node_path=AT,
            error_path=NETWORK,
        )
    assert [
        (e["extensions"]["code"], e["extensions"]["windowId"], e["path"]) for e in got.errors
    ] == [("WINDOW_UNAVAILABLE", DOOMED, list(NETWORK))]
    assert DOOMED in got.errors[0]["message"]
    assert [e.node["id"] for e in got.page.edges] == [
        e.node["id"] for e in alive.page.edges if e.window_id != DOOMED
    ]


async def test_a_hanging_node_times_out_and_the_others_answer_long_before(
    nodes, tokens, seeded, stub
) -> None:
    hanging = Call(Target("sz-hang", stub.url("slow")), SERVICES)
    hits = stub.hits["slow"]
    async with Gatherer(timeout=1) as gatherer:
        started = time.monotonic()
        got = await gather_connection(
            gatherer,
            [*calls(nodes, tokens), hanging],
            first=100,
            after=None,
            node_path=AT,
            error_path=NETWORK,
        )
        waited = time.monotonic() - started
    assert waited < 10  # the node sleeps 30 s
    assert [(e["extensions"]["code"], e["extensions"]["windowId"]) for e in got.errors] == [
        ("WINDOW_TIMEOUT", "sz-hang")
    ]
    assert {e.window_id for e in got.page.edges} == set(WINDOWS)
    assert stub.hits["slow"] == hits + 1


@pytest.mark.parametrize(
    ("path", "status", "what"),
    [
        ("broken", 500, "HTTP 500"),
        ("html", 200, "did not answer GraphQL JSON"),
        ("nodata", 200, "without data: no such field"),
        ("foreign", 200, "cannot be merged"),
    ],
)
async def test_a_node_that_answers_wrongly_is_a_window_error(
    nodes, tokens, seeded, stub, path: str, status: int, what: str
) -> None:
    wrong = Call(Target("sz-odd", stub.url(path)), SERVICES)
    async with Gatherer(timeout=5) as gatherer:
        got = await gather_connection(
            gatherer,
            [*calls(nodes, tokens), wrong],
            first=5,
            after=None,
            node_path=AT,
            error_path=NETWORK,
        )
    (error,) = got.errors
    assert (
        error["extensions"]["code"] == "WINDOW_ERROR"
        and error["extensions"]["windowId"] == "sz-odd"
    )
    assert what in error["message"] and error["path"] == list(NETWORK)
    if path == "nodata":  # the node's own errors are kept, not masked
        assert (
            error["extensions"]["nodeErrors"][0]["extensions"]["code"]
            == "GRAPHQL_VALIDATION_FAILED"
        )
    assert {e.window_id for e in got.page.edges} <= set(WINDOWS) and len(got.page.edges) == 5


async def test_errors_a_node_returns_beside_its_data_pass_through_with_the_window(
    nodes, tokens, seeded
) -> None:
    readers = {}
    for w in WINDOWS:
        for _ in range(2):
            await create_enterprise(
                nodes[w], tokens[w], contact={"name": "张三", "phone": "13800000000"}
            )
        readers[w] = await create_user(nodes[w], tokens[w], f"reader-{w}", "READONLY")
    query = """query($first: Int!, $after: String) { enterprises(first: $first, after: $after) {
      pageInfo { hasNextPage } edges { cursor node { id name contact { name } } } } }"""
    enterprise_calls = [
        Call(Target(w, nodes[w].url, lambda w=w: readers[w]), query) for w in WINDOWS
    ]
    async with Gatherer(timeout=10) as gatherer:
        got = await gather_connection(
            gatherer,
            enterprise_calls,
            first=4,
            after=None,
            node_path=("enterprises",),
            error_path=("network", "enterprises"),
        )
    edges = got.page.edges
    assert len(edges) == 4 and all(e.node["contact"] is None for e in edges)
    # One FORBIDDEN per edge shown, at its place in the merged page, naming its window; the
    # errors of the edges a node sent but the page does not show are not about this answer.
    assert sorted(e["path"][3] for e in got.errors) == [0, 1, 2, 3]
    for error in got.errors:
        _, _, _, index, *rest = error["path"]
        assert error["path"][:3] == ["network", "enterprises", "edges"] and rest == [
            "node",
            "contact",
        ]
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["extensions"]["windowId"] == edges[index].window_id
        assert "locations" not in error


async def test_the_circuit_opens_after_repeated_failures_and_half_opens_after_the_cool_down(
    stub,
) -> None:
    now = [1000.0]
    flaky = Call(Target("sz-flaky", stub.url("flaky")), SERVICES, {"first": 1, "after": None})
    stub.flaky_ok = False
    async with Gatherer(timeout=5, failures_to_open=3, cool_down=30, clock=lambda: now[0]) as g:
        breaker = g.breaker("sz-flaky")
        for _ in range(3):
            assert (await g.call(flaky)).failure.code == "WINDOW_ERROR"
        assert breaker.state is BreakerState.OPEN and stub.hits["flaky"] == 3
        # Open: reported unavailable at once, nothing sent.
        result = await g.call(flaky)
        assert result.failure.code == "WINDOW_UNAVAILABLE"
        assert result.failure.extensions == {"windowId": "sz-flaky", "reason": "CIRCUIT_OPEN"}
        assert stub.hits["flaky"] == 3
        now[0] += 29
        assert (await g.call(flaky)).failure.code == "WINDOW_UNAVAILABLE" and stub.hits[
            "flaky"
        ] == 3
        # After the cool-down one probe goes out; it fails, so the circuit opens again.
        now[0] += 2
        assert breaker.state is BreakerState.HALF_OPEN
        assert (await g.call(flaky)).failure.code == "WINDOW_ERROR" and stub.hits["flaky"] == 4
        assert breaker.state is BreakerState.OPEN
        assert (await g.call(flaky)).failure.code == "WINDOW_UNAVAILABLE" and stub.hits[
            "flaky"
        ] == 4
        # Next probe succeeds: closed, calls go through again.
        now[0] += 31
        stub.flaky_ok = True
        assert (await g.call(flaky)).ok and breaker.state is BreakerState.CLOSED
        assert (await g.call(flaky)).ok and stub.hits["flaky"] == 6
        assert breaker.failures == 0


async def test_a_slow_window_also_counts_towards_its_circuit(stub) -> None:
    now = [0.0]
    slow = Call(Target("sz-slow", stub.url("slow")), SERVICES, {"first": 1, "after": None})
    async with Gatherer(timeout=0.2, failures_to_open=2, clock=lambda: now[0]) as g:
        codes = [(await g.call(slow)).failure.code for _ in range(3)]
    assert codes == ["WINDOW_TIMEOUT", "WINDOW_TIMEOUT", "WINDOW_UNAVAILABLE"]


async def test_only_one_probe_goes_out_while_half_open(stub) -> None:
    now = [0.0]
    slowish = Call(Target("sz-probe", stub.url("slow")), SERVICES, {"first": 1, "after": None})
    async with Gatherer(timeout=0.5, failures_to_open=1, cool_down=10, clock=lambda: now[0]) as g:
        await g.call(slowish)
        now[0] += 11
        hits = stub.hits["slow"]
        results = await asyncio.gather(*(g.call(slowish) for _ in range(5)))
    assert (
        sorted(r.failure.code for r in results) == ["WINDOW_TIMEOUT"] + ["WINDOW_UNAVAILABLE"] * 4
    )
    assert stub.hits["slow"] == hits + 1


async def test_lookups_are_routed_by_the_window_part_of_the_id(nodes, tokens, seeded) -> None:
    service_id = seeded["sz-ft"][0]
    assert window_of(service_id) == "sz-ft"
    with pytest.raises(InvalidId):
        window_of("not-an-id")
    query = "query($id: ID!) { service(id: $id) { id name } }"
    async with Gatherer(timeout=5) as gatherer:
        result = await gatherer.call(
            Call(target(nodes, tokens, window_of(service_id)), query, {"id": service_id})
        )
    assert result.ok and result.data == {"service": {"id": service_id, "name": "检测 sz-ft"}}
    # A node's error on a lookup keeps its path under the hub's field.
    errors = [
        {"message": "x", "path": ["service", "agency"], "locations": [{"line": 1, "column": 2}]}
    ]
    assert node_errors("sz-ft", errors, ["network", "service"], ["service"]) == [
        {
            "message": "x",
            "path": ["network", "service", "agency"],
            "extensions": {"windowId": "sz-ft"},
        }
    ]


async def test_stats_of_the_network_are_the_windows_summed(nodes, tokens, seeded) -> None:
    query = """{ stats { servicesDelivered feedbackCount satisfiedFeedback satisfactionRate
      activities demandsReceived medianResponseHours } }"""
    async with Gatherer(timeout=10) as gatherer:
        results = await gatherer.gather(calls(nodes, tokens, query=query))
    assert all(r.ok for r in results)
    merged = merge_stats({r.window_id: r.data["stats"] for r in results})
    assert set(merged.windows) == set(WINDOWS)
    for field in ("servicesDelivered", "feedbackCount", "activities", "demandsReceived"):
        assert merged.totals[field] == sum(r.data["stats"][field] for r in results)
    assert merged.totals["satisfactionRate"] is None  # no ratings yet on any window


async def test_distinct_enterprises_across_windows_are_counted_by_credit_code(
    nodes, tokens, seeded
) -> None:
    shared = make_uscc()  # one enterprise served by two windows
    for w in ("sz-ns", "sz-ft"):
        for uscc in (shared, make_uscc()):
            enterprise = await create_enterprise(nodes[w], tokens[w], uscc=uscc)
            await create_service_record(nodes[w], tokens[w], enterprise, seeded[w][0])
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    stats_query = (
        "query($d: Date) { stats(from: $d, to: $d) { enterprisesServed servicesDelivered } }"
    )
    async with Gatherer(timeout=10) as gatherer:
        results = await gatherer.gather(
            [Call(target(nodes, tokens, w), stats_query, {"d": today.isoformat()}) for w in WINDOWS]
        )
        codes = {
            w: await served_enterprise_codes(gatherer, target(nodes, tokens, w), today, today)
            for w in WINDOWS
        }
        # A window too big to walk within the bound is left uncounted, not guessed.
        assert (
            await served_enterprise_codes(
                gatherer, target(nodes, tokens, "sz-ns"), today, today, max_pages=0
            )
            is None
        )
        with pytest.raises(WindowUnavailable):
            await served_enterprise_codes(
                gatherer, Target("sz-gone", f"http://127.0.0.1:{free_port()}/graphql"), today, today
            )
    rows = {r.window_id: r.data["stats"] for r in results}
    for w in WINDOWS:  # the same enterprises the node counts
        assert len(codes[w]) == rows[w]["enterprisesServed"]
    assert shared in codes["sz-ns"] and shared in codes["sz-ft"] and codes["gz-th"] == set()
    merged = merge_stats(rows, codes)
    assert merged.totals["enterprisesServed"] == 3  # 2 + 2, the shared one once
    assert merged.totals["servicesDelivered"] == 4


async def test_bad_page_arguments_are_refused_before_any_call(nodes, tokens, stub) -> None:
    async with Gatherer(timeout=5) as gatherer:
        with pytest.raises(LimitExceeded):
            await gather_connection(
                gatherer,
                calls(nodes, tokens),
                first=101,
                after=None,
                node_path=AT,
                error_path=NETWORK,
            )
        with pytest.raises(InvalidCursor):
            await gather_connection(
                gatherer,
                calls(nodes, tokens),
                first=5,
                after="garbage",
                node_path=AT,
                error_path=NETWORK,
            )
        with pytest.raises(ValueError, match="one call per window"):
            await gatherer.gather(calls(nodes, tokens, ["sz-ns", "sz-ns"]))


async def test_a_window_whose_call_cannot_even_be_made_fails_alone(nodes, tokens, seeded) -> None:
    """An unexpected error while asking one window (here: its token cannot be made) is that
    window's WINDOW_ERROR; the others still answer."""

    def broken_token() -> str:
        raise RuntimeError("the key file is unreadable")

    broken = Call(Target(DOOMED, nodes[WINDOWS[0]].url, broken_token), "{ nodeInfo { windowId } }")
    fine = Call(Target(WINDOWS[0], nodes[WINDOWS[0]].url), "{ nodeInfo { windowId } }")
    async with Gatherer(timeout=5) as gatherer:
        failed, answered = await gatherer.gather([broken, fine])
    assert failed.failure is not None and failed.failure.code == "WINDOW_ERROR"
    assert failed.failure.extensions["windowId"] == DOOMED
    assert answered.data == {"nodeInfo": {"windowId": WINDOWS[0]}}
