"""Relay cursor connections over domain pages, the list shape both servers share (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

import strawberry

from federation.pagination import Page, encode_cursor

T = TypeVar("T")
# `first` when a client does not say; at most MAX_PAGE_SIZE (federation.pagination).
PAGE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    page: strawberry.Private[Page[Any]]

    @strawberry.field
    async def total_count(self) -> int:
        return await self.page.total_count()


def connection(page: Page[Any], convert: Callable[[Any], T]) -> Connection[T]:
    return Connection(
        edges=[Edge(cursor=encode_cursor(row.pk), node=convert(row)) for row in page.items],
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        page=page,
    )
