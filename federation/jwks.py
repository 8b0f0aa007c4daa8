"""Reading the other side's published keys (DESIGN §6 "Trust"): the JWKS document at
``/.well-known/jwks.json``, fetched within bounded time and size, and ``RemoteKeys``, the cached
``federation.trust.KeysOf`` a node checks the hub's tokens with."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urljoin

import httpx
import orjson

from federation.errors import UnknownKey
from federation.fetch import bounded_request
from federation.trust import MAX_TTL, TokenProblem

__all__ = ["MAX_JWKS_BYTES", "JWKS_PATH", "KeysUnavailable", "RemoteKeys", "fetch_jwks", "jwks_url"]

JWKS_PATH = "/.well-known/jwks.json"
# A JWKS of a few keys is well under 2 KB; anything far larger is not one to read into memory.
MAX_JWKS_BYTES = 64 * 1024
# Unknown kids refetch at most this often: made-up kids must not make us hammer the signer.
REFETCH_INTERVAL = 5.0


class KeysUnavailable(Exception):
    """No JWKS could be read: unreachable, too slow, too large, or not a JWKS document."""


def jwks_url(base_url: str) -> str:
    """The JWKS URL of the server at ``base_url`` (any URL on its origin)."""
    return urljoin(base_url, JWKS_PATH)


async def fetch_jwks(url: str, timeout: float) -> list[dict[str, Any]]:
    """The JWK objects of the JWKS document at ``url``; which of them are usable keys is for
    the caller to check (``federation.trust.public_key``)."""
    try:
        # The whole exchange within the timeout: a server trickling bytes must not hold us.
        async with asyncio.timeout(timeout):
            status, raw = await bounded_request("GET", url, MAX_JWKS_BYTES)
    except (httpx.HTTPError, TimeoutError) as error:
        raise KeysUnavailable(f"{url} did not answer: {error!r}") from None
    if raw is None:
        raise KeysUnavailable(f"{url} answered more than {MAX_JWKS_BYTES} bytes")
    if status != 200:
        raise KeysUnavailable(f"{url} answered HTTP {status}")
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        document = None
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list):
        raise KeysUnavailable(f"{url} did not answer a JWKS document")
    return [key for key in keys if isinstance(key, dict)]


class RemoteKeys:
    """The current keys of one issuer, read from its JWKS at ``url`` and kept ``ttl`` seconds:
    a key the issuer stops publishing (revokes) is refused here at most ``ttl`` seconds later.

    ``refresh`` refetches at once, for a token naming a kid not in the cache (a key rotated in),
    but at most once every few seconds. While the JWKS cannot be read, the issuer's tokens are
    refused (``UNKNOWN_KEY``, reason ``KEYS_UNAVAILABLE``): stale keys are never used past ``ttl``.
    """

    def __init__(
        self,
        issuer: str,
        url: str,
        ttl: float = MAX_TTL,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < ttl <= MAX_TTL:
            raise ValueError(f"a JWKS cache lives 0 < ttl <= {MAX_TTL} seconds, not {ttl}")
        self.issuer, self.url, self.ttl, self.timeout = issuer, url, ttl, timeout
        self._refetch_interval = min(REFETCH_INTERVAL, ttl)
        self._clock = clock
        self._keys: list[dict[str, Any]] | None = None
        self._fetched_at = self._tried_at = -float("inf")
        self._lock = asyncio.Lock()

    async def __call__(self, issuer: str) -> Sequence[Mapping[str, Any]] | None:
        if issuer != self.issuer:
            return None
        if self._clock() - self._fetched_at >= self.ttl:
            await self._fetch(self._refetch_interval)
        if self._keys is None or self._clock() - self._fetched_at >= self.ttl:
            raise UnknownKey(
                f"the keys of {issuer!r} cannot be read at the moment",
                reason=TokenProblem.KEYS_UNAVAILABLE.value,
            )
        return self._keys

    async def refresh(self) -> bool:
        """Refetch now unless tried within the last few seconds; True if the keys changed."""
        before = self._keys
        await self._fetch(self._refetch_interval)
        return self._keys != before

    async def _fetch(self, older_than: float) -> None:
        """Fetch the JWKS unless a fetch was tried less than ``older_than`` seconds ago; one
        fetch at a time, the requests waiting meanwhile use its result."""
        async with self._lock:
            if self._clock() - self._tried_at < older_than:
                return
            self._tried_at = self._clock()
            try:
                self._keys = await fetch_jwks(self.url, self.timeout)
            except KeysUnavailable:
                return  # refused until a later try succeeds; tried_at spaces the tries
            self._fetched_at = self._tried_at
