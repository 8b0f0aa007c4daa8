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
    head = (
        await ChainHead.filter(id=_HEAD_ID).select_for_update().using_db(connection).first()
    )
    if head is None:
        head = await ChainHead.create(id=_HEAD_ID, length=0, hash=GENESIS_HASH, using_db=connection)
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


async def head() -> tuple[str | None, int]:
    """Hash of the last entry (None for an empty chain) and the chain's length."""
    row = await ChainHead.get_or_none(id=_HEAD_ID)
    if row is None or row.length == 0:
        return None, 0
    return row.hash, row.length


async def entry_at(position: int) -> ChainEntry | None:
    return await ChainEntry.get_or_none(position=position)


@dataclass(frozen=True)
class Break:
    position: int
    reason: str


async def verify(batch: int = 1000) -> tuple[int, Break | None]:
    """Walk the chain from the start; the number of entries checked and the first break."""
    previous, expected, checked = GENESIS_HASH, 0, 0
    while True:
        rows = await ChainEntry.filter(position__gte=expected).order_by("position").limit(batch)
        for row in rows:
            if row.position != expected:
                return checked, Break(expected, f"entry {expected} is missing")
            if row.previous_hash != previous:
                return checked, Break(row.position, "previous hash does not match the entry before")
            if link_hash(previous, row.content) != row.hash:
                return checked, Break(row.position, "content does not match its hash")
            try:
                content = json.loads(row.content)
            except ValueError:
                return checked, Break(row.position, "content is not JSON")
            if content.get("serviceRecord") != str(row.service_record_id) or content.get(
                "kind"
            ) != row.kind:
                return checked, Break(row.position, "row columns differ from the hashed content")
            previous, expected, checked = row.hash, expected + 1, checked + 1
        if len(rows) < batch:
            break
    stored_hash, stored_length = await head()
    if stored_length != checked or (checked and stored_hash != previous):
        return checked, Break(checked, "chain head does not match the last entry")
    return checked, None
