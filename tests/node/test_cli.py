"""`smenet node init` and settings: clear messages and non-zero exits, migrations, overrides."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import httpx
import pytest
from tortoise import Tortoise
from tortoise.migrations.api import migrate

from node import migrations
from node.config import NodeSettings
from node.db import tortoise_config
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
    assert {("enterprise_id", "id"), ("completed_at", "service_id", "channel", "enterprise_id")} <= indexes


def test_serve_and_seed_say_when_the_database_is_unreachable(tmp_path: Path) -> None:
    assert _init(tmp_path, *BASE)[0] == 0
    env = {**os.environ, "SMENET_DB": "postgres://nobody@127.0.0.1:1/none"}
    for command in ("serve", "seed"):
        done = smenet("node", command, "--data", str(tmp_path), env=env)
        assert done.returncode != 0, command
        assert "cannot open the database" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [("SMENET_PORT", "abc", "SMENET_PORT must be a whole number")],
)
def test_bad_settings_are_named(tmp_path: Path, variable: str, value: str, message: str) -> None:
    assert _init(tmp_path, *BASE)[0] == 0
    done = smenet("node", "serve", "--data", str(tmp_path), env={**os.environ, variable: value})
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    toml = tmp_path / "smenet.toml"
    toml.write_text(toml.read_text().replace("port = 8100", 'port = "x"'))
    done = smenet("node", "serve", "--data", str(tmp_path))
    assert done.returncode != 0 and "port must be a whole number" in done.stderr
