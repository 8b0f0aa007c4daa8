"""A network voucher's redemption waits on the hub without holding the node's database: while a
hub that never answers is asked, another write on the node goes through (on SQLite, the
embedded default, an open transaction would hold every write until the hub call times out)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from node.hub_client import HUB_TIMEOUT
from tests.support.factories import create_enterprise, create_service, create_service_record
from tests.support.node_server import NodeServer

REDEEM = """mutation($id: ID!, $record: ID!) { redeemVoucher(id: $id, serviceRecordId: $record) {
  voucher { id } } }"""
RECORD = "query($id: ID!) { serviceRecord(id: $id) { voucher { id } } }"
VOUCHER = "hub:01890000-0000-7000-8000-000000000000"


@dataclass
class SilentHub:
    """Reads what the node sends, never answers; ``asked`` once a redemption arrived."""

    asked: asyncio.Event = field(default_factory=asyncio.Event)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        seen = b""
        while chunk := await reader.read(65536):
            seen += chunk
            if b"redeemNetworkVoucher" in seen:
                self.asked.set()

    def hang_up(self) -> None:
        for writer in self.writers:
            writer.close()


@pytest.fixture(scope="module")
async def hub() -> AsyncIterator[tuple[SilentHub, int]]:
    silent = SilentHub()
    server = await asyncio.start_server(silent.serve, "127.0.0.1", 0)
    try:
        yield silent, server.sockets[0].getsockname()[1]
    finally:
        silent.hang_up()
        server.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def node(
    request: pytest.FixtureRequest,
    hub: tuple[SilentHub, int],
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[NodeServer]:
    data_dir = tmp_path_factory.mktemp(f"node-silent-hub-{request.param}")
    server = NodeServer(data_dir=data_dir, db_url=make_db_url(request.param), window_id="sz-ns")
    server.init("--hub", f"http://127.0.0.1:{hub[1]}")
    await asyncio.to_thread(server.start)
    try:
        yield server
    finally:
        server.stop()


async def test_other_writes_go_through_while_the_hub_is_asked(
    node: NodeServer, hub: tuple[SilentHub, int]
) -> None:
    silent = hub[0]
    silent.asked.clear()
    token = await node.login()
    service = await create_service(node, token, publicWelfare=False)
    record = await create_service_record(node, token, await create_enterprise(node, token), service)
    redeeming = asyncio.create_task(node.call(REDEEM, {"id": VOUCHER, "record": record}, token))
    try:
        await asyncio.wait_for(silent.asked.wait(), timeout=HUB_TIMEOUT)
        # The node waits on the hub now: an unrelated write finishes well before it gives up.
        await asyncio.wait_for(create_enterprise(node, token), timeout=HUB_TIMEOUT / 2)
        assert not redeeming.done()
    finally:
        silent.hang_up()  # the node's call fails now rather than at its timeout
    assert (await redeeming).codes == ["HUB_UNREACHABLE"]
    assert (await node.ok(RECORD, {"id": record}, token))["serviceRecord"]["voucher"] is None
