"""The ``smenet`` command's conventions both servers' subcommands share: errors for the person at
the terminal, settings and database checks, and the first administrator."""

from __future__ import annotations

import asyncio
import getpass
import secrets
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from federation.accounts import check_password_strength
from federation.errors import NotFound, SmenetError
from federation.storage import UnusableDatabase, check_db_url, close_db

__all__ = [
    "CommandError",
    "ask_password",
    "check_database",
    "check_init_arguments",
    "create_admin",
    "migrate",
    "settings_of",
    "unlock_user",
]

S = TypeVar("S")


class CommandError(Exception):
    """A message for the person at the terminal; the command exits non-zero."""


def ask_password(username: str = "admin") -> str:
    """Ask at a terminal; elsewhere generate one and print it once."""
    if sys.stdin.isatty():
        return getpass.getpass(f"password for user {username}: ")
    password = secrets.token_urlsafe(12)
    print(f"generated password for user {username}: {password}")
    return password


def settings_of(load_settings: Callable[[Path], S], data: Path) -> S:
    """The settings in ``data``, or a message for the terminal."""
    try:
        return load_settings(data)
    except (FileNotFoundError, ValueError) as error:
        raise CommandError(str(error)) from None


def check_init_arguments(db: str, admin_password: str | None) -> str:
    """Check ``init``'s ``--db``; the first administrator's password, asked for if not given."""
    try:
        check_db_url(db or "sqlite://")
    except ValueError as error:
        raise CommandError(f"--db: {error}") from None
    password = admin_password or ask_password()
    try:
        check_password_strength(password)
    except SmenetError as error:
        raise CommandError(f"--admin-password: {error.message}") from None
    return password


def create_admin(
    open_db: Callable[[str], Awaitable[None]],
    create_first_admin: Callable[[str, str], Awaitable[object]],
    db_url: str,
    password: str,
) -> None:
    """Set up the database and its first administrator, user ``admin``."""

    async def setup() -> None:
        await open_db(db_url)
        try:
            await create_first_admin("admin", password)
        finally:
            await close_db()

    try:
        asyncio.run(setup())
    except Exception as error:  # noqa: BLE001 - shown to the operator, not a traceback
        raise CommandError(f"cannot set up the database {db_url}: {error}") from None


def check_database(
    check_initialised: Callable[[str], Coroutine[Any, Any, None]], db_url: str
) -> None:
    """Refuse a corrupted, foreign or uninitialised database in one line, before it is served."""
    try:
        asyncio.run(check_initialised(db_url))
    except UnusableDatabase as error:
        raise CommandError(f"cannot open the database {error.where}: {error}") from None


def migrate(apply_migrations: Callable[[str], Coroutine[Any, Any, None]], db_url: str) -> None:
    """Reach the database and bring its schema up to date, or say why not (no traceback)."""
    try:
        asyncio.run(apply_migrations(db_url))
    except Exception as error:  # noqa: BLE001 - shown to the operator
        raise CommandError(f"cannot open the database {db_url}: {error}") from None


def unlock_user(
    open_db: Callable[[str], Awaitable[None]],
    unlock: Callable[[str], Awaitable[object]],
    db_url: str,
    username: str,
) -> None:
    """End every client address's wait to log in as ``username`` (``smenet … user unlock``)."""

    async def run() -> None:
        await open_db(db_url)
        try:
            await unlock(username)
        finally:
            await close_db()

    try:
        asyncio.run(run())
    except NotFound as error:
        raise CommandError(error.message) from None
    except Exception as error:  # noqa: BLE001 - shown to the operator, not a traceback
        raise CommandError(f"cannot open the database {db_url}: {error}") from None
