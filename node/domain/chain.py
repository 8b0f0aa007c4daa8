"""The node's service-record hash chain: canonical content, append under a lock, verify.

Every history entry of every service record is one link: ``hash = sha256(previous_hash + "\\n"
+ content)``, where ``content`` is canonical JSON of the entry (sorted keys, no spaces, decimals
and times as normalised strings), so it hashes the same after a round trip through SQLite or
PostgreSQL. Personal data never enters ``content``: erasing it cannot break the chain.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from node.models import ChainEntry, ChainHead

GENESIS_HASH = "0" * 64
_HEAD_ID = 1


def canonical_value(value: Any) -> Any:
    """A JSON-safe value that prints identically whatever database it came back from."""
    if isinstance(value, Decimal):
        # Trailing zeros differ between backends (1.50 vs 1.5): normalise, never exponent form.
        text = format(value.normalize(), "f")
        return text if text != "-0" else "0"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in chain content")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): canonical_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_value(v) for v in value]
    return value


def canonical_json(content: Mapping[str, Any]) -> str:
    return json.dumps(
        canonical_value(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def link_hash(previous_hash: str, content: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{content}".encode()).hexdigest()


# Keys ``append`` writes itself; ``verify`` checks them against the entry's columns.
RESERVED_KEYS = frozenset({"kind", "serviceRecord", "actor"})


async def append(
    service_record_id: uuid.UUID,
    kind: str,
    actor: str,
    content: Mapping[str, Any],
    connection: BaseDBAsyncClient,
) -> ChainEntry:
    """Append one entry; call inside the transaction ``connection`` of the change it records.

    The head row is locked first (FOR UPDATE on PostgreSQL; SQLite serialises writers), so two
    writers can never both extend the same head: the chain never forks.
    """
    if reserved := RESERVED_KEYS & set(content):
        raise ValueError(f"chain content may not set {', '.join(sorted(reserved))}")
    head = await _locked_head(connection)
    if head is None:
        # The first appenders race to create the row: one inserts it, the others (waiting on
        # its key) insert nothing, and all then lock the one row.
        await ChainHead.bulk_create(
            [ChainHead(id=_HEAD_ID, length=0, hash=GENESIS_HASH)],
            ignore_conflicts=True,
            using_db=connection,
        )
        head = await _locked_head(connection)
        assert head is not None
    text = canonical_json(
        {"kind": kind, "serviceRecord": service_record_id, "actor": actor, **content}
    )
    entry = await ChainEntry.create(
        position=head.length,
        service_record_id=service_record_id,
        kind=kind,
        actor=actor,
        content=text,
        previous_hash=head.hash,
        hash=link_hash(head.hash, text),
        using_db=connection,
    )
    head.length, head.hash = head.length + 1, entry.hash
    await head.save(update_fields=["length", "hash"], using_db=connection)
    return entry


async def _locked_head(connection: BaseDBAsyncClient) -> ChainHead | None:
    return await ChainHead.filter(id=_HEAD_ID).select_for_update().using_db(connection).first()


async def head(connection: BaseDBAsyncClient | None = None) -> tuple[str | None, int]:
    """Hash of the last entry (None for an empty chain) and the chain's length."""
    row = await ChainHead.get_or_none(id=_HEAD_ID, using_db=connection)
    if row is None or row.length == 0:
        return None, 0
    return row.hash, row.length


async def entry_at(position: int) -> ChainEntry | None:
    return await ChainEntry.get_or_none(position=position)


@dataclass(frozen=True)
class Break:
    position: int
    reason: str
    service_record_id: uuid.UUID | None = None  # unknown where the entry is missing


async def verify(batch: int = 1000) -> tuple[int, Break | None]:
    """Walk the chain from the start; the number of entries checked and the first break.

    The walk ends at the head's length as read before it, so entries that live writers append
    meanwhile (each committed together with a longer head) are not taken for a break.
    """
    # Read before the head: the head only grows, so an entry at or past the length read next
    # was not appended through the head.
    last = await ChainEntry.all().order_by("-position").first()
    stored_hash, length = await head()
    previous, checked, record = GENESIS_HASH, 0, None
    while checked < length:
        rows = (
            await ChainEntry.filter(position__gte=checked, position__lt=length)
            .order_by("position")
            .limit(batch)
        )
        if not rows:
            return checked, Break(checked, f"entry {checked} is missing")
        for row in rows:
            if row.position != checked:
                return checked, Break(checked, f"entry {checked} is missing")
            if (problem := _link_problem(row, previous)) is not None:
                return checked, Break(row.position, problem, row.service_record_id)
            previous, checked, record = row.hash, checked + 1, row.service_record_id
    # A head moved back also no longer names the last entry's hash: say why first.
    if last is not None and last.position >= length:
        return checked, Break(
            length, f"entry {last.position} lies beyond the chain head", last.service_record_id
        )
    if checked and stored_hash != previous:
        return checked, Break(checked - 1, "the chain head does not match the last entry", record)
    return checked, None


def _link_problem(row: ChainEntry, previous: str) -> str | None:
    if row.previous_hash != previous:
        return "previous hash does not match the entry before"
    if link_hash(previous, row.content) != row.hash:
        return "content does not match its hash"
    try:
        content = json.loads(row.content)
    except ValueError:
        return "content is not JSON"
    if not isinstance(content, dict) or (
        content.get("serviceRecord"),
        content.get("kind"),
        content.get("actor"),
    ) != (str(row.service_record_id), row.kind, row.actor):
        return "row columns differ from the hashed content"
    return None
