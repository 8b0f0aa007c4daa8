"""`smenet node seed` demo data, run as a user would."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.domain.catalogue import ServiceCategory
from node.reference import check_region_code, normalize_uscc
from tests.support.node_server import ADMIN_PASSWORD, NodeServer, smenet

LIFECYCLE_TABLES = (
    "demands",
    "demand_transitions",
    "service_records",
    "chain_entries",
    "chain_head",
    "feedback",
    "feedback_links",
    "follow_ups",
    "activities",
    "activity_registrations",
    "announcements",
    "vouchers",
    "domain_events",
    "outbox",
)
CATALOGUE_TABLES = ("enterprises", "services", "agencies", "experts", "users")


def _init(data: Path, window_id: str, region: str, *extra: str) -> None:
    done = smenet(
        "node",
        "init",
        "--data",
        str(data),
        "--window-id",
        window_id,
        "--name",
        "演示窗口",
        "--region",
        region,
        "--admin-password",
        ADMIN_PASSWORD,
        *extra,
    )
    assert done.returncode == 0, done.stderr


def _seed(data: Path, *extra: str) -> str:
    done = smenet("node", "seed", "--data", str(data), *extra)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _rows(data: Path, sql: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(data / "node.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql)]
    finally:
        conn.close()


def _count(data: Path, table: str) -> int:
    return int(_rows(data, f"select count(*) as n from {table}")[0]["n"])


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The default demo window, seeded once for the module: its folder and the seed's output."""
    data = tmp_path_factory.mktemp("seeded")
    _init(data, "sz-ns", "440305")
    yield data, _seed(data)


def test_seed_fills_a_window_with_a_valid_catalogue(seeded: tuple[Path, str]) -> None:
    data, output = seeded
    assert "sz-ns seeded" in output and "history" in output

    companies = _rows(data, "select * from enterprises")
    assert len(companies) == 40
    for company in companies:
        assert normalize_uscc(company["uscc"]) == company["uscc"]
        assert company["region_code"].startswith("4403")
        assert not check_region_code(company["region_code"]).retired
        assert company["contact_name"] and company["contact_phone"].startswith("1")
    assert len({c["name"] for c in companies}) == 40
    assert {c["size_class"] for c in companies} == {"MICRO", "SMALL", "MEDIUM"}
    for agency in _rows(data, "select uscc from agencies"):
        assert normalize_uscc(agency["uscc"]) == agency["uscc"]
    assert 10 <= len(_rows(data, "select id from experts")) <= 20

    services = _rows(data, "select * from services")
    assert 20 <= len(services) <= 40
    assert {s["category"] for s in services} == set(ServiceCategory)
    published = [s for s in services if s["status"] == "PUBLISHED"]
    assert {s["category"] for s in published} == set(ServiceCategory)
    for service in published:
        assert all(service[name] for name in ("function", "process", "standard", "fee"))
        assert service["time_limit_days"] > 0
    statuses = sorted(s["status"] for s in services if s["status"] != "PUBLISHED")
    assert statuses == ["DRAFT", "DRAFT", "RETIRED"]
    users = {u["username"]: u["roles"] for u in _rows(data, "select * from users")}
    assert users == {"admin": '["WINDOW_ADMIN"]', "staff": '["STAFF"]', "viewer": '["READONLY"]'}


def test_seed_writes_months_of_history_through_every_lifecycle(seeded: tuple[Path, str]) -> None:
    data, _ = seeded
    assert {table: _count(data, table) > 0 for table in LIFECYCLE_TABLES} == dict.fromkeys(
        LIFECYCLE_TABLES, True
    )
    records = _rows(data, "select * from service_records")
    started = sorted(_time(r["created_at"]) for r in records)
    assert started[-1] - started[0] >= timedelta(days=120)
    assert started[-1] < datetime.now(UTC)
    # The catalogue and the enterprises were there before anything was done with them.
    catalogue = max(_time(r["created_at"]) for r in _rows(data, "select * from enterprises"))
    assert catalogue < started[0]

    demands = _rows(data, "select * from demands")
    statuses = {d["status"] for d in demands}
    assert {"CLOSED", "REJECTED", "ESCALATED"} <= statuses
    assert statuses & {"SUBMITTED", "ACCEPTED"}, "some demands are still open"
    assert all(d["reject_reason"] for d in demands if d["status"] == "REJECTED")
    assert sum(d["status"] == "CLOSED" for d in demands) > len(demands) / 2
    assert {d["submitted_by"] for d in demands} == {"staff", "public"}
    # Every demand's transitions were written in the order of its lifecycle.
    steps: dict[str, list[tuple[str, str | None, str]]] = {}
    for row in _rows(data, "select * from demand_transitions order by created_at"):
        steps.setdefault(row["demand_id"], []).append(
            (row["created_at"], row["from_status"], row["to_status"])
        )
    for transitions in steps.values():
        assert [t[1] for t in transitions[1:]] == [t[2] for t in transitions[:-1]]

    completed = [r for r in records if r["status"] == "COMPLETED"]
    assert {r["channel"] for r in completed} == {"ONLINE", "OFFLINE"}
    assert any(r["demand_id"] is None for r in completed)
    assert sum(r["demand_id"] is not None for r in completed) > len(completed) / 2
    fees = {
        r["id"]: float(r["fee"])
        for r in _rows(
            data,
            "select r.id, r.fee, s.public_welfare from service_records r"
            " join services s on s.id = r.service_id where r.status = 'COMPLETED'",
        )
        if not r["public_welfare"]
    }
    assert fees and all(fee > 0 for fee in fees.values())
    assert all(float(r["fee"]) == 0 for r in completed if r["id"] not in fees)
    paid = [r for r in completed if r["voucher_id"]]
    assert paid and all(r["id"] in fees for r in paid)
    assert 0.55 <= _count(data, "feedback") / len(completed) <= 0.75

    vouchers = [v["status"] for v in _rows(data, "select status from vouchers")]
    assert 0 < vouchers.count("REDEEMED") < len(vouchers)
    registrations = _rows(data, "select * from activity_registrations")
    assert any(r["attended_at"] for r in registrations)
    assert any(r["rating"] for r in registrations)
    assert any(r["enterprise_id"] is None for r in registrations)
    announcements = _rows(data, "select * from announcements")
    assert sorted(a["status"] for a in announcements if a["status"] != "PUBLISHED") == [
        "IN_REVIEW",
        "REJECTED",
    ]
    assert all(
        a["reviewer"] not in (None, a["author"])
        for a in announcements
        if a["status"] == "PUBLISHED"
    )


