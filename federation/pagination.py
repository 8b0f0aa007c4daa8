"""Relay cursor pagination, newest first: keyset on the UUIDv7 primary key. A convention both
servers share (DESIGN §4): the hub merges windows' pages by the same order and keeps each
window's cursor."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from typing import Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from federation.errors import InputError, InvalidCursor, LimitExceeded
from federation.inputs import quote

M = TypeVar("M", bound=Model)

MAX_PAGE_SIZE = 100


@dataclass
class Page(Generic[M]):
    items: list[M]
    has_next_page: bool
    after: str | None
    # Unpaged query, so `totalCount` costs a COUNT only when a client asks for it.
    query: QuerySet[M]

    @property
    def end_cursor(self) -> str | None:
        # An empty page (first: 0) continues from where it was asked.
        return encode_cursor(self.items[-1].pk) if self.items else self.after

    async def total_count(self) -> int:
        return await self.query.count()


def encode_cursor(key: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(key.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidCursor(f"{quote(cursor)} is not a cursor of this list") from None


def check_first(first: int) -> None:
    if first < 0:
        raise InputError("first must not be negative")
    if first > MAX_PAGE_SIZE:
        raise LimitExceeded(f"first is at most {MAX_PAGE_SIZE}", limit=MAX_PAGE_SIZE)


async def paginate(query: QuerySet[M], first: int, after: str | None) -> Page[M]:
    """One page of ``query``: IDs sort by creation time, so inserts never shift later pages."""
    check_first(first)
    page_query = query.order_by("-id")
    if after is not None:
        page_query = page_query.filter(id__lt=decode_cursor(after))
    rows = await page_query.limit(first + 1)
    return Page(items=rows[:first], has_next_page=len(rows) > first, after=after, query=query)
