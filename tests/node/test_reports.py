"""The window's reports (node.domain.reports), on SQLite and PostgreSQL: signed over their
content with the node's key, with the chain's head and length, queued in the outbox in the same
transaction, versioned; and a period's scheduled reports written once, even by two schedulers
(two processes) on one database at once; and a node that was down writes every period it
missed."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import pytest

from federation.errors import Forbidden, InputError
from federation.periods import Period, last_ended
from federation.schedule import Job, Scheduler
from federation.signatures import verify
from federation.trust import KeyPair, generate_key
from node.config import NodeSettings
from node.domain import chain, reports
from node.domain.access import Actor, Role
from node.domain.periods import local_today
from node.models import Lease, OutboxMessage, Report
from tests.conftest import DATABASES
from tests.support.node_db import open_node_db

STAFF = Actor(username="staff", user_id=uuid.uuid4(), roles=frozenset({Role.STAFF}))
READER = Actor(username="reader", user_id=uuid.uuid4(), roles=frozenset({Role.READONLY}))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> NodeSettings:
    data: Path = tmp_path_factory.mktemp("reports")
    return NodeSettings(
        window_id="sz-rpt", name="窗口", region_code="440305", hub="http://hub", data_dir=data
    )


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return generate_key()


@pytest.fixture(scope="module", params=DATABASES)
async def database(
    request: pytest.FixtureRequest, make_db_url: Callable[[str], str]
) -> AsyncIterator[str]:
    async with open_node_db(make_db_url(request.param)):
        yield request.param


@pytest.fixture
async def empty(database: str) -> None:
    await Report.all().delete()
    await OutboxMessage.all().delete()
    await Lease.all().delete()


def test_periods_are_months_and_quarters() -> None:
    assert Period.parse("2026-02") == Period("2026-02", date(2026, 2, 1), date(2026, 2, 28))
    assert Period.parse("2025-Q4") == Period("2025-Q4", date(2025, 10, 1), date(2025, 12, 31))
    assert last_ended(date(2026, 1, 15)) == [
        Period.parse("2025-12"),
        Period.parse("2025-Q4"),
    ]
    for bad in ("2026-13", "2026-Q5", "2026", "26-01", "2026-1"):
        with pytest.raises(InputError):
            Period.parse(bad)


async def test_a_report_is_signed_over_its_content_with_the_chain_head(
    empty: None, settings: NodeSettings, key: KeyPair
) -> None:
    report = await reports.write_report(STAFF, settings, key, "SERVICE_DATA", "2026-01")
    assert verify(key.jwk(), report.content, report.signature)
    assert not verify(key.jwk(), report.content.replace("2026-01", "2026-02"), report.signature)
    assert not verify(generate_key().jwk(), report.content, report.signature)
    content = json.loads(report.content)
    head, length = await chain.head()
    assert content["chain"] == {"head": head, "length": length}
    assert (report.chain_head, report.chain_length) == (head, length)
    assert content["id"] == f"sz-rpt:{report.id}" and content["version"] == 1
    assert content["figures"]["servicesDelivered"] == 0
    assert (content["from"], content["to"]) == ("2026-01-01", "2026-01-31")


async def test_a_report_and_its_outbox_message_are_written_together(
    empty: None, settings: NodeSettings, key: KeyPair
) -> None:
    report = await reports.write_report(STAFF, settings, key, "SUMMARY", "2026-Q1")
    message = await OutboxMessage.get(id=report.outbox_message_id)
    assert message.kind == "report" and message.delivered_at is None
    assert message.payload == {
        "content": report.content,
        "signature": report.signature,
        "kid": key.kid,
    }
    content = json.loads(report.content)
    assert set(content["figures"]) == set(reports.HEADLINE)
    assert content["text"].startswith("2026-Q1：服务企业 0 家")


async def test_a_correction_is_the_next_version_with_its_own_id(
    empty: None, settings: NodeSettings, key: KeyPair
) -> None:
    first = await reports.write_report(STAFF, settings, key, "SERVICE_PLAN", "2026-Q3", "计划")
    second = await reports.write_report(
        STAFF, settings, key, "SERVICE_PLAN", "2026-Q3", "计划（修订）"
    )
    assert (first.version, second.version) == (1, 2) and first.id != second.id
    assert json.loads(second.content)["text"] == "计划（修订）"
    assert await OutboxMessage.all().count() == 2


@pytest.mark.parametrize(
    ("actor", "kind", "period", "text", "error"),
    [
        (READER, "SERVICE_DATA", "2026-01", "", Forbidden),
        (STAFF, "SERVICE_PLAN", "2026-01", "  ", InputError),  # a plan is text
        (STAFF, "SERVICE_DATA", "2026-1", "", InputError),
        (STAFF, "NOT_A_KIND", "2026-01", "", ValueError),
        (STAFF, "SERVICE_DATA", "2999-01", "", InputError),  # not ended
    ],
)
async def test_refused_reports_write_nothing(
    empty: None,
    settings: NodeSettings,
    key: KeyPair,
    actor: Actor,
    kind: str,
    period: str,
    text: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await reports.write_report(actor, settings, key, kind, period, text)
    assert await Report.all().count() == 0 and await OutboxMessage.all().count() == 0


def expected_scheduled(settings: NodeSettings) -> set[tuple[str, str, int]]:
    ended = last_ended(local_today(settings.timezone))
    return {(k.value, p.label, 1) for p in ended for k in reports.SCHEDULED}


async def written() -> list[tuple[str, str, int]]:
    return list(await Report.all().values_list("kind", "period", "version"))


async def test_two_schedulers_on_one_database_write_a_periods_reports_once(
    empty: None, settings: NodeSettings, key: KeyPair
) -> None:
    async def write_due() -> None:
        await reports.write_due(settings, key)

    schedulers = [Scheduler([Job("reports", 0.05, write_due)], Lease, h) for h in "ab"]
    tasks = [asyncio.create_task(s.run()) for s in schedulers]
    await asyncio.sleep(1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    rows = await written()
    assert sorted(rows) == sorted(expected_scheduled(settings))
    assert await OutboxMessage.all().count() == len(rows)


async def test_the_unique_key_keeps_it_once_even_without_the_lease(
    empty: None, settings: NodeSettings, key: KeyPair
) -> None:
    await asyncio.gather(*(reports.write_due(settings, key) for _ in range(4)))
    rows = await written()
    assert sorted(rows) == sorted(expected_scheduled(settings))
    assert await OutboxMessage.all().count() == len(rows)


def months_before(today: date, count: int) -> list[str]:
    """The labels of the ``count`` months before ``today``'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count, index)]


