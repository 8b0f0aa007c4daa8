"""``smenet hub …``: initialise and serve the hub, rotate and revoke its signing keys, unlock
its users."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from federation import console
from federation.console import CommandError
from federation.serve import serve
from federation.trust import (
    generate_key,
    load_key,
    retired_keys,
    revoke_retired_key,
    rotate_key,
    save_key,
)
from hub import db
from hub.config import CONFIG_FILE, HubSettings, load_settings
from hub.domain.users import ACCOUNTS


def add_commands(commands: Any) -> None:
    init = commands.add_parser("init", help="create config, database, key pair and first admin")
    init.add_argument("--data", type=Path, required=True)
    init.add_argument("--db", default="", help="sqlite://PATH or postgres://… (default: DIR)")
    init.add_argument("--port", type=int, default=8000)
    init.add_argument("--admin-password", help="password of user `admin` (asked if omitted)")
    init.set_defaults(run=run_init)

    serve = commands.add_parser("serve", help="serve the hub")
    serve.add_argument("--data", type=Path, required=True)
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=run_serve)

    rotate = commands.add_parser(
        "rotate-key",
        help="sign with a new key; the old one stays published until revoked (restart the hub)",
    )
    rotate.add_argument("--data", type=Path, required=True)
    rotate.set_defaults(run=run_rotate_key)

    revoke = commands.add_parser(
        "revoke-key", help="stop publishing a key rotated out (restart the hub)"
    )
    revoke.add_argument("--data", type=Path, required=True)
    revoke.add_argument("kid", help="the key's id, as `rotate-key` printed it")
    revoke.set_defaults(run=run_revoke_key)

    user = commands.add_parser("user", help="the hub's users").add_subparsers(
        dest="user_command", required=True
    )
    unlock = user.add_parser("unlock", help="end every address's wait to log in as USERNAME")
    unlock.add_argument("--data", type=Path, required=True)
    unlock.add_argument("username")
    unlock.set_defaults(run=run_unlock)


def run_init(args: argparse.Namespace) -> None:
    data: Path = args.data
    if (data / CONFIG_FILE).exists():
        raise CommandError(f"{data / CONFIG_FILE} exists: the folder already holds a server")
    password = console.check_init_arguments(args.db, args.admin_password)
    data.mkdir(parents=True, exist_ok=True)
    settings = HubSettings(db=args.db, port=args.port, data_dir=data)
    if settings.key_path().exists():
        raise CommandError(f"{settings.key_path()} exists: remove it or use another folder")
    console.create_admin(db.open_db, ACCOUNTS.create_first_admin, settings.db_url(), password)
    # The key, then the config: a folder with a config file is a finished hub.
    save_key(generate_key(), settings.key_path())
    path = settings.save()
    print(f"hub initialised: {path}; log in as `admin`")


def run_serve(args: argparse.Namespace) -> None:
    from hub.app import create_app

    settings = console.settings_of(load_settings, args.data)
    host = args.host or settings.host
    port = args.port or settings.port
    try:
        key = load_key(settings.key_path())
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read the hub's key {settings.key_path()}: {error}") from None
    console.check_database(db.check_initialised, settings.db_url())
    console.migrate(db.apply_migrations, settings.db_url())
    app = create_app(settings, key)
    print(f"hub: http://{host}:{port}/graphql", flush=True)
    serve(app, host, port, settings)


def run_rotate_key(args: argparse.Namespace) -> None:
    path = console.settings_of(load_settings, args.data).key_path()
    try:
        old = load_key(path).kid
        new = rotate_key(path)
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot rotate the hub's key {path}: {error}") from None
    print(f"the hub signs with key {new.kid}; key {old} stays published until")
    print(f"`smenet hub revoke-key --data {args.data} {old}`. Restart the hub to use the new key.")


def run_revoke_key(args: argparse.Namespace) -> None:
    path = console.settings_of(load_settings, args.data).key_path()
    try:
        current = load_key(path).kid
        if args.kid == current:
            raise CommandError(f"{current} is the key the hub signs with: rotate it out first")
        revoke_retired_key(path, args.kid)
    except KeyError:
        kids = ", ".join(key["kid"] for key in retired_keys(path)) or "none"
        raise CommandError(f"no retired key {args.kid}; retired keys: {kids}") from None
    except (OSError, ValueError) as error:
        raise CommandError(f"cannot read the hub's keys: {error}") from None
    print(f"key {args.kid} is no longer published once the hub restarts; nodes drop it within")
    print("their hub_keys_ttl_seconds (at most 60 s) after that.")


def run_unlock(args: argparse.Namespace) -> None:
    settings = console.settings_of(load_settings, args.data)
    console.check_database(db.check_initialised, settings.db_url())
    console.unlock_user(db.open_db, ACCOUNTS.unlock, settings.db_url(), args.username)
    print(f"user {args.username}: every address may try its password again")
