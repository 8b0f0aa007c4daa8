"""Requests as a reverse proxy on loopback passes them on: the client's address in
``X-Forwarded-For``. The test servers see every request from 127.0.0.1; a server takes the
forwarded address from a proxy it trusts (``trusted_proxies``), so a test can stand for
callers at several addresses — what a server behind a proxy sees in production."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["TRUST_LOOPBACK", "graphql_from", "post_from"]

# The environment of a test server that trusts the forwarded address from loopback.
TRUST_LOOPBACK = {"SMENET_TRUSTED_PROXIES": "127.0.0.1"}


async def post_from(address: str, url: str, **kwargs: Any) -> httpx.Response:
    """POST to ``url`` on behalf of a client at ``address``; ``kwargs`` as httpx takes them."""
    headers = {"X-Forwarded-For": address, **kwargs.pop("headers", {})}
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.post(url, headers=headers, **kwargs)


async def graphql_from(
    address: str,
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> httpx.Response:
    """One GraphQL request from a client at ``address``: the whole HTTP answer, status and
    headers included."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables or {}}
    return await post_from(address, url, json=body, headers=headers)
