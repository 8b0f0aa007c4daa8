"""Damaged SQLite files, as disks, crashes and mistaken copies leave them: what a server must
refuse at start (``smenet … serve``, ``smenet node verify``) and report on ``/readyz``."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

Damage = Callable[[Path], None]


def text_file(path: Path) -> None:
    path.write_text("这不是数据库 — notes someone saved over the database\n" * 100)


def bad_header(path: Path) -> None:
    with path.open("r+b") as file:
        file.write(b"SQLite format 2\x00")


def truncated(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)


def zero_length(path: Path) -> None:
    path.write_bytes(b"")


def foreign_database(path: Path) -> None:
    """An intact SQLite database of another program."""
    path.unlink()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("create table photos (id integer primary key, name text)")


def database_of(app: str) -> Damage:
    """An intact database of another smenet server: migrations of ``app`` only."""

    def replace(path: Path) -> None:
        path.unlink()
        with closing(sqlite3.connect(path)) as db, db:
            db.execute(
                "create table tortoise_migrations"
                " (id integer primary key, app text, name text, applied_at timestamp)"
            )
            db.execute(
                "insert into tortoise_migrations values (1, ?, '0001_initial', '2026-01-01')",
                (app,),
            )

    return replace


def overwrite_table(table: str, pages: int = 3) -> Damage:
    """Random bytes over ``pages`` pages from ``table``'s root page on, in the middle of the file.

    The write-ahead log is checkpointed first, so the pages overwritten are the ones SQLite
    reads (a page still in the log would hide the damage)."""

    def overwrite(path: Path) -> None:
        with closing(sqlite3.connect(path)) as db:
            (busy, _, _) = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert not busy, "the log could not be checkpointed"
            query = "select rootpage from sqlite_schema where name = ?"
            (root,) = db.execute(query, (table,)).fetchone()
            (page_size,) = db.execute("PRAGMA page_size").fetchone()
        assert 1 < root < path.stat().st_size // page_size - pages, "not mid-file"
        with path.open("r+b") as file:
            file.seek((root - 1) * page_size)
            file.write(random.Random(root).randbytes(pages * page_size))

    return overwrite
