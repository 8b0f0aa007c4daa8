"""Counting the database queries Tortoise runs, from its ``tortoise.db_client`` debug log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


class QueryCounter(logging.Handler):
    """Counts the queries logged to it; opening a connection is not a query."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if not str(record.msg).startswith("Created connection"):
            self.count += 1


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    """Count the queries run inside the block; read ``.count`` of the counter it gives."""
    counter = QueryCounter()
    logger = logging.getLogger("tortoise.db_client")
    logger.addHandler(counter)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
