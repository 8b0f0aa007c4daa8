"""``smenet node …``: initialise, serve, seed and inspect a window node, unlock its users."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from federation import console
from federation.console import CommandError
from federation.errors import SmenetError
from federation.ids import WINDOW_ID_PATTERN, make_id
from federation.serve import serve
from federation.trust import load_or_create_key
from node import db
from node.config import CONFIG_FILE, NodeSettings, load_settings
from node.domain.chain import Break
from node.domain.records import verify_history
from node.domain.users import ACCOUNTS
from node.models import OutboxMessage
from node.outbox import undelivered
from node.plugins.manager import PluginError
from node.reference import check_region_code


def add_commands(commands: Any) -> None:
    init = commands.add_parser("init", help="create config, database and first admin in DIR")
    init.add_argument("--data", type=Path, required=True)
    init.add_argument("--window-id", required=True)
    init.add_argument("--name", required=True)
    init.add_argument("--region", required=True, help="GB/T 2260 region code, e.g. 440305")
    init.add_argument("--kind", choices=["comprehensive", "industry"], default="comprehensive")
    init.add_argument("--industries", default="", help="GB/T 4754 codes, comma separated")
    init.add_argument("--db", default="", help="sqlite://PATH or postgres://… (default: DIR)")
    init.add_argument("--hub", default="", help="URL of the hub")
    init.add_argument("--port", type=int, default=8100)
    init.add_argument(
        "--public-url",
        default="",
        help="base URL of the window's public pages (default: http://127.0.0.1:PORT)",
    )
    init.add_argument("--admin-password", help="password of user `admin` (asked if omitted)")
    init.set_defaults(run=run_init)

    serve = commands.add_parser("serve", help="serve the window node")
    serve.add_argument("--data", type=Path, required=True)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=run_serve)

    seed = commands.add_parser("seed", help="load realistic demo data")
    seed.add_argument("--data", type=Path, required=True)
    seed.add_argument("--size", type=int, default=40, help="number of enterprises")
    seed.set_defaults(run=run_seed)

    verify = commands.add_parser("verify", help="walk the service-record hash chain")
    verify.add_argument("--data", type=Path, required=True)
    verify.set_defaults(run=run_verify)

    outbox = commands.add_parser("outbox", help="messages to the hub not yet delivered")
    outbox.add_argument("--data", type=Path, required=True)
    outbox.add_argument("--failed", action="store_true", help="those the hub refused for good")
    outbox.set_defaults(run=run_outbox)

    user = commands.add_parser("user", help="the window's users").add_subparsers(
        dest="user_command", required=True
    )
    unlock = user.add_parser("unlock", help="end every address's wait to log in as USERNAME")
    unlock.add_argument("--data", type=Path, required=True)
    unlock.add_argument("username")
    unlock.set_defaults(run=run_unlock)


def run_init(args: argparse.Namespace) -> None:
    data: Path = args.data
    if (data / CONFIG_FILE).exists():
        raise CommandError(f"{data / CONFIG_FILE} exists: this folder already holds a node")
    if not WINDOW_ID_PATTERN.match(args.window_id):
        raise CommandError("--window-id: lower-case letters, digits and dashes, 2–63 characters")
    try:
        region = check_region_code(args.region)
    except SmenetError as error:
        raise CommandError(f"--region: {error.message}") from None
    password = console.check_init_arguments(args.db, args.admin_password)
    try:
        settings = NodeSettings(
            window_id=args.window_id,
            name=args.name,
            region_code=region.code,
            kind=args.kind.upper(),
            industries=[c.strip() for c in args.industries.split(",") if c.strip()],
            db=args.db,
            hub=args.hub,
            port=args.port,
            public_url=args.public_url,
            data_dir=data,
        )
    except ValueError as error:  # e.g. --public-url, which the message names
        raise CommandError(str(error)) from None
    data.mkdir(parents=True, exist_ok=True)
    console.create_admin(db.open_db, ACCOUNTS.create_first_admin, settings.db_url(), password)
    load_or_create_key(settings.key_path())
    path = settings.save()
    print(f"window {settings.window_id} initialised: {path}; log in as `admin`")


def run_serve(args: argparse.Namespace) -> None:
    from node.app import create_app

    settings = console.settings_of(load_settings, args.data)
    # Where it is served, as the default public URL says too.
    host = args.host or settings.host
    port = args.port or settings.port
    settings = dataclasses.replace(settings, host=host, port=port)
    console.check_database(db.check_initialised, settings.db_url())
    console.migrate(db.apply_migrations, settings.db_url())
    try:
        app = create_app(settings)
    except PluginError as error:
        raise CommandError(
            f"{error}\nstrict mode (plugins_strict): the node does not start"
        ) from None
    except ValueError as error:  # the key file holds no usable key
        raise CommandError(f"cannot read the node's key {settings.key_path()}: {error}") from None
    print(
        f"window {settings.window_id} ({settings.name}): http://{host}:{port}/graphql", flush=True
    )
    serve(app, host, port, settings)


def run_seed(args: argparse.Namespace) -> None:
    from node.seed import HistoryError, seed

    if args.size < 0:
        raise CommandError("--size must not be negative")
    settings = console.settings_of(load_settings, args.data)
    console.check_database(db.check_initialised, settings.db_url())
    console.migrate(db.apply_migrations, settings.db_url())
    try:
        summary = asyncio.run(seed(settings, size=args.size))
    except SmenetError as error:
        raise CommandError(error.message) from None
    except HistoryError as error:
        database = f" and drop the database {settings.db}" if settings.db else ""
        raise CommandError(
            f"window {settings.window_id}: the catalogue and enterprises were seeded, but the demo"
            f" history failed at {error}.\nA second seed leaves a window with services alone: to"
            f" start over, delete {args.data}{database}, then run `smenet node init` and"
            " `smenet node seed` again."
        ) from None
    if summary.skipped:
        print(f"window {summary.window_id} already has services: nothing seeded")
        return
    print(
        f"window {summary.window_id} seeded: {summary.agencies} agencies,"
        f" {summary.experts} experts, {summary.services} services ({summary.published} published,"
        f" {summary.drafts} drafts, {summary.retired} retired), {summary.enterprises} enterprises,"
        f" {summary.users} new users"
    )
    if (h := summary.history) is not None:
        satisfied = f"{h.satisfied / h.feedback:.0%} satisfied" if h.feedback else "none yet"
        print(
            f"history {h.first_day} to {h.last_day}: {h.demands} demands ({h.open_demands} open),"
            f" {h.records} service records, {h.feedback} feedback ({satisfied}),"
            f" {h.follow_ups} follow-ups, {h.activities} activities ({h.registrations}"
            f" registrations), {h.announcements} announcements, {h.vouchers} vouchers"
            f" ({h.redeemed} redeemed)"
        )


def run_verify(args: argparse.Namespace) -> int:
    """Exit 0 when the chain and every record's row agree with the hashes, else 1."""
    settings = console.settings_of(load_settings, args.data)
    console.check_database(db.check_initialised, settings.db_url())

    async def walk() -> tuple[int, Break | None]:
        await db.open_db(settings.db_url())
        try:
            return await verify_history()
        finally:
            await db.close_db()

    try:
        checked, broken = asyncio.run(walk())
    except Exception as error:  # noqa: BLE001 - shown to the operator, not a traceback
        raise CommandError(f"cannot read the database {settings.db_url()}: {error}") from None
    if broken is None:
        print(f"chain of {checked} entries verified")
        return 0
    record = (
        "an unknown service record"
        if broken.service_record_id is None
        else f"service record {make_id(settings.window_id, broken.service_record_id)}"
    )
    print(f"chain broken at entry {broken.position} ({record}): {broken.reason}")
    return 1


