"""`smenet node init` and settings: clear messages and non-zero exits, migrations, overrides."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from node import migrations
from node.config import NodeSettings
from node.db import tortoise_config
from tests.conftest import DATABASES
from tests.support.node_db import open_node_db
from tests.support.node_server import NodeServer, smenet


def _init(data: Path, *args: str) -> tuple[int, str]:
    done = smenet("node", "init", "--data", str(data), "--admin-password", "admin-secret-1", *args)
    return done.returncode, done.stdout + done.stderr


BASE = ("--window-id", "gz-th", "--name", "广州市天河区中小企业服务窗口", "--region", "440106")


def test_init_applies_the_migrations_and_creates_the_admin(tmp_path: Path) -> None:
    code, output = _init(tmp_path, *BASE)
    assert code == 0, output
    with sqlite3.connect(tmp_path / "node.sqlite3") as db:
        applied = {
            row[0] + "." + row[1] for row in db.execute("select app, name from tortoise_migrations")
        }
        users = db.execute("select username, roles from users").fetchall()
    assert "node.0001_initial" in applied
    assert users == [("admin", '["WINDOW_ADMIN"]')]
    assert oct((tmp_path / "smenet.toml").stat().st_mode)[-3:] == "600"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--window-id", "GZ TH", "--name", "x", "--region", "440106"), "--window-id"),
        (("--window-id", "gz-th", "--name", "x", "--region", "449999"), "--region"),
        ((*BASE[:4], "--region", "440106", "--db", "mysql://x"), "--db"),
        ((*BASE, "--public-url", "ftp://window.example"), "public_url must be an http(s) URL"),
        ((*BASE, "--public-url", "https://window.example/?a=1"), "public_url is a base URL"),
    ],
)
def test_init_refuses_bad_arguments_with_a_message(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, output = _init(tmp_path, *args)
    assert code != 0
    assert message in output and "Traceback" not in output
    assert not (tmp_path / "smenet.toml").exists()


def test_init_refuses_weak_admin_password(tmp_path: Path) -> None:
    done = smenet("node", "init", "--data", str(tmp_path), *BASE, "--admin-password", "short")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "8 characters" in done.stderr
    assert not (tmp_path / "smenet.toml").exists()


def test_init_refuses_a_folder_that_already_holds_a_node(tmp_path: Path) -> None:
    assert _init(tmp_path, *BASE)[0] == 0
    code, output = _init(tmp_path, *BASE)
    assert code != 0 and "already holds a node" in output


def test_serve_without_init_says_what_to_do(tmp_path: Path) -> None:
    done = smenet("node", "serve", "--data", str(tmp_path / "none"))
    assert done.returncode != 0
    assert "smenet node init" in done.stderr and "Traceback" not in done.stderr


def test_environment_overrides_the_settings_file(tmp_path: Path) -> None:
    server = NodeServer(
        data_dir=tmp_path, db_url=f"sqlite://{tmp_path / 'node.sqlite3'}", window_id="gz-th"
    )
    server.init()
    os.environ["SMENET_NAME"] = "覆盖后的窗口名称"
    try:
        server.start()
    finally:
        del os.environ["SMENET_NAME"]
    try:
        body = httpx.post(server.url, json={"query": "{ nodeInfo { name regionCode } }"}).json()
        assert body["data"]["nodeInfo"] == {"name": "覆盖后的窗口名称", "regionCode": "440305"}
    finally:
        server.stop()


async def test_serve_migrates_a_database_that_already_holds_data(tmp_path: Path) -> None:
    db_path = tmp_path / "node.sqlite3"
    # A window that last ran the first schema version and holds a service.
    await migrate(config=tortoise_config(f"sqlite://{db_path}"), target="node.0001_initial")
    await Tortoise.close_connections()
    with sqlite3.connect(db_path) as db:
        db.execute(
            "insert into services (id, created_at, name, category, public_welfare, function,"
            " process, standard, fee, mode, status, tags, updated_at)"
            " values ('01a20000-0000-7000-8000-000000000001', '2026-01-01 00:00:00+00:00',"
            " '旧版本的服务', 'OTHER', 1, 'f', 'p', 's', '免费', 'BOTH', 'PUBLISHED', '[]',"
            " '2026-01-01 00:00:00+00:00')"
        )
    server = NodeServer(data_dir=tmp_path, db_url=f"sqlite://{db_path}", window_id="gz-th")
    NodeSettings(window_id="gz-th", name="广州", region_code="440106", data_dir=tmp_path).save()
    server.start()
    try:
        body = httpx.post(server.url, json={"query": "{ services { edges { node { name } } } }"})
        assert body.json()["data"]["services"]["edges"] == [{"node": {"name": "旧版本的服务"}}]
    finally:
        server.stop()
    with sqlite3.connect(db_path) as db:
        applied = {row[0] for row in db.execute("select name from tortoise_migrations")}
        indexes = {
            tuple(column[2] for column in db.execute(f"PRAGMA index_info('{name}')"))
            for _, name, *_ in db.execute("PRAGMA index_list(service_records)")
        }
    shipped = {p.stem for p in Path(migrations.__file__).parent.glob("0*.py")}
    assert "0002_service_status_id_index" in shipped and applied == shipped
    # Every index the models declare survives the migrations (a table rebuild once lost them).
    assert {
        ("enterprise_id", "id"),
        ("completed_at", "service_id", "channel", "enterprise_id"),
    } <= indexes


def test_serve_and_seed_say_when_the_database_is_unreachable(tmp_path: Path) -> None:
    assert _init(tmp_path, *BASE)[0] == 0
    env = {**os.environ, "SMENET_DB": "postgres://nobody@127.0.0.1:1/none"}
    for command in ("serve", "seed"):
        done = smenet("node", command, "--data", str(tmp_path), env=env)
        assert done.returncode != 0, command
        assert "cannot open the database" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SMENET_PORT", "abc", "SMENET_PORT must be a whole number"),
        ("SMENET_PUBLIC_URL", "window.example", "public_url must be an http(s) URL"),
        ("SMENET_DEMAND_FORM_BURST", "0", "demand_form_burst must be at least 1"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, variable: str, value: str, message: str) -> None:
    assert _init(tmp_path, *BASE)[0] == 0
    done = smenet("node", "serve", "--data", str(tmp_path), env={**os.environ, variable: value})
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    toml = tmp_path / "smenet.toml"
    toml.write_text(toml.read_text().replace("port = 8100", 'port = "x"'))
    done = smenet("node", "serve", "--data", str(tmp_path))
    assert done.returncode != 0 and "port must be a whole number" in done.stderr


# A window's enterprise, its demand and the demand's first transition, as stored before demands
# carried the public form's claim (node.0009_routing), then a claim's demand without enterprise.
OLD_ROWS = """
INSERT INTO enterprises (id, created_at, name, uscc, region_code, industry_code, size_class,
  contact_name, contact_phone, contact_email, updated_at) VALUES
  ('01a20000-0000-7000-8000-000000000001', '2026-01-01 00:00:00+00:00', '旧企业',
   '91440300MA5DQWXY3K', '440106', '3981', 'SMALL', '', '', '', '2026-01-01 00:00:00+00:00');
