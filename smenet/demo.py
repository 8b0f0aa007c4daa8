"""``smenet demo``: several seeded window nodes on this machine, stopped together by Ctrl-C.

The base port is kept for the hub; until the hub exists the demo runs the windows alone.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from federation.console import CommandError
from node.config import CONFIG_FILE
from node.seed import DEMO_PASSWORD, DEMO_USERS

ADMIN_PASSWORD = "demo-admin-1"
READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
# Straight to loopback: an http_proxy setting must not swallow the readiness checks.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class DemoWindow:
    window_id: str
    name: str
    region: str
    kind: str
    industries: str = ""


WINDOWS = (
    DemoWindow("sz-ns", "深圳市南山区中小企业服务窗口", "440305", "comprehensive"),
    DemoWindow("gz-th", "广州市天河区中小企业服务窗口", "440106", "comprehensive"),
    DemoWindow("dg-elec", "东莞市电子信息产业窗口", "441900", "industry", "C39"),
    DemoWindow("fs-mach", "佛山市顺德区装备制造产业窗口", "440606", "industry", "C34,C35"),
    DemoWindow("zh-xz", "珠海市香洲区中小企业服务窗口", "440402", "comprehensive"),
)


@dataclass
class _Child:
    window: DemoWindow
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        choices=range(1, len(WINDOWS) + 1),
        metavar="N",
        help=f"number of windows, 1-{len(WINDOWS)} (default 1)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        metavar="BASE",
        help="kept for the hub; window i serves on BASE+1+i (default 8000)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("data/demo"),
        metavar="DIR",
        help="one folder per window under DIR (default data/demo)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    windows = WINDOWS[: args.nodes]
    if not 1 <= args.port <= 65535 - len(windows):
        raise CommandError(
            f"--port: {len(windows)} window(s) need ports BASE+1 to"
            f" BASE+{len(windows)}, all at most 65535"
        )
    data: Path = args.data.resolve()
    ports = [args.port + 1 + i for i in range(len(windows))]
    for window, port in zip(windows, ports, strict=True):
        if not _port_free(port):
            raise CommandError(
                f"port {port} (window {window.window_id}) is already in use:"
                " stop what holds it or choose another base with --port"
            )
    children: list[_Child] = []
    with _stop_on_signals() as stop:
        try:
            for window, port in zip(windows, ports, strict=True):
                if stop.is_set():
                    break
                _prepare(window, data / window.window_id, port)
            for window, port in zip(windows, ports, strict=True):
                if not stop.is_set():
                    children.append(_serve(window, data / window.window_id, port))
            if _wait_ready(children, stop):
                _print_banner(children, data, args.port)
                _watch(children, stop)
        finally:
            _stop_all(children)
    print("demo stopped", flush=True)
    return 0


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """Ctrl-C and SIGTERM set an event instead of raising, so children are always stopped."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the server will: a port in TIME_WAIT is free, a listening one is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _prepare(window: DemoWindow, data: Path, port: int) -> None:
    """Initialise and seed a window the first time the demo runs it."""
    if (data / CONFIG_FILE).exists():
        return
    _smenet(
        "node",
        "init",
        "--data",
        str(data),
        "--window-id",
        window.window_id,
        "--name",
        window.name,
        "--region",
        window.region,
        "--kind",
        window.kind,
        "--industries",
        window.industries,
        "--port",
        str(port),
        "--admin-password",
        ADMIN_PASSWORD,
    )
    _smenet("node", "seed", "--data", str(data))


def _smenet(*args: str) -> None:
    # A session of its own: Ctrl-C reaches only the demo, which lets the step finish.
    done = subprocess.run(
        [sys.executable, "-m", "smenet", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    if done.returncode != 0:
        raise CommandError(f"`smenet {' '.join(args[:2])}` failed: {done.stderr.strip()}")
    print(done.stdout.strip(), flush=True)


def _serve(window: DemoWindow, data: Path, port: int) -> _Child:
    log = data / "serve.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smenet",
                "node",
                "serve",
                "--data",
                str(data),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by us, once, not by the terminal's Ctrl-C as well
        )
    return _Child(window, port, log, process)


def _wait_ready(children: list[_Child], stop: threading.Event) -> bool:
    """True once every window answers /readyz; False when stopped first."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = list(children)
    while pending:
        if stop.is_set():
            return False
        for child in list(pending):
            _check_running(child, "during start-up")
            if _ready(child.port):
                pending.remove(child)
        if pending and time.monotonic() > deadline:
            names = ", ".join(child.window.window_id for child in pending)
            raise CommandError(
                f"windows not ready within {READY_TIMEOUT_S} s: {names}; see {pending[0].log}"
            )
        stop.wait(0.1)
    return not stop.is_set()


def _ready(port: int) -> bool:
    try:
        with _LOOPBACK.open(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:  # refused, timed out, or 503 while migrating
        return False


def _check_running(child: _Child, when: str) -> None:
    code = child.process.poll()
    if code is not None:
        raise CommandError(
            f"window {child.window.window_id} exited {when} (exit code {code}); see {child.log}"
        )


def _watch(children: list[_Child], stop: threading.Event) -> None:
    while not stop.wait(0.5):
        for child in children:
            _check_running(child, "unexpectedly")


def _stop_all(children: list[_Child]) -> None:
    running = [child for child in children if child.process.poll() is None]
    if running:
        print(f"stopping {len(running)} window(s) …", flush=True)
    for child in running:
        child.process.terminate()
    for child in running:
        try:
            child.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.process.kill()
            child.process.wait()


def _print_banner(children: list[_Child], data: Path, base: int) -> None:
    users = [("admin", ADMIN_PASSWORD, "WINDOW_ADMIN")]
    users += [(name, DEMO_PASSWORD, role.value) for name, _, role in DEMO_USERS]
    lines = [
        "",
        f"smenet demo: {len(children)} window(s) running (port {base} is kept for the hub)",
        "",
        *(f"  {c.window.window_id:<9}{c.url:<32}{c.window.name}" for c in children),
        "",
        "  demo users, the same on every window (log in with the `login` mutation):",
        *(f"    {name:<8}{password:<15}{role}" for name, password, role in users),
        "",
        f"  data and logs: {data}/<window>/ (serve.log)",
        "  press Ctrl-C to stop",
        "",
    ]
    print("\n".join(lines), flush=True)