async def test_seeded_history_verifies_and_is_as_satisfying_as_real_windows(
    seeded: tuple[Path, str],
) -> None:
    data, _ = seeded
    verify = smenet("node", "verify", "--data", str(data))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    first = min(_time(r["created_at"]) for r in _rows(data, "select created_at from demands"))
    node = NodeServer(data_dir=data, db_url=f"sqlite://{data / 'node.sqlite3'}", window_id="sz-ns")
    node.start()
    try:
        stats = (
            await node.ok(
                "query($f: Date!, $t: Date!) { stats(from: $f, to: $t) {"
                " satisfactionRate feedbackCount servicesDelivered demandsOpen } }",
                {"f": str(first.date() - timedelta(days=1)), "t": str(date.today() + timedelta(1))},
                await node.login(),
            )
        )["stats"]
    finally:
        node.stop()
    assert stats["feedbackCount"] == _count(data, "feedback")
    assert 0.85 <= stats["satisfactionRate"] <= 0.95
    assert stats["servicesDelivered"] > 0 and stats["demandsOpen"] > 0


def test_seeding_a_seeded_window_again_adds_nothing(seeded: tuple[Path, str]) -> None:
    data, _ = seeded
    before = {t: _count(data, t) for t in (*CATALOGUE_TABLES, *LIFECYCLE_TABLES)}
    assert "nothing seeded" in _seed(data)
    assert {t: _count(data, t) for t in before} == before


def test_seed_gives_a_window_the_same_data_and_keeps_to_its_industries(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for data in (first, again):
        _init(data, "dg-elec", "441900", "--kind", "industry", "--industries", "C39")
        _seed(data, "--size", "12")
    _init(other, "gz-th", "440106")
    _seed(other, "--size", "12")

    def content(data: Path) -> dict[str, list[tuple[Any, ...]]]:
        """What was seeded, without the ids and times that differ from run to run."""
        queries = {
            "enterprises": "select name, uscc from enterprises",
            "demands": "select e.uscc, d.title, d.status, d.submitted_by from demands d"
            " join enterprises e on e.id = d.enterprise_id",
            "records": "select s.name, r.channel, r.status, r.outcome, r.fee, r.staff"
            " from service_records r join services s on s.id = r.service_id",
            "feedback": "select rating, comment, channel from feedback",
            "vouchers": "select amount, valid_until, status from vouchers",
            "activities": "select a.title, count(r.id) from activities a"
            " left join activity_registrations r on r.activity_id = a.id group by a.id",
            "announcements": "select title, status, author from announcements",
        }
        return {
            name: sorted((tuple(row.values()) for row in _rows(data, sql)), key=repr)
            for name, sql in queries.items()
        }

    assert content(first) == content(again)
    assert content(first)["enterprises"] != content(other)["enterprises"]
    assert content(first)["demands"] != content(other)["demands"]
    industries = _rows(first, "select industry_code, region_code from enterprises")
    assert len(industries) == 12
    assert all(r["industry_code"].startswith("39") for r in industries)
    assert {r["region_code"] for r in industries} == {"441900"}


def test_seed_writes_a_verifiable_history_on_postgresql(
    tmp_path: Path, make_db_url: Callable[[str], str]
) -> None:
    _init(tmp_path, "fs-mach", "440606", "--db", make_db_url("postgres"))
    assert re.search(r"history .*: [1-9]\d* demands", _seed(tmp_path, "--size", "10"))
    verify = smenet("node", "verify", "--data", str(tmp_path))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "nothing seeded" in _seed(tmp_path)


async def test_a_history_that_fails_part_way_says_how_to_start_over(tmp_path: Path) -> None:
    # A `staff` user who may only read cannot do the staff's work in the history.
    _init(tmp_path, "sz-ns", "440305")
    node = NodeServer(
        data_dir=tmp_path, db_url=f"sqlite://{tmp_path / 'node.sqlite3'}", window_id="sz-ns"
    )
    node.start()
    try:
        await node.ok(
            "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }",
            {"i": {"username": "staff", "password": "password-123", "roles": ["READONLY"]}},
            await node.login(),
        )
    finally:
        node.stop()
    done = smenet("node", "seed", "--data", str(tmp_path), "--size", "5")
    assert done.returncode == 2
    assert "demo history failed at step" in done.stderr
    assert f"delete {tmp_path}" in done.stderr and "Traceback" not in done.stderr
    assert _count(tmp_path, "services") > 0 and _count(tmp_path, "demands") == 0
    assert "nothing seeded" in _seed(tmp_path)
