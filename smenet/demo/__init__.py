"""``smenet demo``: the whole network on this machine — the hub and N window nodes, each its own
process, the windows onboarded through the hub's real workflow and filled with demo data; Ctrl-C
stops everything it started.

A second run on the same ``--data`` reuses what the first set up: nothing is initialised,
seeded or onboarded twice.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from typing import Any

import httpx

from federation.console import CommandError
from federation.settings import CONFIG_FILE, read_config, write_config
from node.plugins.manager import installed_entry_points
from node.seed import DEMO_PASSWORD, DEMO_USERS
from smenet.demo.client import GraphQL, http_client
from smenet.demo.onboarding import HUB_SETTINGS, Onboarding
from smenet.demo.plugin_data import populate
from smenet.demo.processes import (
    Server,
    port_free,
    serve,
    smenet,
    stop_all,
    stop_on_signals,
    wait_ready,
    watch,
)
from smenet.demo.supervision import broadcast_policy
from smenet.demo.windows import (
    ADMIN_PASSWORD,
    DEFAULT_WINDOWS,
    HUB_OPERATOR,
    HUB_PASSWORD,
    HUB_USERS,
    WINDOWS,
    DemoWindow,
)

__all__ = ["add_arguments", "run"]

OUTBOX_MAX_RETRY_SECONDS = 5.0

HUB = "hub"  # the hub's folder under --data, and its name in messages
NETWORK_QUERY = (
    "{ network { services(first: 5) { totalCount edges { node { name window { name } } } } } }"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--nodes",
        type=int,
        default=DEFAULT_WINDOWS,
        choices=range(1, len(WINDOWS) + 1),
        metavar="N",
        help=f"number of windows, 1-{len(WINDOWS)} (default {DEFAULT_WINDOWS})",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        metavar="BASE",
        help="the hub's port; the windows serve on BASE+1, BASE+2, … (default 8000)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path("data/demo"),
        metavar="DIR",
        help="one folder for the hub and one per window under DIR (default data/demo)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    windows = WINDOWS[: args.nodes]
    base: int = args.port
    if not 1 <= base <= 65535 - len(windows):
        raise CommandError(
            f"--port: the hub and {len(windows)} window(s) need ports BASE to"
            f" BASE+{len(windows)}, all at most 65535"
        )
    data: Path = args.data.resolve()
    ports = [base + 1 + i for i in range(len(windows))]
    names = [HUB, *(window.window_id for window in windows)]
    for name, port in zip(names, [base, *ports], strict=True):
        if not port_free(port):
            raise CommandError(
                f"port {port} ({name}) is already in use:"
                " stop what holds it or choose another base with --port"
            )
    _check_base(data / HUB, base)
    servers: list[Server] = []
    with stop_on_signals() as stop, http_client() as http:
        try:
            _prepare_hub(data / HUB, base)
            for window, port in zip(windows, ports, strict=True):
                if not stop.is_set():
                    _prepare_window(window, data / window.window_id, port, base)
            if not stop.is_set():
                servers.append(serve("hub", HUB, data / HUB, base))
                for window, port in zip(windows, ports, strict=True):
                    servers.append(serve("node", window.window_id, data / window.window_id, port))
            if wait_ready(servers, http, stop):
                hub, nodes = servers[0], list(zip(windows, servers[1:], strict=True))
                onboarding = Onboarding(http, hub.url)
                onboarding.connect(nodes, stop)
                _fill_plugins(http, nodes, stop)
                if not stop.is_set() and broadcast_policy(onboarding.as_user(HUB_OPERATOR[0])):
                    print("the hub broadcast a policy to every window", flush=True)
                if not stop.is_set():
                    _print_banner(hub, nodes, data)
                    watch(servers, stop)
        finally:
            stop_all(servers)
    print("demo stopped", flush=True)
    return 0


def _check_base(hub: Path, base: int) -> None:
    """The windows were connected at the hub with their URLs: a folder keeps its ports."""
    if not (hub / CONFIG_FILE).exists():
        return
    first = read_config(hub / CONFIG_FILE, "smenet demo").get("port")
    if first != base:
        raise CommandError(
            f"{hub.parent} was set up with --port {first}, and its windows are registered at"
            f" the hub with those ports: run with --port {first}, or use another --data folder"
        )


def _configure(data: Path, values: dict[str, Any]) -> None:
    """Set keys of a server's smenet.toml, as its operator would by editing the file."""
    path = data / CONFIG_FILE
    config = read_config(path, "smenet demo")
    if any(config.get(key) != value for key, value in values.items()):
        write_config({**config, **values}, path)


