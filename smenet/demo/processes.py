"""The demo's servers, each its own ``smenet … serve`` process (so one can fail alone), and
the one-off ``smenet`` steps before them; Ctrl-C and SIGTERM stop them all."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from federation.console import CommandError

READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10


@dataclass
class Server:
    name: str  # "hub" or the window id
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/graphql"


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """Ctrl-C and SIGTERM set an event instead of raising, so servers are always stopped."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        # As the server will: a port in TIME_WAIT is free, a listening one is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def smenet(*args: str) -> None:
    """One step (``init``, ``seed``), run to its end; its output is passed on."""
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


def serve(kind: str, name: str, data: Path, port: int) -> Server:
    """``smenet <kind> serve`` in the background, its output in ``data/serve.log``."""
    log = data / "serve.log"
    command = [sys.executable, "-m", "smenet", kind, "serve", "--data", str(data)]
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by us, once, not by the terminal's Ctrl-C as well
        )
    return Server(name, port, log, process)


def wait_ready(servers: list[Server], http: httpx.Client, stop: threading.Event) -> bool:
    """True once every server answers /readyz; False when stopped first."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    pending = list(servers)
    while pending:
        if stop.is_set():
            return False
        for server in list(pending):
            check_running(server, "during start-up")
            if _ready(server, http):
                pending.remove(server)
        if pending and time.monotonic() > deadline:
            names = ", ".join(server.name for server in pending)
            raise CommandError(
                f"not ready within {READY_TIMEOUT_S} s: {names}; see {pending[0].log}"
            )
        stop.wait(0.1)
    return not stop.is_set()


def _ready(server: Server, http: httpx.Client) -> bool:
    try:
        return http.get(f"{server.base_url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:  # refused or timed out; 503 while migrating is answered above
        return False


def check_running(server: Server, when: str) -> None:
    code = server.process.poll()
    if code is not None:
        raise CommandError(f"{server.name} exited {when} (exit code {code}); see {server.log}")


def watch(servers: list[Server], stop: threading.Event) -> None:
    while not stop.wait(0.5):
        for server in servers:
            check_running(server, "unexpectedly")


def stop_all(servers: list[Server]) -> None:
    running = [server for server in servers if server.process.poll() is None]
    if running:
        print(f"stopping {len(running)} server(s) …", flush=True)
    for server in running:
        server.process.terminate()
    for server in running:
        try:
            server.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
