"""The network schema end to end (DESIGN §6): a real hub and three real window nodes, each its own
process, onboarded through the workflow — merged lists equal to the union of the nodes' own
answers, paging with inserts between pages, routed lookups, stats totals, plugin namespaces asked
only of the nodes that have them, killed, hanging, suspended and revoked windows, and a node whose
schema changes while the hub runs."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from federation import CORE_SCHEMA_VERSION
from federation.ids import new_uuid
from federation.trust import generate_key
from hub.testing import onboard
from tests.support.asgi import serve_in_thread
from tests.support.factories import create_service
from tests.support.network import (
    Network,
    WindowSpec,
    make_network,
    plugin_env,
    start_node,
)
from tests.support.samples import install_samples

CITY = WindowSpec("sz-city", "深圳市中小企业服务窗口", "440300", "comprehensive")
CLUSTER = WindowSpec(
    "sz-ba-elec",
    "深圳市宝安区电子信息产业集群窗口",
    "440306",
    "industry",
    plugins=("equipment", "inspection"),
    industries=("C39",),
)
COUNTY = WindowSpec(
    "hy-zj", "河源市紫金县中小企业服务窗口", "441621", "comprehensive", ("financing",)
)
SPECS = [CITY, CLUSTER, COUNTY]

SERVICES = """query($first: Int!, $after: String, $region: String) {
  network(region: $region) { services(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id name fee window { id name regionCode } } } } } }"""
NODE_SERVICES = """query($first: Int!) { services(first: $first) {
  totalCount edges { node { id name fee } } } }"""


@pytest.fixture(scope="module")
async def net(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Network]:
    network = await make_network(
        tmp_path_factory.mktemp("network"), SPECS, hub_env={"SMENET_NODE_TIMEOUT_SECONDS": "2"}
    )
    try:
        # Plugin records: a financing product in the county, an instrument in the cluster.
        county = network.nodes["hy-zj"]
        await county.ok(CREATE_PRODUCT, {"i": PRODUCT}, await county.login())
        cluster = network.nodes["sz-ba-elec"]
        token = await cluster.login()
        service = await create_service(
            cluster, token, name="大型仪器共享服务", category="EQUIPMENT_SHARING"
        )
        instrument = {"name": "三坐标测量机", "serviceId": service, "hourlyFee": "100"}
        await cluster.ok(CREATE_INSTRUMENT, {"i": instrument}, token)
        yield network
    finally:
        network.stop()


async def node_services(net: Network, window_id: str) -> list[dict[str, Any]]:
    data = await net.nodes[window_id].ok(NODE_SERVICES, {"first": 100})
    return [e["node"] for e in data["services"]["edges"]]


async def test_a_network_list_is_the_union_of_the_nodes_lists(net: Network) -> None:
    data = await net.hub.ok(SERVICES, {"first": 100})
    page = data["network"]["services"]
    union = {w: await node_services(net, w) for w in net.nodes}
    expected = sorted(
        ({**s, "window": w} for w, services in union.items() for s in services),
        key=lambda s: s["id"],
    )
    got = [{**e["node"], "window": e["node"]["window"]["id"]} for e in page["edges"]]
    assert sorted(got, key=lambda s: s["id"]) == expected
    assert page["totalCount"] == len(expected)
    assert not page["pageInfo"]["hasNextPage"]


async def add_service(net: Network, window_id: str, name: str) -> str:
    node = net.nodes[window_id]
    return await create_service(node, await node.login(), name=name, category="OTHER")


async def test_walking_every_page_with_inserts_between_pages_misses_nothing(
    net: Network,
) -> None:
    lists = [await node_services(net, w) for w in net.nodes]
    before = {s["id"] for services in lists for s in services}
    smallest = min(len(services) for services in lists)
    first = max(1, smallest - 1)  # smaller than any node's count: every node pages
    seen: list[str] = []
    added: list[str] = []
    after = None
    for page_number in range(200):
        page = (await net.hub.ok(SERVICES, {"first": first, "after": after}))["network"]["services"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        window = list(net.nodes)[page_number % len(net.nodes)]
        added.append(await add_service(net, window, f"分页期间新增服务 {page_number}"))
    assert len(seen) == len(set(seen)), "an item came twice"
    assert before <= set(seen), "an item was missed"
    # What was inserted meanwhile is newer than every cursor: it belongs to the next walk.
    assert set(seen) - before <= set(added)
    again = (await net.hub.ok(SERVICES, {"first": 100}))["network"]["services"]
    assert set(added) <= {e["node"]["id"] for e in again["edges"]}


async def test_a_lookup_goes_to_the_window_its_id_names(net: Network) -> None:
    for window_id in net.nodes:
        service = (await node_services(net, window_id))[0]
        data = await net.hub.ok(
            """query($id: ID!) { network { service(id: $id) {
                 id name window { id status } } } }""",
            {"id": service["id"]},
        )
        got = data["network"]["service"]
        assert got == {
            "id": service["id"],
            "name": service["name"],
            "window": {"id": window_id, "status": "CONNECTED"},
        }
    bad = await net.hub.call('{ network { service(id: "nonsense") { id } } }')
    assert bad.codes == ["INVALID_ID"]


async def test_aliases_fragments_and_variables_pass_through(net: Network) -> None:
    query = """query($cat: ServiceCategory!) {
      net: network(windows: ["sz-city", "hy-zj"]) {
        list: services(filter: {category: $cat}, first: 5) {
          edges { node { ...card w: window { where: regionCode } } } } } }
      fragment card on Service { title: name category }"""
    data = await net.hub.ok(query, {"cat": "OTHER"})
    nodes = [e["node"] for e in data["net"]["list"]["edges"]]
    assert nodes and all(n["category"] == "OTHER" for n in nodes)
    assert {n["w"]["where"] for n in nodes} <= {"440300", "441621"}
    assert all(set(n) == {"title", "category", "w"} for n in nodes)


async def test_region_prefix_narrows_the_windows(net: Network) -> None:
    data = await net.hub.ok(SERVICES, {"first": 100, "region": "4403"})
    windows = {e["node"]["window"]["id"] for e in data["network"]["services"]["edges"]}
    assert windows == {"sz-city", "sz-ba-elec"}
    bad = await net.hub.call(SERVICES, {"first": 5, "region": "44x"})
    assert bad.codes == ["INVALID_REGION_CODE"]


async def test_a_node_error_passes_through_with_its_window(net: Network) -> None:
    # Service records are for a window's users, not for anonymous callers of the hub.
    result = await net.hub.call(
        "{ network { serviceRecords(first: 5) { edges { node { id } } } } }"
    )
    assert result.data is not None
    # The nodes refused (their own code), they did not fail: not WINDOW_ERROR.
    assert window_errors(result.errors) == {w: "UNAUTHENTICATED" for w in net.nodes}
    assert all(e["path"][:2] == ["network", "serviceRecords"] for e in result.errors)


STATS = """{ network { stats(from: "2020-01-01") {
  enterprisesServed servicesDelivered feedbackCount satisfiedFeedback satisfactionRate
  servicesByCategory { category count }
  windows { window { id } stats { servicesDelivered satisfactionRate } } } } }"""
NODE_STATS = """{ stats(from: "2020-01-01") {
  enterprisesServed servicesDelivered feedbackCount satisfiedFeedback satisfactionRate
  servicesByCategory { category count } } }"""


async def test_stats_totals_come_from_summed_counts(net: Network) -> None:
    # The indicators are for a window's users: the hub asks as the supervising hub.
    stats = (await net.hub.ok(STATS, token=net.admin))["network"]["stats"]
    rows = {
        w: (await n.ok(NODE_STATS, token=await n.login()))["stats"] for w, n in net.nodes.items()
    }
    delivered = sum(r["servicesDelivered"] for r in rows.values())
    assert delivered > 0, "the seed delivers services"
    assert stats["servicesDelivered"] == delivered
    feedback = sum(r["feedbackCount"] for r in rows.values())
    satisfied = sum(r["satisfiedFeedback"] for r in rows.values())
    assert stats["satisfactionRate"] == pytest.approx(satisfied / feedback)
    by_category: dict[str, int] = {}
    for row in rows.values():
        for item in row["servicesByCategory"]:
            by_category[item["category"]] = by_category.get(item["category"], 0) + item["count"]
    assert {c["category"]: c["count"] for c in stats["servicesByCategory"]} == by_category
    # Distinct by credit code across windows: at least the largest window's, at most the sum.
    served = [r["enterprisesServed"] for r in rows.values()]
    assert max(served) <= stats["enterprisesServed"] <= sum(served)
    per_window = {r["window"]["id"]: r["stats"] for r in stats["windows"]}
    assert per_window == {
        w: {"servicesDelivered": r["servicesDelivered"], "satisfactionRate": r["satisfactionRate"]}
        for w, r in rows.items()
    }


async def test_a_plugin_is_asked_only_of_the_windows_that_have_it(net: Network) -> None:
    composition = (
        await net.hub.ok(
            "{ composition { windows namespaces { name part windows } conflicts { windowId } } }"
        )
    )["composition"]
    assert set(composition["windows"]) == set(net.nodes)
    served = {(n["name"], n["part"]): n["windows"] for n in composition["namespaces"]}
    assert served[("financing", "QUERY")] == ["hy-zj"]
    assert served[("equipment", "QUERY")] == ["sz-ba-elec"]
    assert composition["conflicts"] == []
    data = await net.hub.ok(
        "{ network { ext { financing { products(first: 50) { totalCount edges { node { id window { id } } } } } } } }"
    )
    products = data["network"]["ext"]["financing"]["products"]
    direct = await net.nodes["hy-zj"].ok(
        "{ ext { financing { products(first: 50) { totalCount } } } }"
    )
    assert products["totalCount"] == direct["ext"]["financing"]["products"]["totalCount"]
    assert {e["node"]["window"]["id"] for e in products["edges"]} == {"hy-zj"}
    # Plugin indicators under each window's stats, only where the node has the plugin.
    stats = await net.hub.ok(
        "{ network { stats { windows { window { id } stats { ext { financing { __typename } } } } } } }",
        token=net.admin,
    )
    rows = {
        # `ext` is null for a window without any plugin indicators
        r["window"]["id"]: (r["stats"]["ext"] or {}).get("financing")
        for r in stats["network"]["stats"]["windows"]
    }
    assert rows["hy-zj"] is not None
    assert rows["sz-city"] is None and rows["sz-ba-elec"] is None


CREATE_PRODUCT = """mutation($i: FinancingProductInput!) { ext { financing {
  createProduct(input: $i) { product { id } } } } }"""
PRODUCT = {
    "name": "创业担保贷款",
    "providerName": "深圳农商银行",
    "providerKind": "BANK",
    "amountMin": "10",
    "amountMax": "300",
    "termMinMonths": 6,
    "termMaxMonths": 36,
    "sizeClasses": ["SMALL", "MICRO"],
    "rateDescription": "LPR，财政贴息",
}
CREATE_INSTRUMENT = """mutation($i: EquipmentInstrumentInput!) { ext { equipment {
  createInstrument(input: $i) { instrument { id } } } } }"""
HEALTH = '{ window(id: "sz-ba-elec") { health { state failuresInARow } } }'


def window_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    return {e["extensions"]["windowId"]: e["extensions"]["code"] for e in errors}


async def test_a_killed_node_costs_only_its_own_results(net: Network) -> None:
    node = net.nodes["sz-ba-elec"]
    port = node.port
    node.stop()
    try:
        result = await net.hub.call(SERVICES, {"first": 100})
        assert result.data is not None
        windows = {e["node"]["window"]["id"] for e in result.data["network"]["services"]["edges"]}
        assert windows == {"sz-city", "hy-zj"}
        assert window_errors(result.errors) == {"sz-ba-elec": "WINDOW_UNAVAILABLE"}
        assert result.errors[0]["path"] == ["network", "services"]
        health = (await net.hub.ok(HEALTH))["window"]["health"]
        assert health["state"] == "CLOSED" and health["failuresInARow"] >= 1
    finally:
        node.start(port=port)
    again = await net.hub.ok(SERVICES, {"first": 100})
    assert "sz-ba-elec" in {
        e["node"]["window"]["id"] for e in again["network"]["services"]["edges"]
    }
    health = await net.hub.ok(HEALTH)
    assert health["window"]["health"] == {"state": "CLOSED", "failuresInARow": 0}


async def test_a_hanging_node_is_reported_after_the_node_timeout(net: Network) -> None:
    node = net.nodes["hy-zj"]
    assert node.process is not None
    node.process.send_signal(signal.SIGSTOP)  # it accepts connections and never answers
    try:
        started = time.monotonic()
        result = await asyncio.wait_for(net.hub.call(SERVICES, {"first": 100}), timeout=10)
        waited = time.monotonic() - started
    finally:
        node.process.send_signal(signal.SIGCONT)
    assert result.data is not None
    windows = {e["node"]["window"]["id"] for e in result.data["network"]["services"]["edges"]}
    assert windows == {"sz-city", "sz-ba-elec"}
    assert window_errors(result.errors) == {"hy-zj": "WINDOW_TIMEOUT"}
    assert waited < 10  # the hub's node timeout here is 2 s


async def test_a_node_whose_schema_changes_is_recomposed_without_a_hub_restart(
    net: Network,
) -> None:
    node = net.nodes["sz-city"]
    port = node.port
    node.stop()
    node.env = plugin_env(("financing",))  # the window adds the financing plugin
    node.start(port=port)
    # The hub learns of the new schema from the hash in the node's answers, and reads it again.
    await net.hub.ok(SERVICES, {"first": 1})
    for _ in range(100):
        composition = await net.hub.ok("{ composition { namespaces { name part windows } } }")
        served = {
            (n["name"], n["part"]): n["windows"] for n in composition["composition"]["namespaces"]
        }
        if "sz-city" in served[("financing", "QUERY")]:
            break
        await asyncio.sleep(0.1)
    assert served[("financing", "QUERY")] == ["sz-city", "hy-zj"]
    # … and its plugin's lists are asked of it through the network at once.
    token = await node.login()
    created = await node.ok(CREATE_PRODUCT, {"i": PRODUCT}, token)
    product = created["ext"]["financing"]["createProduct"]["product"]["id"]
    data = await net.hub.ok(
        '{ network(windows: ["sz-city"]) { ext { financing { products(first: 5) {'
        " edges { node { id providerName window { id } } } } } } } }"
    )
    (edge,) = data["network"]["ext"]["financing"]["products"]["edges"]
    assert edge["node"] == {
        "id": product,
        "providerName": "深圳农商银行",
        "window": {"id": "sz-city"},
    }


async def test_a_suspended_or_revoked_window_drops_out_at_once(net: Network) -> None:
    def ids(data: dict[str, Any]) -> set[str]:
        return {e["node"]["window"]["id"] for e in data["network"]["services"]["edges"]}

    await net.hub.ok(
        'mutation { suspendWindow(id: "sz-city", reason: "整改期间暂停接入") { status } }',
        token=net.operator,
    )
    assert ids(await net.hub.ok(SERVICES, {"first": 100})) == {"sz-ba-elec", "hy-zj"}
    await net.hub.ok('mutation { reinstateWindow(id: "sz-city") { status } }', token=net.operator)
    assert ids(await net.hub.ok(SERVICES, {"first": 100})) == set(net.nodes)
    await net.hub.ok(
        'mutation { revokeWindow(id: "hy-zj", reason: "考核不合格，撤销") { status } }',
        token=net.admin,
    )
    assert ids(await net.hub.ok(SERVICES, {"first": 100})) == {"sz-city", "sz-ba-elec"}
    composition = await net.hub.ok("{ composition { windows namespaces { name windows } } }")
    assert "hy-zj" not in composition["composition"]["windows"]


async def test_a_node_with_a_conflicting_plugin_is_left_out_of_that_namespace_only(
    net: Network, tmp_path: Path
) -> None:
    rival = WindowSpec("gz-th", "广州市天河区中小企业服务窗口", "440106", "comprehensive")
    env = {
        **install_samples(tmp_path / "site", ("rival_equipment",)),
        "SMENET_PLUGINS_ENABLED": "rival_equipment",
    }
    hub_url = f"http://127.0.0.1:{net.hub.port}"
    node = start_node(rival, tmp_path / "gz-th", hub_url, seed_size=4, env=env)
    net.nodes[rival.window_id] = node
    await onboard(net, rival, node.url)
    composition = (
        await net.hub.ok(
            "{ composition { windows namespaces { name part windows } "
            "conflicts { windowId namespace reason } } }"
        )
    )["composition"]
    assert "gz-th" in composition["windows"]  # its core is on the network
    (conflict,) = composition["conflicts"]
    assert (conflict["windowId"], conflict["namespace"]) == ("gz-th", "equipment")
    served = {(n["name"], n["part"]): n["windows"] for n in composition["namespaces"]}
    assert served[("equipment", "QUERY")] == ["sz-ba-elec"]
    data = await net.hub.ok(
        "{ network { services(first: 100) { edges { node { window { id } } } } "
        "ext { equipment { instruments(first: 50) { edges { node { window { id } } } } } } } }"
    )
    windows = {e["node"]["window"]["id"] for e in data["network"]["services"]["edges"]}
    assert "gz-th" in windows
    instruments = data["network"]["ext"]["equipment"]["instruments"]["edges"]
    assert {e["node"]["window"]["id"] for e in instruments} == {"sz-ba-elec"}


async def test_what_a_client_may_write_reaches_the_nodes_intact(net: Network) -> None:
    # An alias over a field the hub needs, variables used only in a fragment, @include.
    query = """query($cat: ServiceCategory!, $withFee: Boolean!) {
      network { services(first: 3) { edges { node { id: name ...more } } } } }
      fragment more on Service {
        fee @include(if: $withFee)
        agency { name }
        services: category
        other: window { id }
      }"""
    with_fee = await net.hub.ok(query.replace("$cat: ServiceCategory!, ", ""), {"withFee": True})
    nodes = [e["node"] for e in with_fee["network"]["services"]["edges"]]
    assert len(nodes) == 3 and all(
        set(n) == {"id", "fee", "agency", "services", "other"} for n in nodes
    )
    assert all(not n["id"].count(":") for n in nodes), "`id` is the client's alias of the name"
    without = await net.hub.ok(query.replace("$cat: ServiceCategory!, ", ""), {"withFee": False})
    assert all("fee" not in e["node"] for e in without["network"]["services"]["edges"])


async def test_conflicting_or_reserved_selections_are_refused_clearly(net: Network) -> None:
    conflict = await net.hub.call(
        "{ network { services(first: 2) { a: edges { node { x: name } }"
        " b: edges { node { x: fee } } } } }"
    )
    assert conflict.codes == ["BAD_INPUT"]
    reserved = await net.hub.call(
        "{ network { services(first: 2) { edges { node { smenetId: name } } } } }"
    )
    assert reserved.codes == ["BAD_INPUT"]
    # Two aliases of edges asking the same things are fine.
    same = await net.hub.ok(
        "{ network { services(first: 2) { a: edges { node { name } } b: edges { node { name } } } } }"
    )
    assert same["network"]["services"]["a"] == same["network"]["services"]["b"]


async def test_stats_when_no_window_answers_are_empty_not_an_error(net: Network) -> None:
    data = await net.hub.ok(
        '{ network(region: "11") { stats { fromDate servicesDelivered satisfactionRate'
        " servicesByCategory { count } windows { window { id } } } } }",
        token=net.admin,
    )
    assert data["network"]["stats"] == {
        "fromDate": None,
        "servicesDelivered": 0,
        "satisfactionRate": None,
        "servicesByCategory": [],
        "windows": [],
    }
    # Plugin indicators only: windows without any are asked nothing they lack.
    rows = await net.hub.ok(
        "{ network { stats { windows { window { id } stats { ext { __typename } } } } } }",
        token=net.admin,
    )
    connected = await net.hub.ok("{ windows(status: CONNECTED) { id } }")
    windows = {r["window"]["id"] for r in rows["network"]["stats"]["windows"]}
    assert windows == {w["id"] for w in connected["windows"]}


async def test_a_request_may_ask_the_network_only_so_many_times(net: Network) -> None:
    fields = " ".join(f"s{i}: services(first: 1) {{ totalCount }}" for i in range(11))
    result = await net.hub.call(f"{{ network {{ {fields} }} }}")
    assert "LIMIT_EXCEEDED" in result.codes


async def test_a_window_answering_malformed_records_costs_only_those(net: Network) -> None:
    """A stand-in node (a real one cannot be made to) that connects like any node and then
    answers a record whose non-null `name` is null and a stats count that is a string."""
    sdl = (await net.nodes["sz-city"].ok("{ _service { sdl } }"))["_service"]["sdl"]
    key = generate_key().jwk()
    record = f"zz-odd:{new_uuid()}"

    async def graphql(request: Request) -> Response:
        query = (await request.json())["query"]
        if "nodeInfo" in query:
            info = {
                "windowId": "zz-odd",
                "name": "异常窗口",
                "kind": "COMPREHENSIVE",
                "regionCode": "440307",
                "industries": [],
                "coreSchemaVersion": CORE_SCHEMA_VERSION,
                "nodeVersion": "0.1.0",
                "plugins": [],
            }
            return JSONResponse({"data": {"nodeInfo": info, "_service": {"sdl": sdl}}})
        if "stats" in query:
            return JSONResponse({"data": {"stats": {"smenet_servicesDelivered": "many"}}})
        edge = {"cursor": "c1", "node": {"smenetId": record, "name": None}}
        page = {"pageInfo": {"hasNextPage": False}, "edges": [edge]}
        return JSONResponse({"data": {"services": page}})

    async def jwks(_: Request) -> Response:
        return JSONResponse({"keys": [key]})

    app = Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/.well-known/jwks.json", jwks)]
    )
    odd = WindowSpec("zz-odd", "异常窗口", "440307", "comprehensive")
    with serve_in_thread(app) as port:
        await onboard(net, odd, f"http://127.0.0.1:{port}/graphql")
        result = await net.hub.call(
            '{ network(region: "4403") { services(first: 100) { edges { node { name } } } } }'
        )
        stats = await net.hub.call(
            '{ network(region: "4403") { stats { servicesDelivered } } }', token=net.admin
        )
        await net.hub.ok(
            'mutation { revokeWindow(id: "zz-odd", reason: "答复不合规范") { status } }',
            token=net.admin,
        )
    assert result.data is not None
    names = [e["node"] for e in result.data["network"]["services"]["edges"]]
    assert None in names and sum(1 for n in names if n is not None) > 0  # only its record is null
    (error,) = result.errors
    assert error["extensions"]["code"] == "WINDOW_ERROR"
    assert error["extensions"]["windowId"] == "zz-odd"
    assert stats.data is not None and stats.data["network"]["stats"]["servicesDelivered"] > 0
    assert [e["extensions"]["windowId"] for e in stats.errors] == ["zz-odd"]