def _prepare_hub(data: Path, port: int) -> None:
    if not (data / CONFIG_FILE).exists():
        password = ("--admin-password", ADMIN_PASSWORD)
        smenet("hub", "init", "--data", str(data), "--port", str(port), *password)
    # Every run: a hub stopped between `init` and this edit still gets the demo's settings.
    _configure(data, HUB_SETTINGS)


def _prepare_window(window: DemoWindow, data: Path, port: int, hub_port: int) -> None:
    """Initialise and seed a window the first time the demo runs it; it loads its plugins only."""
    first = not (data / CONFIG_FILE).exists()
    if first:
        smenet(
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
            ",".join(window.industries),
            "--port",
            str(port),
            "--hub",
            f"http://127.0.0.1:{hub_port}",
            "--admin-password",
            ADMIN_PASSWORD,
        )
    others = sorted(ep.name for ep in installed_entry_points() if ep.name not in window.plugins)
    settings = {
        # Messages written before the window is connected wait for it: retried every few
        # seconds at most, so reports and escalated demands reach the hub soon after it is.
        "outbox_max_retry_seconds": OUTBOX_MAX_RETRY_SECONDS,
        "plugins_enabled": list(window.plugins),
        # An empty plugins_enabled means every installed plugin: a window without any says so.
        "plugins_disabled": others,
        # A demo window without the plugins it shows off is no demo: refuse to start instead.
        "plugins_strict": True,
    }
    _configure(data, settings)
    if first:
        smenet("node", "seed", "--data", str(data))


def _fill_plugins(
    http: httpx.Client, nodes: list[tuple[DemoWindow, Server]], stop: threading.Event
) -> None:
    for window, node in nodes:
        if stop.is_set():
            return
        if not window.plugins:
            continue
        admin = GraphQL(http, node.url).login("admin", ADMIN_PASSWORD)
        if written := populate(admin, window.plugins):
            print(f"window {window.window_id}: demo data of {', '.join(written)}", flush=True)


def _print_banner(hub: Server, nodes: list[tuple[DemoWindow, Server]], data: Path) -> None:
    hub_users = [("admin", ADMIN_PASSWORD, "HUB_ADMIN")]
    hub_users += [(name, HUB_PASSWORD, role) for name, role, _ in HUB_USERS]
    window_users = [("admin", ADMIN_PASSWORD, "WINDOW_ADMIN")]
    window_users += [(name, DEMO_PASSWORD, role.value) for name, _, role in DEMO_USERS]
    lines = [
        "",
        f"smenet demo: the hub and {len(nodes)} connected window(s); open a URL for GraphiQL",
        "",
        f"  {HUB:<8}{hub.url:<32}广东省中小企业公共服务平台网络枢纽",
        *(
            f"  {w.window_id:<8}{node.url:<32}{w.name}  [{', '.join(w.plugins) or '-'}]"
            for w, node in nodes
        ),
        "",
        "  hub logins (the `login` mutation at the hub):",
        *(f"    {name:<13}{password:<15}{role}" for name, password, role in hub_users),
        "  window logins, the same on every window:",
        *(f"    {name:<13}{password:<15}{role}" for name, password, role in window_users),
        "",
        "  the supervisor's dashboard (log in as supervisor, admin or operator):",
        f"    {hub.url.removesuffix('/graphql')}/dashboard",
        "",
        "  the whole network in one query, at the hub:",
        f"    {NETWORK_QUERY}",
        "",
        f"  data and logs: {data}/<hub|window>/ (serve.log)",
        "  press Ctrl-C to stop",
        "",
    ]
    print("\n".join(lines), flush=True)
