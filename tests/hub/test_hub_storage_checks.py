"""`smenet hub serve` on a damaged, foreign or empty database: refused in one line, at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.testing import HubServer
from tests.support import damage
from tests.support.node_server import free_port, smenet

DAMAGES = {
    "a text file": (damage.text_file, "not an SQLite database"),
    "truncated": (damage.truncated, "truncated"),
    "pages overwritten mid-file": (damage.overwrite_table("windows"), "corrupted"),
    "a node's database": (damage.database_of("node"), "another server's database"),
    "a zero-length file": (
        damage.zero_length,
        "not initialised (a zero-length file) — run `smenet hub init`",
    ),
}


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hub's data folder, initialised once: each test damages a copy."""
    data = tmp_path_factory.mktemp("hub")
    HubServer(data_dir=data).init()
    return data


@pytest.mark.parametrize("kind", DAMAGES)
def test_hub_serve_refuses_a_damaged_database_in_one_line(
    initialised: Path, tmp_path: Path, kind: str
) -> None:
    data = Path(shutil.copytree(initialised, tmp_path / "hub"))
    database = data / "hub.sqlite3"
    harm, reason = DAMAGES[kind]
    harm(database)

    # Bounded by the helper's timeout: the hub used to wait for the database for good.
    done = smenet("hub", "serve", "--data", str(data), "--port", str(free_port()))

    message = done.stderr.strip()
    assert done.returncode != 0
    assert f"cannot open the database {database}: {reason}" in message, message
    assert "\n" not in message and "Traceback" not in message
