"""The ``smenet`` console command."""

from __future__ import annotations

import argparse
import sys

from federation.console import CommandError
from hub import cli as hub_cli
from node import cli as node_cli
from node.plugins import cli as plugins_cli
from smenet import demo


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smenet", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    node_cli.add_commands(
        commands.add_parser("node", help="a window node").add_subparsers(
            dest="node_command", required=True
        )
    )
    hub_cli.add_commands(
        commands.add_parser("hub", help="the hub").add_subparsers(dest="hub_command", required=True)
    )
    demo.add_arguments(commands.add_parser("demo", help="the hub and seeded windows, connected"))
    plugins_cli.add_arguments(commands.add_parser("plugins", help="installed plugins; new ones"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CommandError as error:
        print(f"smenet: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
