"""`smenet node seed` demo data and the `smenet demo` command, run as a user would."""

from __future__ import annotations

import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from node.domain.catalogue import ServiceCategory
from node.reference import check_region_code, normalize_uscc
from tests.support.node_server import ADMIN_PASSWORD, ROOT, free_port, smenet


def _init(data: Path, window_id: str, region: str, *extra: str) -> None:
    done = smenet("node", "init", "--data", str(data), "--window-id", window_id,
                  "--name", "演示窗口", "--region", region, "--admin-password", ADMIN_PASSWORD,
                  *extra)
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


def test_seed_fills_a_window_with_valid_data_once(tmp_path: Path) -> None:
    _init(tmp_path, "sz-ns", "440305")
    assert "sz-ns seeded" in _seed(tmp_path)

    companies = _rows(tmp_path, "select * from enterprises")
    assert len(companies) == 40
    for company in companies:
        assert normalize_uscc(company["uscc"]) == company["uscc"]
        assert company["region_code"].startswith("4403")
        assert not check_region_code(company["region_code"]).retired
        assert company["contact_name"] and company["contact_phone"].startswith("1")
    assert len({c["name"] for c in companies}) == 40
    assert {c["size_class"] for c in companies} == {"MICRO", "SMALL", "MEDIUM"}
    for agency in _rows(tmp_path, "select uscc from agencies"):
        assert normalize_uscc(agency["uscc"]) == agency["uscc"]
    assert 10 <= len(_rows(tmp_path, "select id from experts")) <= 20

    services = _rows(tmp_path, "select * from services")
    assert 20 <= len(services) <= 40
    assert {s["category"] for s in services} == set(ServiceCategory)
    published = [s for s in services if s["status"] == "PUBLISHED"]
    assert {s["category"] for s in published} == set(ServiceCategory)
    for service in published:
        assert all(service[name] for name in ("function", "process", "standard", "fee"))
        assert service["time_limit_days"] > 0
    statuses = sorted(s["status"] for s in services if s["status"] != "PUBLISHED")
    assert statuses == ["DRAFT", "DRAFT", "RETIRED"]
    users = {u["username"]: u["roles"] for u in _rows(tmp_path, "select * from users")}
    assert users == {"admin": '["WINDOW_ADMIN"]', "staff": '["STAFF"]', "viewer": '["READONLY"]'}

    before = {t: _rows(tmp_path, f"select count(*) as n from {t}")[0]["n"]
              for t in ("enterprises", "services", "agencies", "experts", "users")}
    assert "nothing seeded" in _seed(tmp_path)
    after = {t: _rows(tmp_path, f"select count(*) as n from {t}")[0]["n"] for t in before}
    assert after == before


def test_seed_gives_a_window_the_same_data_and_keeps_to_its_industries(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for data in (first, again):
        _init(data, "dg-elec", "441900", "--kind", "industry", "--industries", "C39")
        _seed(data, "--size", "12")
    _init(other, "gz-th", "440106")
    _seed(other, "--size", "12")

    def companies(data: Path) -> list[tuple[str, str]]:
        return [(r["name"], r["uscc"]) for r in
                _rows(data, "select name, uscc from enterprises order by uscc")]

    assert companies(first) == companies(again)
    assert companies(first) != companies(other)
    industries = _rows(first, "select industry_code, region_code from enterprises")
    assert len(industries) == 12
    assert all(r["industry_code"].startswith("39") for r in industries)
    assert {r["region_code"] for r in industries} == {"441900"}


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_base() -> int:
    """A base port whose next two ports are free (the base itself stays the hub's)."""
    while True:
        base = free_port() - 1
        if _bindable(base + 1) and _bindable(base + 2):
            return base


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_demo_serves_seeded_windows_until_interrupted(tmp_path: Path) -> None:
    base = _free_base()
    demo = subprocess.Popen(
        [sys.executable, "-m", "smenet", "demo", "--nodes", "2", "--port", str(base),
         "--data", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines, output, deadline = _lines(demo), "", time.monotonic() + 25
        while "press Ctrl-C to stop" not in output:
            try:
                output += lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                pytest.fail(f"no banner within 25 s:\n{output}")
        urls = re.findall(r"http://127\.0\.0\.1:\d+/graphql", output)
        assert urls == [f"http://127.0.0.1:{base + 1}/graphql",
                        f"http://127.0.0.1:{base + 2}/graphql"]
        assert "staff" in output and "demo-pass-1" in output and "demo-admin-1" in output

        query = "{ nodeInfo { windowId } services(first: 5) { totalCount } }"
        with httpx.Client(trust_env=False, timeout=10) as client:
            answers = [client.post(url, json={"query": query}).json()["data"] for url in urls]
            login = client.post(urls[1], json={
                "query": 'mutation { login(username: "staff", password: "demo-pass-1") { token } }'
            }).json()
        assert [a["nodeInfo"]["windowId"] for a in answers] == ["sz-ns", "gz-th"]
        assert all(a["services"]["totalCount"] >= 20 for a in answers)
        assert login["data"]["login"]["token"]

        demo.send_signal(signal.SIGINT)
        assert demo.wait(timeout=30) == 0
        assert not _accepts(base + 1) and not _accepts(base + 2)
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=30)


def test_demo_names_a_port_that_is_taken(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = smenet("demo", "--port", str(port - 1), "--data", str(tmp_path))
    assert done.returncode == 2
    assert f"port {port}" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "sz-ns").exists()
