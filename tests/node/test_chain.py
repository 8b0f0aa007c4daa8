"""The service-record hash chain: `smenet node verify` catches edits made behind the node's
back, canonical content survives both databases, and concurrent writers never fork it."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from tortoise.backends.base.client import BaseDBAsyncClient

from node.domain import chain, enterprises, records
from node.domain.access import Actor, Role
from node.models import ChainEntry, ChainHead, ServiceRecord
from tests.support.factories import create_enterprise, create_service, make_uscc
from tests.support.node_db import open_node_db, published_service
from tests.support.node_server import NodeServer, smenet

START = """
mutation($i: StartServiceRecordInput!) {
  startServiceRecord(input: $i) { serviceRecord { id startedAt history { position } } }
}
"""
COMPLETE = """
mutation($id: ID!, $fee: Decimal) {
  completeServiceRecord(id: $id, input: {outcome: "完成", fee: $fee}) {
    serviceRecord { id fee history { position kind content } }
  }
}
"""
WRITERS = 30
# The domain checks roles only; this actor needs no row in the users table.
STAFF = Actor(username="tester", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))


async def sql(db_url: str, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run SQL behind the node's back; ``$1``-style parameters on both databases."""
    if db_url.startswith("sqlite://"):
        with sqlite3.connect(db_url.removeprefix("sqlite://")) as conn:
            return list(conn.execute(query.replace("$", "?"), args))
    pg = await asyncpg.connect(db_url)
    try:
        return [tuple(row) for row in await pg.fetch(query, *args)]
    finally:
        await pg.close()


def verify(node: NodeServer) -> tuple[int, str]:
    done = smenet("node", "verify", "--data", str(node.data_dir))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout


@pytest.fixture(scope="module")
async def setup(node: NodeServer, admin: str) -> dict[str, str]:
    """A published service and an enterprise to start records for."""
    enterprise = await create_enterprise(
        node, admin, name="深圳市南山区链测科技有限公司", industryCode="6513"
    )
    service = await create_service(
        node, admin, name="知识产权咨询", category="MANAGEMENT_CONSULTING", fee="免费"
    )
    return {"enterpriseId": enterprise, "serviceId": service}


async def served(
    node: NodeServer, admin: str, setup: dict[str, str], fee: str | None = None
) -> dict[str, Any]:
    started = await node.ok(START, {"i": {**setup, "channel": "OFFLINE"}}, admin)
    record = started["startServiceRecord"]["serviceRecord"]
    done = await node.ok(COMPLETE, {"id": record["id"], "fee": fee}, admin)
    return {**done["completeServiceRecord"]["serviceRecord"], "startedAt": record["startedAt"]}


# Edits breaking the last entry, at position $1: (edit, undo, why verify must refuse it).
EDITS = {
    "content": (
        "update chain_entries set content = replace(content, '完成', '未完成') where position = $1",
        "update chain_entries set content = replace(content, '未完成', '完成') where position = $1",
        "content does not match its hash",
    ),
    "previous hash": (
        "update chain_entries set previous_hash = hash where position = $1",
        "update chain_entries set previous_hash ="
        " (select hash from chain_entries where position = $1 - 1) where position = $1",
        "previous hash does not match",
    ),
    "actor column": (
        "update chain_entries set actor = 'someone' where position = $1",
        "update chain_entries set actor = 'admin' where position = $1",
        "row columns differ from the hashed content",
    ),
    "chain head": (
        "update chain_head set length = length - 1 where $1 >= 0",
        "update chain_head set length = length + 1 where $1 >= 0",
        "lies beyond the chain head",
    ),
    "record row": (
        "update service_records set outcome = '伪造的结果' where id ="
        " (select service_record_id from chain_entries where position = $1)",
        "update service_records set outcome = '完成' where id ="
        " (select service_record_id from chain_entries where position = $1)",
        "row differs from its history: outcome",
    ),
}