def with_quarters(months: list[str]) -> list[str]:
    closing = {"03": "Q1", "06": "Q2", "09": "Q3", "12": "Q4"}
    labels = []
    for month in months:
        labels.append(month)
        if month[5:] in closing:
            labels.append(f"{month[:4]}-{closing[month[5:]]}")
    return labels


async def test_a_node_down_for_months_writes_every_period_it_missed(
    empty: None, settings: NodeSettings, key: KeyPair
) -> None:
    today = local_today(settings.timezone)
    missed = months_before(today, 4)
    # The scheduler last reported four months ago (the data report only), then the node stopped.
    await reports.write_report(
        reports.SCHEDULER, settings, key, "SERVICE_DATA", missed[0], first_only=True
    )
    await reports.write_due(settings, key)
    rows = await written()
    # A quarter that closed with the month four months ago was owed then too: it is written.
    expected = {(k.value, p, 1) for p in with_quarters(missed) for k in reports.SCHEDULED}
    assert sorted(rows) == sorted(expected)
    assert await OutboxMessage.all().count() == len(rows)
    # Once is enough: a second round writes nothing.
    assert await reports.write_due(settings, key) == []


async def test_a_node_down_for_years_catches_up_two_years_at_most(
    empty: None, settings: NodeSettings, key: KeyPair
) -> None:
    today = local_today(settings.timezone)
    await reports.write_report(
        reports.SCHEDULER, settings, key, "SERVICE_DATA", "2015-01", first_only=True
    )
    written_now = await reports.write_due(settings, key)
    months = months_before(today, reports.CATCH_UP_MONTHS)
    assert {r.period for r in written_now} == set(with_quarters(months))
