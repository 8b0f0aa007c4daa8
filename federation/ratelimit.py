"""Rate limits, one mechanism for every place that needs one (logins, the public forms,
objections, anonymous GraphQL): a token bucket per key — usually the client's address — kept in
process memory.

    logins = RateLimiter(rate=10 / 60, burst=10)     # 10 at once, then one every 6 s
    wait = logins.take(client_address(request))      # 0.0: go on; else seconds until allowed
    if wait: return too_many_requests(wait)          # federation.http: 429 with Retry-After

In memory on purpose: a limit only bounds how fast one process can be pushed, so two replicas
that each allow the rate are both right; nothing of correctness depends on it (DESIGN §10).
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection

__all__ = ["RateLimiter", "client_address", "per_minute", "retry_after"]


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Up to ``burst`` calls at once per key, refilled at ``rate`` calls per second.

    At most ``max_keys`` keys are remembered; the least recently used is forgotten first (a
    forgotten key starts full again, which only ever allows more). A ``rate`` of 0 or less
    turns the limit off."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens for ``key``: 0.0 when allowed, else the seconds to wait (and
        nothing is taken)."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        self._buckets[key] = bucket
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            return 0.0
        return (cost - bucket.tokens) / self.rate


def client_address(connection: HTTPConnection | None) -> str:
    """The client's address as the server saw it (from a proxy it trusts, ``trusted_proxies``:
    the address the proxy names), an IPv6 address by its /64 — what one subscriber is given, so
    the addresses of one line share a limit."""
    host = connection.client.host if connection is not None and connection.client else "unknown"
    if ":" not in host:
        return host
    try:
        return str(ipaddress.IPv6Network(f"{host}/64", strict=False))
    except ValueError:
        return host


def retry_after(wait: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


def per_minute(purpose: str, rate: float, burst: int) -> RateLimiter:
    """The limiter of the settings ``<purpose>_rate_per_minute`` and ``<purpose>_burst``;
    a rate of 0 turns it off."""
    if rate < 0:
        raise ValueError(f"{purpose}_rate_per_minute must not be negative (0 turns it off)")
    if burst < 1:
        raise ValueError(f"{purpose}_burst must be at least 1")
    return RateLimiter(rate=rate / 60, burst=burst)
