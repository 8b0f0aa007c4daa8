"""``smenet plugins``: list the installed plugins, or write a new one that passes its own test."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from federation.console import CommandError, settings_of
from node.config import NodeSettings, load_settings
from node.plugins.manager import NAMESPACE_PATTERN, PluginHost, type_prefix
from node.plugins.skeleton import write_skeleton


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, help="a node's folder: its enabled plugins and config")
    parser.set_defaults(run=run_list)
    commands = parser.add_subparsers(dest="plugins_command")
    new = commands.add_parser("new", help="write a plugin skeleton that passes its own test")
    new.add_argument("name", help="the plugin's namespace, lower_snake_case, e.g. cold_chain")
    new.add_argument("--dir", type=Path, default=Path("."), help="where to write it (default .)")
    new.set_defaults(run=run_new)


def run_list(args: argparse.Namespace) -> int:
    """One row per plugin the node would load; exit 1 when any of them fails to."""
    from federation.limits import QueryLimits
    from node.schema import build_schema

    if args.data is not None:
        settings = dataclasses.replace(settings_of(load_settings, args.data), plugins_strict=False)
    else:
        settings = NodeSettings(window_id="installed", name="", region_code="")
    host = PluginHost(settings).load()
    build_schema(QueryLimits.of(settings), host)  # checks the plugins' GraphQL types too
    if not host.plugins:
        print("no plugins installed")
        return 0
    rows = [("NAME", "VERSION", "NAMESPACE", "HOOKS", "ERROR")] + [
        (
            p.name,
            p.version,
            p.namespace,
            ",".join(h.removeprefix("smenet_") for h in p.hooks),
            p.error or "-",
        )
        for p in host.plugins.values()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for *cells, error in rows:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + "  " + error)
    return 1 if any(p.error for p in host.plugins.values()) else 0


def run_new(args: argparse.Namespace) -> None:
    name: str = args.name
    if not NAMESPACE_PATTERN.match(name):
        raise CommandError(f"{name!r}: a plugin name is lower_snake_case, e.g. cold_chain")
    target = args.dir / f"smenet-{name.replace('_', '-')}"
    if target.exists():
        raise CommandError(f"{target} exists")
    write_skeleton(target, name)
    print(
        f"plugin {name} written to {target} (GraphQL types start with {type_prefix(name)}).\n"
        f"Next: pip install -e {target} && pytest {target}/tests"
    )
