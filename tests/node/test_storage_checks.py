"""A damaged, foreign or empty database: `serve` and `verify` refuse it in one line instead of
hanging or serving an empty window, and a served node's /readyz reports a malformed file."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from node.config import NodeSettings
from tests.conftest import DATABASES
from tests.support import damage
from tests.support.db_snapshot import snapshot
from tests.support.node_server import NodeServer, free_port, smenet
from tests.support.waiting import eventually

DAMAGES = {
    "a text file": (damage.text_file, "not an SQLite database"),
    "a bad header": (damage.bad_header, "not an SQLite database"),
    "truncated": (damage.truncated, "truncated"),
    "pages overwritten mid-file": (damage.overwrite_table("services"), "corrupted"),
    "another program's database": (damage.foreign_database, "not a smenet database"),
    "the hub's database": (damage.database_of("hub"), "another server's database"),
    "a zero-length file": (damage.zero_length, "not initialised"),
}


def _command(command: str, data: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``smenet node COMMAND``, bounded by the helper's timeout (it used to hang for good)."""
    port = ("--port", str(free_port())) if command == "serve" else ()
    done = smenet("node", command, "--data", str(data), *port, env=env)
    return done.returncode, done.stderr.strip()


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node's data folder with some history, initialised once: each test damages a copy."""
    data = tmp_path_factory.mktemp("node")
    NodeServer(data_dir=data, window_id="gz-th").init()
    done = smenet("node", "seed", "--data", str(data), "--size", "3")
    assert done.returncode == 0, done.stderr
    return data


@pytest.mark.parametrize("command", ["serve", "verify"])
@pytest.mark.parametrize("kind", DAMAGES)
def test_a_damaged_database_file_is_refused_in_one_line(
    initialised: Path, tmp_path: Path, kind: str, command: str
) -> None:
    data = Path(shutil.copytree(initialised, tmp_path / "node"))
    database = data / "node.sqlite3"
    harm, reason = DAMAGES[kind]
    harm(database)
    before = database.read_bytes()

    code, message = _command(command, data)

    assert code != 0
    assert f"cannot open the database {database}: {reason}" in message, message
    assert "\n" not in message and "Traceback" not in message
    if reason == "not initialised":
        assert "run `smenet node init`" in message
    assert database.read_bytes() == before  # refused before anything wrote to it


@pytest.mark.parametrize("command", ["serve", "verify"])
@pytest.mark.parametrize("kind", DATABASES)
async def test_an_empty_database_is_not_initialised_and_stays_empty(
    make_db_url: Callable[[str], str], tmp_path: Path, kind: str, command: str
) -> None:
    db_url = make_db_url(kind)
    if kind == "sqlite":
        Path(db_url.removeprefix("sqlite://")).touch()  # a zero-length file
    NodeSettings(
        window_id="gz-th", name="广州", region_code="440106", db=db_url, data_dir=tmp_path
    ).save()

    code, message = _command(command, tmp_path)

    assert code != 0
    assert "not initialised" in message and "run `smenet node init`" in message, message
    assert "\n" not in message and "Traceback" not in message
    if kind == "sqlite":
        assert Path(db_url.removeprefix("sqlite://")).stat().st_size == 0
    else:
        assert await snapshot(db_url) == {}


@pytest.mark.parametrize("command", ["serve", "verify"])
def test_an_unreachable_database_is_named_without_its_password(
    initialised: Path, tmp_path: Path, command: str
) -> None:
    data = Path(shutil.copytree(initialised, tmp_path / "node"))
    env = {**os.environ, "SMENET_DB": "postgres://smenet:s3cret@127.0.0.1:1/none"}

    code, message = _command(command, data, env)

    assert code != 0
    assert "cannot open the database postgres://smenet:***@127.0.0.1:1/none: unreachable" in (
        message
    ), message
    assert "s3cret" not in message and "Traceback" not in message


async def test_readyz_reports_pages_overwritten_under_a_running_node(tmp_path: Path) -> None:
    server = NodeServer(data_dir=tmp_path, window_id="gz-th")
    server.init()
    server.start()
    readyz = f"http://127.0.0.1:{server.port}/readyz"
    database = tmp_path / "node.sqlite3"
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            assert (await client.get(readyz)).json() == {"status": "ready"}
            damage.overwrite_table("users")(database)
            # SQLite itself notices: a fresh connection cannot read the table.
            with closing(sqlite3.connect(database)) as db, pytest.raises(sqlite3.DatabaseError):
                db.execute("select * from users").fetchall()

            async def reported() -> bool:
                return (await client.get(readyz)).status_code == 503

            await eventually(reported, timeout=60)
            body = (await client.get(readyz)).json()
            assert body["status"] == "malformed" and body["reason"].startswith("corrupted"), body
            assert str(tmp_path) not in body["reason"]  # no path to an anonymous caller
            assert (await client.get(readyz.replace("readyz", "healthz"))).status_code == 200
    finally:
        server.stop()
