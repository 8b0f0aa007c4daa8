"""The answer of core-contract fields this node version does not implement yet."""

from __future__ import annotations

from federation.errors import NotImplementedYet


def unavailable() -> NotImplementedYet:
    return NotImplementedYet("the service lifecycle is not available on this node version yet")
