"""One HTTP request to the other side whose answer is read only up to a size: a peer that
answers far more than expected must not fill this side's memory."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["bounded_request"]


async def bounded_request(
    method: str, url: str, limit: int, **options: Any
) -> tuple[int, bytes | None]:
    """The status and body of the answer; no body when it is larger than ``limit`` bytes.
    ``options`` go to ``httpx.AsyncClient.build_request``; bound the time with
    ``asyncio.timeout`` around the call, so a peer trickling bytes cannot hold it either."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        response = await client.send(client.build_request(method, url, **options), stream=True)
        try:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    return response.status_code, None
            return response.status_code, bytes(body)
        finally:
            await response.aclose()