async def test_verify_names_the_entry_edited_behind_the_nodes_back(
    node: NodeServer, admin: str, setup: dict[str, str]
) -> None:
    record = await served(node, admin, setup)
    completed = record["history"][-1]["position"]
    code, out = verify(node)
    assert code == 0 and out.strip() == f"chain of {completed + 1} entries verified"
    for edit, (change, undo, reason) in EDITS.items():
        await sql(node.db_url, change, completed)
        code, out = verify(node)
        assert code == 1, (edit, out)
        assert f"entry {completed} " in out and record["id"] in out and reason in out, (edit, out)
        await sql(node.db_url, undo, completed)
    assert verify(node)[0] == 0


async def test_verify_names_a_deleted_entry(
    node: NodeServer, admin: str, setup: dict[str, str]
) -> None:
    record = await served(node, admin, setup)
    started = record["history"][0]["position"]
    columns = (
        "id, created_at, position, service_record_id, kind, actor, content, previous_hash, hash"
    )
    row = await sql(
        node.db_url, f"select {columns} from chain_entries where position = $1", started
    )
    await sql(node.db_url, "delete from chain_entries where position = $1", started)
    code, out = verify(node)
    assert code == 1 and f"entry {started} is missing" in out, out
    values = ", ".join(f"${i}" for i in range(1, 10))
    await sql(node.db_url, f"insert into chain_entries ({columns}) values ({values})", *row[0])
    assert verify(node)[0] == 0


async def test_canonical_content_hashes_the_same_after_a_database_round_trip(
    node: NodeServer, admin: str, setup: dict[str, str]
) -> None:
    record = await served(node, admin, setup, fee="1500.50")
    started, completed = (json.loads(e["content"]) for e in record["history"])
    assert completed["fee"] == "1500.5" and Decimal(record["fee"]) == Decimal("1500.50")
    # Microseconds kept: the hashed time is the time the record holds, to the microsecond.
    assert started["startedAt"].endswith("Z") and len(started["startedAt"].split(".")[1]) == 7
    assert datetime.fromisoformat(started["startedAt"]) == datetime.fromisoformat(
        record["startedAt"]
    )
    # A fresh process reads every row back and compares it with what was hashed.
    node.stop()
    node.start()
    code, out = verify(node)
    assert code == 0, out


async def test_concurrent_writers_extend_one_chain_without_a_fork(
    node: NodeServer, admin: str, setup: dict[str, str]
) -> None:
    length = (await node.ok("{ nodeInfo { chainLength } }"))["nodeInfo"]["chainLength"]
    # Each call opens its own HTTP client, so the server gives each its own connection.
    starts = await asyncio.gather(
        *(node.call(START, {"i": {**setup, "channel": "ONLINE"}}, admin) for _ in range(WRITERS))
    )
    assert all(not r.errors for r in starts), [r.errors for r in starts if r.errors]
    ids = [r.data["startServiceRecord"]["serviceRecord"]["id"] for r in starts if r.data]
    completes = await asyncio.gather(
        *(node.call(COMPLETE, {"id": record, "fee": "10"}, admin) for record in ids)
    )
    assert all(not r.errors for r in completes), [r.errors for r in completes if r.errors]
    rows = await sql(
        node.db_url, "select position, previous_hash, hash from chain_entries order by position"
    )
    assert fork_problems(rows, length + 2 * WRITERS) == []
    info = (await node.ok("{ nodeInfo { chainHead chainLength } }"))["nodeInfo"]
    assert (info["chainLength"], info["chainHead"]) == (len(rows), rows[-1][2])
    code, out = verify(node)
    assert code == 0 and out.strip() == f"chain of {len(rows)} entries verified"


def fork_problems(rows: list[tuple[Any, ...]], expected: int) -> list[str]:
    """What is wrong with (position, previous_hash, hash) rows of a chain meant to hold
    ``expected`` entries: gaps, lost entries, or two entries extending the same one (a fork)."""
    problems = []
    if len(rows) != expected:
        problems.append(f"{len(rows)} entries, not {expected}")
    if [r[0] for r in rows] != list(range(len(rows))):
        problems.append("positions are not 0..n-1")
    previous = [r[1] for r in rows]
    if len(set(previous)) != len(previous):
        problems.append("two entries extend the same entry: a fork")
    if previous != [chain.GENESIS_HASH] + [r[2] for r in rows[:-1]]:
        problems.append("an entry does not extend the one before it")
    return problems


