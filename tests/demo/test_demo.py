"""`smenet demo` run as a user runs it: the hub and three windows, each its own process, the
windows onboarded through the hub's workflow with their plugins' demo data; Ctrl-C stops them
all, and a second start on the same folder comes up without doing any of it again.

The demo runs on the embedded default (SQLite) only, as DESIGN §9 says it does.
"""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from federation.testing import free_port
from smenet.demo.client import GraphQL
from smenet.demo.processes import port_free
from tests.support.node_server import ROOT, smenet

# Generous: the first start initialises, seeds and onboards three windows.
BANNER_TIMEOUT_S = 90
STOP_TIMEOUT_S = 30
DEFAULT_WINDOWS = {"gz": [], "dg-ssl": ["equipment", "inspection"], "hz-bl": ["financing"]}
WINDOWS = """{ windows(status: CONNECTED) {
  id kind regionCode endpoint plugins { namespace error } keys { kid revokedAt } } }"""
HISTORY = "query($id: ID!) { window(id: $id) { history { toStatus actor } application { reviews { reviewer } } } }"
APPLICATIONS = '{ auditLog(first: 100, operation: "applyWindow") { totalCount } }'


@dataclass
class Demo:
    """One `smenet demo` process and what it printed so far."""

    base: int
    data: Path
    process: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    output: str = ""
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, base: int, data: Path, nodes: int = 3) -> Demo:
        command = ["demo", "--nodes", str(nodes), "--port", str(base), "--data", str(data)]
        process = subprocess.Popen(
            [sys.executable, "-m", "smenet", *command],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        demo = cls(base, data, process)
        demo.reader = threading.Thread(target=demo._read, daemon=True)
        demo.reader.start()
        return demo

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_banner(self) -> str:
        deadline = time.monotonic() + BANNER_TIMEOUT_S
        while "press Ctrl-C to stop" not in self.output:
            try:
                self.output += self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                pytest.fail(f"no banner within {BANNER_TIMEOUT_S} s:\n{self.output}")
        return self.output

    def rest(self) -> str:
        """Everything it printed, once it has exited."""
        assert self.reader is not None and self.process.poll() is not None
        self.reader.join(timeout=STOP_TIMEOUT_S)
        while not self.lines.empty():
            self.output += self.lines.get()
        return self.output

    def interrupt(self) -> int:
        """Ctrl-C; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=STOP_TIMEOUT_S)

    @property
    def ports(self) -> list[int]:
        return [self.base + i for i in range(len(DEFAULT_WINDOWS) + 1)]

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.base + n}/graphql"


def _free_base(ports: int) -> int:
    while True:
        base = free_port()
        if all(port_free(base + i) for i in range(ports)):
            return base


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The default demo, started once for the module on a fresh folder; stopped at the end
    unless a test stopped it."""
    demo = Demo.start(_free_base(len(DEFAULT_WINDOWS) + 1), tmp_path_factory.mktemp("demo"))
    try:
        demo.wait_for_banner()
        yield demo
    finally:
        demo.interrupt()


def _hub(http: httpx.Client, demo: Demo, user: str | None = None) -> GraphQL:
    hub = GraphQL(http, demo.url(0))
    return (
        hub
        if user is None
        else hub.login(user, "demo-admin-1" if user == "admin" else "demo-hub-1")
    )


def _node_admin(http: httpx.Client, demo: Demo, n: int) -> GraphQL:
    return GraphQL(http, demo.url(n)).login("admin", "demo-admin-1")


def test_the_banner_names_every_server_and_the_demo_logins(demo: Demo) -> None:
    urls = re.findall(r"http://127\.0\.0\.1:\d+/graphql", demo.output)
    assert urls == [demo.url(n) for n in range(4)]
    for login in ("operator", "expert-li", "expert-chen", "supervisor", "staff", "viewer"):
        assert login in demo.output
    assert "demo-admin-1" in demo.output and "demo-hub-1" in demo.output
    assert "{ network { services(first: 5)" in demo.output
    assert demo.url(0).removesuffix("/graphql") + "/dashboard" in demo.output


def test_the_windows_joined_the_hub_through_the_workflow(http: httpx.Client, demo: Demo) -> None:
    windows = {w["id"]: w for w in _hub(http, demo)(WINDOWS)["windows"]}
    assert {wid: [p["namespace"] for p in w["plugins"]] for wid, w in windows.items()} == (
        DEFAULT_WINDOWS
    )
    assert all(p["error"] is None for w in windows.values() for p in w["plugins"])
    assert [windows[wid]["endpoint"] for wid in DEFAULT_WINDOWS] == [demo.url(n) for n in (1, 2, 3)]
    assert windows["dg-ssl"]["kind"] == "INDUSTRY" and windows["hz-bl"]["regionCode"] == "441322"
    # The key registered is the one each node publishes.
    for n, wid in enumerate(DEFAULT_WINDOWS, start=1):
        jwks = http.get(f"http://127.0.0.1:{demo.base + n}/.well-known/jwks.json").json()
        assert [k["kid"] for k in windows[wid]["keys"]] == [jwks["keys"][0]["kid"]]

    operator = _hub(http, demo, "operator")
    for wid in DEFAULT_WINDOWS:
        window = operator(HISTORY, id=wid)["window"]
        assert [step["toStatus"] for step in window["history"]] == [
            "APPLIED",
            "UNDER_REVIEW",
            "APPROVED",
            "IN_PUBLICITY",
            "CONNECTED",
        ]
        reviewers = {review["reviewer"] for review in window["application"]["reviews"]}
        assert reviewers == {"expert-li", "expert-chen"}


def test_the_network_answers_from_every_window(http: httpx.Client, demo: Demo) -> None:
    supervisor = _hub(http, demo, "supervisor")
    network = supervisor("""{ network {
      services(first: 100) { totalCount edges { node { name window { id } } } }
      stats { servicesDelivered windows { window { id } } }
      ext { equipment { instruments(first: 5) { totalCount } }
            financing { products(first: 5) { totalCount } } } } }""")["network"]
    windows = {e["node"]["window"]["id"] for e in network["services"]["edges"]}
    assert windows == set(DEFAULT_WINDOWS)
    assert {r["window"]["id"] for r in network["stats"]["windows"]} == set(DEFAULT_WINDOWS)
    assert network["stats"]["servicesDelivered"] > 0
    assert network["ext"]["equipment"]["instruments"]["totalCount"] >= 4
    assert network["ext"]["financing"]["products"]["totalCount"] >= 1


def _eventually(check: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{check.__name__} not true within {timeout} s"
        time.sleep(0.5)


def test_the_hub_supervises_the_windows(http: httpx.Client, demo: Demo) -> None:
    supervisor, operator = _hub(http, demo, "supervisor"), _hub(http, demo, "operator")
    assert "the hub broadcast a policy to every window" in demo.output
    nodes = {wid: _node_admin(http, demo, n) for n, wid in enumerate(DEFAULT_WINDOWS, start=1)}

    def broadcast_published() -> bool:
        query = "{ announcements(first: 50) { edges { node { fromHub status } } } }"
        return all(
            {"fromHub": True, "status": "PUBLISHED"}
            in [e["node"] for e in node(query)["announcements"]["edges"]]
            for node in nodes.values()
        )

    def reports_received() -> bool:
        reports = supervisor("{ reports { window { id } kind } }")["reports"]
        return {r["window"]["id"] for r in reports} == set(DEFAULT_WINDOWS)

    def escalations_queued() -> bool:
        escalated = {
            wid
            for wid, node in nodes.items()
            if node("{ demands(filter: {status: ESCALATED}) { totalCount } }")["demands"][
                "totalCount"
            ]
        }
        queue = operator("{ routingQueue(first: 100) { edges { node { window { id } } } } }")
        queued = {e["node"]["window"]["id"] for e in queue["routingQueue"]["edges"]}
        return bool(escalated) and escalated <= queued

    _eventually(broadcast_published)
    _eventually(reports_received)
    _eventually(escalations_queued)


def test_each_window_loads_exactly_its_plugins(http: httpx.Client, demo: Demo) -> None:
    query = "{ nodeInfo { windowId plugins { namespace error } } }"
    for n, (wid, plugins) in enumerate(DEFAULT_WINDOWS.items(), start=1):
        info = GraphQL(http, demo.url(n))(query)["nodeInfo"]
        assert info["windowId"] == wid
        assert [p["namespace"] for p in info["plugins"]] == plugins
        config = tomllib.loads((demo.data / wid / "smenet.toml").read_text(encoding="utf-8"))
        assert config["plugins_enabled"] == plugins and config["plugins_strict"] is True
        assert config["hub"] == demo.url(0).removesuffix("/graphql")


def test_the_plugins_hold_demo_data(http: httpx.Client, demo: Demo) -> None:
    cluster = _node_admin(http, demo, 2)
    equipment = cluster("""{ ext { equipment {
      instruments(first: 20) { totalCount }
      bookings(first: 50) { edges { node { status serviceRecordId } } } } } }""")["ext"]
    bookings = [edge["node"] for edge in equipment["equipment"]["bookings"]["edges"]]
    assert equipment["equipment"]["instruments"]["totalCount"] >= 4
    assert {b["status"] for b in bookings} == {"USED", "BOOKED", "CANCELLED"}
    assert all(b["serviceRecordId"] for b in bookings if b["status"] == "USED")
    orders = cluster("""{ ext { inspection { orders(first: 50) {
      edges { node { status report { number conclusion } } } } } } }""")["ext"]["inspection"]
    statuses = [edge["node"] for edge in orders["orders"]["edges"]]
    assert {o["status"] for o in statuses} == {"RECEIVED", "TESTING", "REPORTED", "CANCELLED"}
    reports = [o["report"] for o in statuses if o["status"] == "REPORTED"]
    assert {r["conclusion"] for r in reports} == {"PASS", "FAIL", "INCONCLUSIVE"}

    county = _node_admin(http, demo, 3)
    financing = county("""{ ext { financing {
      products(first: 20) { edges { node { providerKind } } }
      demands(first: 50) { edges { node { status amount product { name } } } } } } }""")
    products = financing["ext"]["financing"]["products"]["edges"]
    demands = [edge["node"] for edge in financing["ext"]["financing"]["demands"]["edges"]]
    assert {"BANK", "GUARANTEE"} <= {p["node"]["providerKind"] for p in products}
    assert {d["status"] for d in demands} == {"OPEN", "MATCHED", "APPROVED", "DECLINED"}
    assert all(d["product"] for d in demands if d["status"] != "OPEN")

    # The comprehensive city window has no plugin, so no `ext` field of one either.
    answer = http.post(demo.url(1), json={"query": "{ ext { equipment { __typename } } }"})
    assert answer.json()["errors"]


def test_ctrl_c_stops_all_and_a_restart_does_nothing_twice(http: httpx.Client, demo: Demo) -> None:
    before = _plugin_counts(http, demo)
    assert demo.interrupt() == 0
    assert "demo stopped" in demo.rest()
    assert [port for port in demo.ports if _accepts(port)] == []

    again = Demo.start(demo.base, demo.data)
    try:
        output = again.wait_for_banner()
        for step in ("initialised", "seeded", "connected to the hub", "demo data of"):
            assert step not in output
        admin = _hub(http, again, "admin")
        assert admin(APPLICATIONS)["auditLog"]["totalCount"] == len(DEFAULT_WINDOWS)
        assert len(_hub(http, again)(WINDOWS)["windows"]) == len(DEFAULT_WINDOWS)
        assert _plugin_counts(http, again) == before
    finally:
        assert again.interrupt() == 0
    assert [port for port in again.ports if _accepts(port)] == []


def _plugin_counts(http: httpx.Client, demo: Demo) -> dict[str, Any]:
    cluster, county = _node_admin(http, demo, 2), _node_admin(http, demo, 3)
    return {
        **cluster("""{ ext {
          equipment { bookings(first: 1) { totalCount } }
          inspection { orders(first: 1) { totalCount } } } }""")["ext"],
        **county("{ ext { financing { demands(first: 1) { totalCount } } } }")["ext"],
    }


def test_a_start_up_that_fails_half_way_stops_what_it_started(tmp_path: Path) -> None:
    # A folder where the demo's window "gz" holds a node of another window: it serves, and the
    # hub refuses to connect it once hub and node are both up.
    init = ("node", "init", "--data", str(tmp_path / "gz"), "--window-id", "gz-other")
    done = smenet(*init, "--name", "别的窗口", "--region", "440100", "--admin-password", "x-pass-1")
    assert done.returncode == 0, done.stderr
    demo = Demo.start(_free_base(2), tmp_path, nodes=1)
    assert demo.process.wait(timeout=BANNER_TIMEOUT_S) == 2
    output = demo.rest()
    assert "WINDOW_MISMATCH" in output and "Traceback" not in output
    assert "stopping 2 server(s)" in output
    assert not _accepts(demo.base) and not _accepts(demo.base + 1)


def test_demo_names_a_port_that_is_taken(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = smenet("demo", "--port", str(port - 2), "--data", str(tmp_path))
    assert done.returncode == 2
    assert f"port {port} (dg-ssl)" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_folder_keeps_the_base_port_its_windows_were_registered_with(tmp_path: Path) -> None:
    init = ("hub", "init", "--data", str(tmp_path / "hub"), "--port", "18000")
    assert smenet(*init, "--admin-password", "x-pass-1").returncode == 0
    done = smenet("demo", "--port", str(_free_base(4)), "--data", str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "set up with --port 18000" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub"]