INSERT INTO demands (id, created_at, enterprise_id, title, description, category, status,
  submitted_by, updated_at) VALUES
  ('01a20000-0000-7000-8000-000000000002', '2026-01-01 00:00:00+00:00',
   '01a20000-0000-7000-8000-000000000001', '旧需求', '', 'OTHER', 'SUBMITTED', 'staff',
   '2026-01-01 00:00:00+00:00');
INSERT INTO demand_transitions (id, created_at, demand_id, to_status, actor) VALUES
  ('01a20000-0000-7000-8000-000000000003', '2026-01-01 00:00:00+00:00',
   '01a20000-0000-7000-8000-000000000002', 'SUBMITTED', 'staff');
"""
CLAIMED = """
INSERT INTO demands (id, created_at, title, description, category, status, submitted_by,
  updated_at, claim) VALUES
  ('01a20000-0000-7000-8000-000000000004', '2026-01-02 00:00:00+00:00', '表单需求', '', 'OTHER',
   'SUBMITTED', 'public', '2026-01-02 00:00:00+00:00', '{"name": "某公司"}');
"""


@pytest.mark.parametrize("kind", DATABASES)
async def test_demands_stored_before_claims_keep_their_rows_and_indexes(
    kind: str, make_db_url: Callable[[str], str]
) -> None:
    url = make_db_url(kind)
    await migrate(config=tortoise_config(url), target="node.0009_routing")
    try:
        await connections.get("default").execute_script(OLD_ROWS)
    finally:
        await Tortoise.close_connections()
    async with open_node_db(url):  # applies every migration since
        client = connections.get("default")
        await client.execute_script(CLAIMED)
        _, rows = await client.execute_query(
            "SELECT d.title, d.enterprise_id, d.claim, COUNT(t.id) AS transitions"
            " FROM demands d LEFT JOIN demand_transitions t ON t.demand_id = d.id"
            " GROUP BY d.id, d.title, d.enterprise_id, d.claim ORDER BY d.id"
        )
        if kind == "sqlite":
            _, names = await client.execute_query("PRAGMA index_list(demands)")
            indexes = set()
            for index in names:
                _, columns = await client.execute_query(f"PRAGMA index_info('{index['name']}')")
                indexes.add(tuple(column["name"] for column in columns))
            # The rebuild that dropped NOT NULL made its indexes again, each once.
            assert {("enterprise_id", "id"), ("status",), ("origin",)} <= indexes
            assert len(names) == len(indexes)
    assert [(r["title"], str(r["enterprise_id"] or ""), r["transitions"]) for r in rows] == [
        ("旧需求", "01a20000-0000-7000-8000-000000000001", 1),
        ("表单需求", "", 0),
    ]
