"""Vouchers over GraphQL: issued, redeemed once against a value-added service record, refused
with their own codes when expired or for the wrong category — and spent once under races."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from tortoise.transactions import in_transaction

from federation.errors import AlreadyRedeemed
from node.domain import enterprises, records, vouchers
from node.domain.access import Actor, Role
from node.domain.periods import local_today
from node.models import ServiceRecord, Voucher
from tests.support.factories import (
    create_enterprise,
    create_service,
    create_service_record,
    make_uscc,
    staff_and_readonly,
)
from tests.support.node_db import open_node_db, published_service
from tests.support.node_server import NodeServer

VOUCHER = "id status amount validUntil categories issuedBy redeemedAt serviceRecordId"
ISSUE = f"""mutation($input: IssueVoucherInput!) {{
  issueVoucher(input: $input) {{ voucher {{ {VOUCHER} enterprise {{ id }} }} }} }}"""
REDEEM = f"""mutation($id: ID!, $record: ID!) {{
  redeemVoucher(id: $id, serviceRecordId: $record) {{ voucher {{ {VOUCHER} }} }} }}"""
LIST = f"""query($filter: VoucherFilter) {{
  vouchers(filter: $filter, first: 100) {{ totalCount edges {{ node {{ {VOUCHER} }} }} }} }}"""
COMPLETE = """mutation($id: ID!, $input: CompleteServiceRecordInput!) {
  completeServiceRecord(id: $id, input: $input) {
    serviceRecord { id status voucher { id status } history { kind } } } }"""
RECORD = """query($enterprise: ID!) { serviceRecords(filter: {enterpriseId: $enterprise}) {
  edges { node { id voucher { id } history { kind } } } } }"""
MISSING = "sz-ns:01890000-0000-7000-8000-000000000000"


def _today() -> str:
    return local_today(vouchers.LOCAL_TIMEZONE).isoformat()


@pytest.fixture(scope="module")
async def tokens(node: NodeServer, admin: str) -> dict[str, str]:
    return {"ADMIN": admin, **await staff_and_readonly(node, admin, "vou")}


@pytest.fixture(scope="module")
async def services(node: NodeServer, tokens: dict[str, str]) -> dict[str, str]:
    """Published services: value-added testing and training, and a public-welfare one."""
    return {
        key: await create_service(
            node, tokens["ADMIN"], name=f"检测服务 {key}", category=category, publicWelfare=free
        )
        for key, category, free in (
            ("testing", "QUALITY_TESTING", False),
            ("training", "TRAINING", False),
            ("free", "QUALITY_TESTING", True),
        )
    }


async def _voucher(node: NodeServer, token: str, enterprise: str, **fields: Any) -> dict[str, Any]:
    valid_until = (local_today(vouchers.LOCAL_TIMEZONE) + timedelta(days=30)).isoformat()
    data = await node.ok(
        ISSUE,
        {
            "input": {
                "enterpriseId": enterprise,
                "amount": "500.00",
                "validUntil": valid_until,
                **fields,
            }
        },
        token,
    )
    return dict(data["issueVoucher"]["voucher"])


async def _listed(node: NodeServer, token: str, status: str | None = None) -> dict[str, str]:
    data = await node.ok(LIST, {"filter": {"status": status}}, token)
    return {e["node"]["id"]: e["node"]["status"] for e in data["vouchers"]["edges"]}


async def _expire_behind_the_nodes_back(node: NodeServer, voucher: str) -> None:
    """A voucher whose last day has passed: the node cannot issue one, so write the row."""
    key = voucher.split(":", 1)[1]
    sql = f"UPDATE vouchers SET valid_until = '2020-01-31' WHERE id = '{key}'"
    if node.db_url.startswith("sqlite://"):
        with sqlite3.connect(node.db_url.removeprefix("sqlite://")) as conn:
            assert conn.execute(sql).rowcount == 1
        return
    pg = await asyncpg.connect(node.db_url)
    try:
        assert await pg.execute(sql) == "UPDATE 1"
    finally:
        await pg.close()


async def test_voucher_is_issued_and_redeemed_against_a_delivered_service(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(
        node, staff, enterprise, categories=["QUALITY_TESTING", "QUALITY_TESTING"]
    )
    assert voucher["status"] == "ISSUED" and voucher["issuedBy"] == "staff-vou"
    assert voucher["categories"] == ["QUALITY_TESTING"] and voucher["amount"] == "500.00"
    record = await create_service_record(node, staff, enterprise, services["testing"])
    data = await node.ok(REDEEM, {"id": voucher["id"], "record": record}, staff)
    redeemed = data["redeemVoucher"]["voucher"]
    assert redeemed["status"] == "REDEEMED" and redeemed["serviceRecordId"] == record
    assert redeemed["redeemedAt"] is not None
    listed = await node.ok(RECORD, {"enterprise": enterprise}, staff)
    (shown,) = [e["node"] for e in listed["serviceRecords"]["edges"]]
    assert shown["voucher"] == {"id": voucher["id"]}
    # The record's current view changed, so its history has an entry saying so.
    assert [h["kind"] for h in shown["history"]][-1] == vouchers.CHAIN_KIND_VOUCHER
    assert (await _listed(node, tokens["READONLY"], "REDEEMED"))[voucher["id"]] == "REDEEMED"


async def test_voucher_is_redeemed_when_completing_a_record(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(node, staff, enterprise)  # no categories: any value-added service
    record = await create_service_record(
        node, staff, enterprise, services["training"], complete=False
    )
    data = await node.ok(
        COMPLETE,
        {"id": record, "input": {"outcome": "培训完成", "voucherId": voucher["id"]}},
        staff,
    )
    completed = data["completeServiceRecord"]["serviceRecord"]
    assert completed["voucher"] == {"id": voucher["id"], "status": "REDEEMED"}


async def test_redeemed_voucher_is_not_redeemed_again(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(node, staff, enterprise)
    first = await create_service_record(node, staff, enterprise, services["testing"])
    second = await create_service_record(node, staff, enterprise, services["testing"])
    await node.ok(REDEEM, {"id": voucher["id"], "record": first}, staff)
    before = await node.snapshot()
    again = await node.call(REDEEM, {"id": voucher["id"], "record": second}, staff)
    assert again.codes == ["ALREADY_REDEEMED"]
    assert await node.snapshot() == before


async def test_expired_voucher_is_refused_and_shown_expired(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(node, staff, enterprise, validUntil=_today())  # valid all of today
    await _expire_behind_the_nodes_back(node, voucher["id"])
    record = await create_service_record(node, staff, enterprise, services["testing"])
    unfinished = await create_service_record(
        node, staff, enterprise, services["testing"], complete=False
    )
    before = await node.snapshot()
    assert (await node.call(REDEEM, {"id": voucher["id"], "record": record}, staff)).codes == [
        "VOUCHER_EXPIRED"
    ]
    completing = await node.call(
        COMPLETE,
        {"id": unfinished, "input": {"outcome": "完成", "voucherId": voucher["id"]}},
        staff,
    )
    assert completing.codes == ["VOUCHER_EXPIRED"]
    assert await node.snapshot() == before
    assert (await _listed(node, staff))[voucher["id"]] == "EXPIRED"
    assert voucher["id"] in await _listed(node, staff, "EXPIRED")
    assert voucher["id"] not in await _listed(node, staff, "ISSUED")


async def test_voucher_for_other_categories_is_refused(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(node, staff, enterprise, categories=["TRAINING", "FINANCING"])
    record = await create_service_record(node, staff, enterprise, services["testing"])
    before = await node.snapshot()
    result = await node.call(REDEEM, {"id": voucher["id"], "record": record}, staff)
    assert result.codes == ["VOUCHER_CATEGORY_MISMATCH"]
    assert await node.snapshot() == before


async def test_voucher_does_not_pay_for_a_public_welfare_service(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(node, staff, enterprise)
    record = await create_service_record(node, staff, enterprise, services["free"])
    before = await node.snapshot()
    result = await node.call(REDEEM, {"id": voucher["id"], "record": record}, staff)
    assert result.codes == ["BAD_INPUT"] and "public-welfare" in result.errors[0]["message"]
    assert await node.snapshot() == before


async def test_voucher_needs_its_own_enterprises_completed_record_without_a_voucher(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise, other = await create_enterprise(node, staff), await create_enterprise(node, staff)
    voucher = (await _voucher(node, staff, enterprise))["id"]
    paid = await create_service_record(node, staff, enterprise, services["testing"])
    await node.ok(
        REDEEM, {"id": (await _voucher(node, staff, enterprise))["id"], "record": paid}, staff
    )
    in_progress = await create_service_record(
        node, staff, enterprise, services["testing"], complete=False
    )
    others = await create_service_record(node, staff, other, services["testing"])
    before = await node.snapshot()
    cases = [
        (voucher, in_progress, "INVALID_TRANSITION"),
        (voucher, paid, "CONFLICT"),
        (voucher, others, "BAD_INPUT"),
        (MISSING, others, "NOT_FOUND"),
        (voucher, MISSING, "NOT_FOUND"),
    ]
    for voucher_id, record, code in cases:
        result = await node.call(REDEEM, {"id": voucher_id, "record": record}, staff)
        assert result.codes == [code], (voucher_id, record)
    assert await node.snapshot() == before


async def test_bad_voucher_input_changes_nothing(node: NodeServer, tokens: dict[str, str]) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    yesterday = (local_today(vouchers.LOCAL_TIMEZONE) - timedelta(days=1)).isoformat()
    before = await node.snapshot()
    cases = [
        ({"enterpriseId": enterprise, "amount": "0"}, "BAD_INPUT"),
        ({"enterpriseId": enterprise, "amount": "-5"}, "BAD_INPUT"),
        ({"enterpriseId": enterprise, "validUntil": yesterday}, "BAD_INPUT"),
        ({"enterpriseId": MISSING}, "NOT_FOUND"),
    ]
    for fields, code in cases:
        input_ = {"amount": "100", "validUntil": _today(), **fields}
        assert (await node.call(ISSUE, {"input": input_}, staff)).codes == [code], fields
    assert await node.snapshot() == before


async def test_readonly_reads_but_never_changes_vouchers_and_anonymous_sees_none(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff, readonly = tokens["STAFF"], tokens["READONLY"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(node, staff, enterprise)
    record = await create_service_record(node, staff, enterprise, services["testing"])
    issue = {"input": {"enterpriseId": enterprise, "amount": "100", "validUntil": _today()}}
    before = await node.snapshot()
    for token, code in ((readonly, "FORBIDDEN"), (None, "UNAUTHENTICATED")):
        assert (await node.call(ISSUE, issue, token)).codes == [code]
        redeem = await node.call(REDEEM, {"id": voucher["id"], "record": record}, token)
        assert redeem.codes == [code]
    assert await node.snapshot() == before
    assert (await _listed(node, readonly))[voucher["id"]] == "ISSUED"
    assert (await node.call(LIST, {"filter": None})).codes == ["UNAUTHENTICATED"]


async def test_concurrent_redemptions_spend_a_voucher_once(
    node: NodeServer, tokens: dict[str, str], services: dict[str, str]
) -> None:
    staff = tokens["STAFF"]
    enterprise = await create_enterprise(node, staff)
    voucher = await _voucher(node, staff, enterprise)
    records_ = [
        await create_service_record(node, staff, enterprise, services["testing"]) for _ in range(10)
    ]
    # Each call opens its own HTTP client, so the server serves each on its own connection.
    results = await asyncio.gather(
        *(node.call(REDEEM, {"id": voucher["id"], "record": r}, staff) for r in records_)
    )
    codes = sorted(r.codes[0] if r.codes else "OK" for r in results)
    assert codes == ["ALREADY_REDEEMED"] * 9 + ["OK"]
    listed = await node.ok(RECORD, {"enterprise": enterprise}, staff)
    paid = [e["node"]["id"] for e in listed["serviceRecords"]["edges"] if e["node"]["voucher"]]
    (winner,) = [r.data["redeemVoucher"]["voucher"] for r in results if not r.codes]
    assert paid == [winner["serviceRecordId"]]


# The same race in-process, against the real redemption and a deliberately naive one, so the
# assertion is shown able to fail.

STAFF = Actor(username="race", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))
CONCURRENT = 10
Redeem = Callable[[uuid.UUID, uuid.UUID], Awaitable[Any]]


class NaiveRedeem:
    """Read, check in Python, then write: two requests can both pass the check.

    No request writes before a second one has read the voucher — requests arriving together,
    which a real node sees at random and this test needs every time.
    """

    def __init__(self) -> None:
        self.readers = 0
        self.second_read = asyncio.Event()

    async def __call__(self, voucher_id: uuid.UUID, record_id: uuid.UUID) -> None:
        async with in_transaction() as connection:
            voucher = await Voucher.filter(id=voucher_id).using_db(connection).get()
            if voucher.status != "ISSUED":
                raise AlreadyRedeemed(f"voucher {voucher_id} is already redeemed")
            self.readers += 1
            if self.readers >= 2:
                self.second_read.set()
            await self.second_read.wait()
            record = await ServiceRecord.filter(id=record_id).using_db(connection).get()
            voucher.status, voucher.redeemed_at = "REDEEMED", datetime.now(UTC)
            voucher.service_record_id = record.id
            await voucher.save(using_db=connection)
            record.voucher_id = voucher.id
            await record.save(update_fields=["voucher_id"], using_db=connection)


async def real_redeem(voucher_id: uuid.UUID, record_id: uuid.UUID) -> None:
    await vouchers.redeem_voucher(STAFF, voucher_id, record_id)


@pytest.fixture
async def postgres_db(make_db_url: Callable[[str], str]) -> AsyncIterator[None]:
    async with open_node_db(make_db_url("postgres")):
        yield


async def _race(redeem: Redeem) -> tuple[uuid.UUID, list[Any]]:
    enterprise = (
        await enterprises.create_enterprise(
            STAFF, name="并发测试企业", uscc=make_uscc(), region_code="440305", industry_code="3981"
        )
    ).enterprise
    service = await published_service(
        STAFF, name="检测", category="QUALITY_TESTING", public_welfare=False, fee="按件"
    )
    record_ids = []
    for _ in range(CONCURRENT):
        record = await records.start_service_record(
            STAFF, enterprise.id, service.id, records.Channel.OFFLINE
        )
        await records.complete_service_record(STAFF, record.id, "完成")
        record_ids.append(record.id)
    voucher = await vouchers.issue_voucher(
        STAFF, enterprise.id, Decimal("300"), local_today(vouchers.LOCAL_TIMEZONE), []
    )
    # Each task runs its own transaction, so each holds its own pooled connection.
    results = await asyncio.gather(
        *(redeem(voucher.id, r) for r in record_ids), return_exceptions=True
    )
    return voucher.id, results


async def assert_redeemed_once(voucher_id: uuid.UUID, results: list[Any]) -> None:
    """Exactly one redemption won, the others were told ALREADY_REDEEMED, one record paid."""
    assert sum(r is None for r in results) == 1, results
    assert all(r is None or isinstance(r, AlreadyRedeemed) for r in results), results
    assert await ServiceRecord.filter(voucher_id=voucher_id).count() == 1


@pytest.mark.parametrize("kind", ["conditional", "naive"])
async def test_redemption_race_on_postgresql(postgres_db: None, kind: str) -> None:
    if kind == "naive":
        voucher_id, results = await _race(NaiveRedeem())
        with pytest.raises(AssertionError):
            await assert_redeemed_once(voucher_id, results)
    else:
        await assert_redeemed_once(*await _race(real_redeem))
