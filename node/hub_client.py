"""The node's calls to the hub (DESIGN §6 "Trust"): GraphQL at the hub's ``/graphql``, each
request with a fresh token signed by the node's key (issuer the window id, audience "hub",
role WINDOW), so the hub knows which window calls and refuses a replay."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import orjson

from federation.errors import HubUnreachable, error_for
from federation.fetch import bounded_request
from federation.trust import HUB, WINDOW, KeyPair, bearer, issue_token, load_key
from node.config import NodeSettings

__all__ = ["HUB", "HUB_TIMEOUT", "MAX_ANSWER_BYTES", "WINDOW", "HubClient", "HubUnavailable"]

MAX_ANSWER_BYTES = 8 * 1024 * 1024
TOKEN_TTL = 30  # seconds: a call's whole life, with room for clock skew
HUB_TIMEOUT = 10.0  # seconds a call waits for the hub's answer


class HubUnavailable(Exception):
    """No GraphQL answer from the hub: not configured, unreachable, too slow, or no JSON."""


class HubClient:
    """Sends GraphQL requests to the hub at ``settings.hub`` as this window."""

    def __init__(self, settings: NodeSettings, key: KeyPair, timeout: float = HUB_TIMEOUT) -> None:
        self.window_id = settings.window_id
        self.url = f"{settings.hub.rstrip('/')}/graphql" if settings.hub else ""
        self.key, self.timeout = key, timeout

    @classmethod
    def of(cls, settings: NodeSettings) -> HubClient:
        """The client of the node whose settings these are, signing with its key file."""
        return cls(settings, load_key(settings.key_path()))

    def token(self) -> str:
        """A fresh token for one request."""
        return issue_token(self.key, self.window_id, HUB, self.window_id, WINDOW, ttl=TOKEN_TTL)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The hub's GraphQL response (``data`` and ``errors`` as it sent them)."""
        if not self.url:
            raise HubUnavailable("no hub configured (smenet node init --hub URL, or SMENET_HUB)")
        try:
            async with asyncio.timeout(self.timeout):
                status, raw = await bounded_request(
                    "POST",
                    self.url,
                    MAX_ANSWER_BYTES,
                    json={"query": query, "variables": variables or {}},
                    headers={"accept": "application/json", **bearer(self.token())},
                )
        except (httpx.HTTPError, TimeoutError) as error:
            raise HubUnavailable(f"{self.url} did not answer: {error!r}") from None
        try:
            body = None if raw is None else orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
            raise HubUnavailable(f"{self.url} answered HTTP {status} without a GraphQL response")
        return body

    async def confirm(self, query: str, variables: dict[str, Any], answer: str) -> dict[str, Any]:
        """The hub's ``data[answer]`` for a step it must confirm; ``HUB_UNREACHABLE`` without a
        GraphQL answer, and the hub's own refusal under its code."""
        try:
            body = await self.execute(query, variables)
        except HubUnavailable as error:
            raise HubUnreachable(
                f"the hub could not confirm: {error}; nothing was recorded here, and the same "
                "call may be made again"
            ) from None
        for error in body.get("errors") or []:
            extensions = error.get("extensions") or {}
            code = str(extensions.pop("code", "INTERNAL_ERROR"))
            raise error_for(code, f"the hub refused: {error.get('message', '')}", extensions)
        data = body.get("data")
        found = data.get(answer) if isinstance(data, dict) else None
        if not isinstance(found, dict):
            raise HubUnreachable(f"the hub answered no {answer}")
        return found