async def naive_append(
    service_record_id: uuid.UUID,
    kind: str,
    actor: str,
    content: dict[str, Any],
    connection: BaseDBAsyncClient,
) -> ChainEntry:
    """``chain.append`` without the lock: read the head, then write after it."""
    head = await ChainHead.filter(id=1).using_db(connection).first()
    if head is None:
        head = await ChainHead.create(id=1, length=0, hash=chain.GENESIS_HASH, using_db=connection)
    text = chain.canonical_json(
        {"kind": kind, "serviceRecord": service_record_id, "actor": actor, **content}
    )
    entry = await ChainEntry.create(
        position=head.length,
        service_record_id=service_record_id,
        kind=kind,
        actor=actor,
        content=text,
        previous_hash=head.hash,
        hash=chain.link_hash(head.hash, text),
        using_db=connection,
    )
    head.length, head.hash = head.length + 1, entry.hash
    await head.save(update_fields=["length", "hash"], using_db=connection)
    return entry


@pytest.fixture
async def postgres_node_db(
    make_db_url: Callable[[str], str],
) -> AsyncIterator[tuple[uuid.UUID, uuid.UUID]]:
    """A fresh PostgreSQL node database opened in this process: an enterprise and a published
    service, and an empty chain, so the first appenders also race to create its head."""
    async with open_node_db(make_db_url("postgres")):
        saved = await enterprises.create_enterprise(
            STAFF,
            name="深圳并发测试有限公司",
            uscc=make_uscc(),
            region_code="440305",
            industry_code="6513",
        )
        service = await published_service(STAFF, name="政策咨询", category="POLICY")
        yield saved.enterprise.id, service.id


async def concurrent_records(enterprise_id: uuid.UUID, service_id: uuid.UUID) -> list[str]:
    """WRITERS records started at once, then completed at once, each in its own transaction
    (the pool gives each its own connection); the fork check's findings (empty: no fork)."""
    started = await asyncio.gather(
        *(
            records.start_service_record(STAFF, enterprise_id, service_id, records.Channel.ONLINE)
            for _ in range(WRITERS)
        ),
        return_exceptions=True,
    )
    completed = await asyncio.gather(
        *(
            records.complete_service_record(STAFF, record.id, "完成")
            for record in started
            if isinstance(record, ServiceRecord)
        ),
        return_exceptions=True,
    )
    failed = [type(r).__name__ for r in (*started, *completed) if isinstance(r, BaseException)]
    rows = [
        (e.position, e.previous_hash, e.hash) for e in await ChainEntry.all().order_by("position")
    ]
    problems = fork_problems(rows, 2 * WRITERS)
    if failed:
        problems.append(f"{len(failed)} changes failed: {', '.join(sorted(set(failed)))}")
    return problems


async def test_locked_append_keeps_one_chain_under_concurrent_transactions(
    postgres_node_db: tuple[uuid.UUID, uuid.UUID],
) -> None:
    assert await concurrent_records(*postgres_node_db) == []
    assert (await chain.verify())[1] is None


async def test_naive_append_is_caught_by_the_same_fork_check(
    postgres_node_db: tuple[uuid.UUID, uuid.UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shows the check above can fail: without the head lock the chain breaks."""
    monkeypatch.setattr(chain, "append", naive_append)
    problems = await concurrent_records(*postgres_node_db)
    assert problems, "a naive append survived concurrent writers: the test proves nothing"


async def test_verify_catches_a_feedback_rating_changed_behind_the_nodes_back(
    node: NodeServer, admin: str, setup: dict[str, str]
) -> None:
    record = await served(node, admin, setup)
    await node.ok(
        "mutation($i: FeedbackInput!) { submitFeedback(input: $i) { feedback { rating } } }",
        {"i": {"serviceRecordId": record["id"], "rating": 2, "comment": "等待太久"}},
        admin,
    )
    assert verify(node)[0] == 0
    local = record["id"].split(":", 1)[1]
    await sql(node.db_url, f"update feedback set rating = 5 where service_record_id = '{local}' and $1 >= 0", 0)
    code, out = verify(node)
    assert code == 1 and "feedback row differs from its chain entry" in out and record["id"] in out
    await sql(node.db_url, f"update feedback set rating = 2 where service_record_id = '{local}' and $1 >= 0", 0)
    assert verify(node)[0] == 0