def run_outbox(args: argparse.Namespace) -> None:
    """One line per pending (or, with --failed, refused) message, oldest first."""
    settings = console.settings_of(load_settings, args.data)
    console.check_database(db.check_initialised, settings.db_url())

    async def read() -> list[OutboxMessage]:
        await db.open_db(settings.db_url())
        try:
            return list(await undelivered(args.failed))
        finally:
            await db.close_db()

    try:
        messages = asyncio.run(read())
    except Exception as error:  # noqa: BLE001 - shown to the operator, not a traceback
        raise CommandError(f"cannot read the database {settings.db_url()}: {error}") from None
    for m in messages:
        when = m.failed_at or m.next_attempt_at
        print(
            f"{m.id} {m.kind} written {m.created_at:%Y-%m-%d %H:%M:%S} attempts {m.attempts}"
            f" {'failed' if m.failed_at else 'next try'} {when or 'now'}: {m.last_error or ''}"
        )
    print(f"{len(messages)} {'failed' if args.failed else 'pending'} messages")


def run_unlock(args: argparse.Namespace) -> None:
    settings = console.settings_of(load_settings, args.data)
    console.check_database(db.check_initialised, settings.db_url())
    console.unlock_user(db.open_db, ACCOUNTS.unlock, settings.db_url(), args.username)
    print(f"user {args.username}: every address may try its password again")
