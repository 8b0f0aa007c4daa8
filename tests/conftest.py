"""Shared fixtures: one throwaway PostgreSQL per session, and real nodes on both databases."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.node_server import NodeServer
from tests.support.postgres import PostgresServer, start_postgres

DATABASES = ["sqlite", "postgres"]
_names = itertools.count()


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def make_db_url(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], str]:
    """A fresh, empty database of the given kind."""

    def make(kind: str) -> str:
        name = f"node{next(_names)}"
        if kind == "postgres":
            return postgres.create_database(name)
        return f"sqlite://{tmp_path_factory.mktemp(name) / 'node.sqlite3'}"

    return make


@pytest.fixture(scope="module", params=DATABASES)
def node(
    request: pytest.FixtureRequest,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NodeServer]:
    """One node per test module and database, shared by the module's tests; a module's
    ``NODE_ENV`` (SMENET_* settings) is its environment."""
    data_dir: Path = tmp_path_factory.mktemp(f"node-{request.param}")
    server = NodeServer(
        data_dir=data_dir,
        db_url=make_db_url(request.param),
        window_id="sz-ns",
        env=getattr(request.module, "NODE_ENV", {}),
    )
    server.init()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def admin(node: NodeServer) -> str:
    """The window admin's token on the module's node."""
    return await node.login()
