"""The plugin manager on real nodes: a plugin that fails to import, to register, to fit the schema
or to run costs itself only; strict mode refuses to start; events reach handlers after commit,
and after a restart only the handlers that had not handled them yet."""

from __future__ import annotations

import ast
import asyncio
import os
import sqlite3
import tomllib
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path

import asyncpg
import pytest
import tomli_w

from node.config import NodeSettings
from node.plugins.manager import ENTRY_POINT_GROUP, PluginError, PluginHost
from tests.support.factories import create_enterprise
from tests.support.node_server import ROOT, NodeServer, smenet
from tests.support.samples import SAMPLES, install_samples

FAILING = (
    "broken_import",
    "broken_register",
    "typo_hook",
    "node_namespace",
    "clash_type",
    "core_type",
    "lab",
    "other_equipment",
)
PLUGINS = "{ nodeInfo { plugins { name namespace version hooks error } } }"
SUBMIT = """mutation($e: ID!, $t: String!) { submitDemand(input: {enterpriseId: $e, title: $t,
  category: QUALITY_TESTING}) { demand { id } } }"""


async def query_db(db_url: str, sql: str) -> list[tuple]:
    """Rows read behind the node's back, from either database."""
    if db_url.startswith("sqlite://"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite://"))
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    pg = await asyncpg.connect(db_url)
    try:
        return [tuple(r) for r in await pg.fetch(sql)]
    finally:
        await pg.close()


async def delivered(db_url: str, plugin: str) -> int:
    sql = f"select count(*) from event_deliveries where plugin = '{plugin}' and delivered_at is not null"
    return int((await query_db(db_url, sql))[0][0])


async def _plugins(node: NodeServer) -> dict[str, dict]:
    data = await node.ok(PLUGINS)
    return {p["name"]: p for p in data["nodeInfo"]["plugins"]}


async def _eventually(check: Callable[[], object], timeout: float = 10) -> None:
    """Wait (boundedly) for something the node does after the response."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
def tolerant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    """A node, not strict, with every failing sample next to the first-party plugins."""
    root = tmp_path_factory.mktemp("tolerant")
    samples = (*FAILING, "lab_test", "broken_startup", "gatekeeper", "flaky_events")
    env = install_samples(root / "site", samples)
    server = NodeServer(
        data_dir=root / "node",
        db_url=f"sqlite://{root / 'node.sqlite3'}",
        window_id="sz-ns",
        env={**env, "SMENET_PLUGINS_STRICT": "false"},
    )
    server.init()
    server.start()
    yield server
    server.stop()


async def test_failing_plugins_cost_only_themselves(tolerant: NodeServer) -> None:
    plugins = await _plugins(tolerant)
    errors = {name: plugins[name]["error"] for name in FAILING}
    assert "failed to import tests.plugins.samples.broken_import" in errors["broken_import"]
    assert "smenet_no_such_module" in errors["broken_import"]
    assert "failed to register" in errors["broken_register"]
    assert "no_such_argument" in errors["broken_register"]
    assert "failed to register" in errors["typo_hook"]
    assert "smenet_querry" in errors["typo_hook"]
    assert errors["node_namespace"] == "namespace 'node' is the core's"
    assert "must start with 'ClashType': Widget" in errors["clash_type"]
    assert "Service" in errors["core_type"]
    assert errors["lab"] == (
        "GraphQL type names must start with 'Lab' (nor with 'LabTest'): LabTestResult"
    )
    assert errors["other_equipment"] == (
        "namespace 'equipment' is already used by plugin equipment"
    )
    for name in ("equipment", "inspection", "financing", "lab_test", "gatekeeper", "flaky_events"):
        assert plugins[name]["error"] is None, plugins[name]
    # The node serves the core and the working plugins; the failed ones left nothing behind.
    data = await tolerant.ok(
        "{ services { totalCount } ext { __typename equipment { __typename } } }"
    )
    assert data["services"]["totalCount"] == 0
    schema = await tolerant.ok('{ __type(name: "Widget") { name } }')
    assert schema["__type"] is None
    assert (await tolerant.ok("{ ext { lab_test { ready } } }"))["ext"]["lab_test"]["ready"]


async def test_a_plugin_that_failed_to_start_answers_unavailable(tolerant: NodeServer) -> None:
    """Its field was mounted before its startup failed: it answers an error of its own, and the
    rest of the answer stands."""
    error = (await _plugins(tolerant))["broken_startup"]["error"]
    assert error == "failed to start: ConnectionError: the instrument registry cannot be reached"
    result = await tolerant.call(
        "{ nodeInfo { windowId } ext { broken_startup { hello } lab_test { ready } } }"
    )
    assert result.codes == ["PLUGIN_UNAVAILABLE"]
    assert result.errors[0]["path"] == ["ext", "broken_startup"]
    assert result.data == {
        "nodeInfo": {"windowId": "sz-ns"},
        "ext": {"broken_startup": None, "lab_test": {"ready": True}},
    }


def test_smenet_plugins_lists_the_same_errors(tolerant: NodeServer) -> None:
    done = smenet("plugins", "--data", str(tolerant.data_dir), env={**os.environ, **tolerant.env})
    assert done.returncode == 1, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "failed to import" in lines["broken_import"]
    assert "must start with 'ClashType'" in lines["clash_type"]
    assert lines["equipment"].rstrip().endswith("-")
    assert "validate" in lines["gatekeeper"]


async def test_a_plugin_refuses_a_core_input_and_nothing_is_written(tolerant: NodeServer) -> None:
    token = await tolerant.login()
    enterprise = await create_enterprise(tolerant, token)
    # Its flaky plugin never finishes an event: nothing to wait for.
    before = await tolerant.snapshot(settle=False)
    refused = await tolerant.call(SUBMIT, {"e": enterprise, "t": "拒绝的需求"}, token)
    assert refused.codes == ["INPUT_REFUSED"]
    assert refused.errors[0]["message"] == "this window does not take such demands"
    assert await tolerant.snapshot(settle=False) == before


async def test_a_crashing_validator_costs_its_plugin_not_the_input(tolerant: NodeServer) -> None:
    token = await tolerant.login()
    created = await tolerant.ok(
        'mutation { createService(input: {name: "crash", category: OTHER}) { service { id } } }',
        token=token,
    )
    assert created["createService"]["service"]["id"]
    error = (await _plugins(tolerant))["gatekeeper"]["error"]
    assert error == "validation of createService failed: ZeroDivisionError: a bug in the plugin"


async def test_a_failing_event_handler_never_rolls_back_the_write(tolerant: NodeServer) -> None:
    token = await tolerant.login()
    enterprise = await create_enterprise(tolerant, token)
    data = await tolerant.ok(SUBMIT, {"e": enterprise, "t": "检测需求"}, token)
    demand = data["submitDemand"]["demand"]["id"]
    errors: list[str | None] = []

    async def failure_listed() -> bool:
        errors.append((await _plugins(tolerant))["flaky_events"]["error"])
        return bool(errors[-1])

    for _ in range(200):
        if await failure_listed():
            break
        await asyncio.sleep(0.05)
    assert errors[-1] and errors[-1].startswith("handling event demand.submitted")
    assert errors[-1].endswith("failed: RuntimeError: cannot handle demand.submitted")
    read = await tolerant.ok(
        "query($id: ID!) { demand(id: $id) { status } }", {"id": demand}, token
    )
    assert read["demand"]["status"] == "SUBMITTED"
    db = sqlite3.connect(tolerant.db_url.removeprefix("sqlite://"))
    try:
        rows = db.execute(
            "select attempts, delivered_at from event_deliveries where plugin = 'flaky_events'"
        ).fetchall()
    finally:
        db.close()
    assert rows and all(attempts >= 1 and delivered is None for attempts, delivered in rows)


def test_strict_mode_refuses_to_start_naming_the_plugin(tmp_path: Path) -> None:
    env = {**os.environ, **install_samples(tmp_path / "site", ("broken_import",))}
    server = NodeServer(data_dir=tmp_path / "node", db_url=f"sqlite://{tmp_path / 'n.sqlite3'}")
    server.init()
    done = smenet(
        "node", "serve", "--data", str(server.data_dir), env={**env, "SMENET_PLUGINS_STRICT": "1"}
    )
    assert done.returncode == 2
    assert "plugin broken_import: failed to import tests.plugins.samples.broken_import" in (
        done.stderr
    )
    assert "does not start" in done.stderr


def test_strict_mode_stops_a_node_whose_plugin_fails_to_start(tmp_path: Path) -> None:
    """The failure comes after the database opened: the process still exits, naming the plugin."""
    env = {**os.environ, **install_samples(tmp_path / "site", ("broken_startup",))}
    server = NodeServer(data_dir=tmp_path / "node", db_url=f"sqlite://{tmp_path / 'n.sqlite3'}")
    server.init()
    done = smenet(
        "node", "serve", "--data", str(server.data_dir), env={**env, "SMENET_PLUGINS_STRICT": "1"}
    )
    assert done.returncode != 0
    assert "plugin broken_startup: failed to start: ConnectionError" in done.stderr


def test_a_bad_plugin_setting_is_named() -> None:
    settings = NodeSettings(
        window_id="w", name="w", region_code="440305", plugins={"recorder_a": {"log_file": 5}}
    )
    entry = EntryPoint("recorder_a", SAMPLES["recorder_a"], ENTRY_POINT_GROUP)
    host = PluginHost(settings).load([entry])
    assert (
        host.plugins["recorder_a"].load_error == "[plugins.recorder_a]: log_file must be a string"
    )
    with pytest.raises(PluginError, match="plugin recorder_a: .*log_file must be a string"):
        PluginHost(NodeSettings(**{**vars(settings), "plugins_strict": True})).load([entry])


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
async def test_an_unhandled_event_is_handled_after_a_restart_once_per_plugin(
    database: str, make_db_url: Callable[[str], str], tmp_path: Path
) -> None:
    """recorder_a handles the event; recorder_b is held until the node stops. After the restart
    recorder_b handles it, and recorder_a, which had, does not handle it again. `broken_import` is
    installed but disabled, so the strict node starts."""
    logs = {name: tmp_path / f"{name}.log" for name in ("recorder_a", "recorder_b")}
    hold = tmp_path / "hold"
    env = install_samples(tmp_path / "site", ("recorder_a", "recorder_b", "broken_import"))
    server = NodeServer(
        data_dir=tmp_path / "node",
        db_url=make_db_url(database),
        env={
            **env,
            "SMENET_RECORDER_A_LOG_FILE": str(logs["recorder_a"]),
            "SMENET_RECORDER_B_LOG_FILE": str(logs["recorder_b"]),
            "SMENET_RECORDER_B_HOLD_FILE": str(hold),
        },
    )
    server.init()
    config = server.data_dir / "smenet.toml"
    settings = tomllib.loads(config.read_text(encoding="utf-8"))
    config.write_text(tomli_w.dumps({**settings, "plugins_disabled": ["broken_import"]}))
    hold.touch()
    server.start()
    try:
        assert "broken_import" not in await _plugins(server)
        token = await server.login()
        enterprise = await create_enterprise(server, token)
        demand = (await server.ok(SUBMIT, {"e": enterprise, "t": "需求"}, token))["submitDemand"]
        # Stop once recorder_a's success is noted (before that, handling it again is allowed).
        for _ in range(200):
            if await delivered(server.db_url, "recorder_a"):
                break
            await asyncio.sleep(0.05)
        assert await delivered(server.db_url, "recorder_a") == 1
    finally:
        server.stop()
    assert not logs["recorder_b"].exists()
    hold.unlink()
    server.start()
    try:
        await _eventually(logs["recorder_b"].exists)
    finally:
        server.stop()
    key = demand["demand"]["id"].split(":", 1)[1]
    for name, log in logs.items():
        assert log.read_text().splitlines() == [f"{name} demand.submitted {key}"]


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
async def test_plugin_migrations_apply_to_a_node_that_holds_data(
    database: str, make_db_url: Callable[[str], str], tmp_path: Path
) -> None:
    server = NodeServer(data_dir=tmp_path / "node", db_url=make_db_url(database))
    server.init()
    seeded = smenet("node", "seed", "--data", str(server.data_dir), "--size", "5")
    assert seeded.returncode == 0, seeded.stderr
    if database == "sqlite":
        tables_sql = "select name from sqlite_master where type = 'table'"
    else:
        tables_sql = "select tablename from pg_tables where schemaname = 'public'"

    async def state() -> tuple[set[str], list[tuple]]:
        tables = {row[0] for row in await query_db(server.db_url, tables_sql)}
        services = await query_db(server.db_url, "select id, name, status from services")
        return tables, sorted(services)

    tables, services = await state()
    assert services and not any(t.startswith(("equipment_", "inspection_")) for t in tables)
    server.start()
    try:
        token = await server.login()
        instruments = await server.ok("{ ext { equipment { instruments { totalCount } } } }")
        assert instruments["ext"]["equipment"]["instruments"]["totalCount"] == 0
        orders = await server.ok("{ ext { inspection { orders { totalCount } } } }", token=token)
        assert orders["ext"]["inspection"]["orders"]["totalCount"] == 0
    finally:
        server.stop()
    tables_after, services_after = await state()
    assert {"equipment_instruments", "equipment_bookings", "inspection_orders"} <= tables_after
    assert services_after == services


def test_first_party_plugins_import_only_the_public_api() -> None:
    """DESIGN §5: built on `node.plugins.api` alone, like anyone else's plugin."""
    allowed = {"node.plugins.api", "node.plugins"}
    for path in (ROOT / "plugins").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in ast.walk(tree):
            if isinstance(statement, ast.ImportFrom) and statement.module:
                names = [statement.module]
            elif isinstance(statement, ast.Import):
                names = [alias.name for alias in statement.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] in ("node", "federation", "hub", "smenet"):
                    assert name in allowed, f"{path.relative_to(ROOT)} imports {name}"
                    if name == "node.plugins":
                        assert isinstance(statement, ast.ImportFrom)
                        assert [a.name for a in statement.names] == ["api"], path
