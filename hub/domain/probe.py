"""What the hub checks of a window's node before connecting it (DESIGN §6): its public
``nodeInfo``, SDL and keys (JWKS), read over HTTP without a token, against the registry and the
core contract."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from federation import ACCEPTED_CORE_SCHEMA_VERSIONS
from federation.compose import sdl_hash
from federation.contract import contract_violations, core_schema, subgraph_schema
from federation.errors import (
    ContractViolation,
    IncompatibleCoreVersion,
    InputError,
    WindowMismatch,
    WindowUnreachable,
)
from federation.fetch import bounded_request
from federation.inputs import quote
from federation.jwks import KeysUnavailable, fetch_jwks, jwks_url

__all__ = [
    "NODE_QUERY",
    "NodeReading",
    "check_endpoint",
    "check_node",
    "read_node",
    "read_node_keys",
]

NODE_QUERY = """{
  nodeInfo {
    windowId name kind regionCode industries coreSchemaVersion nodeVersion
    plugins { name version namespace error }
  }
  _service { sdl }
}"""
# How many contract problems an error lists; the count says how many there were.
SHOWN_PROBLEMS = 10
# A node's answer is ~40 KB; anything far larger is not an answer to read into memory.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
# The columns the reading goes into (hub.models.Window): longer values are refused, not cut.
MAX_VERSION = 32
MAX_PLUGIN_TEXT = 200


@dataclass(frozen=True)
class NodeReading:
    """A node's answer to ``NODE_QUERY``."""

    window_id: str
    name: str
    core_schema_version: str
    node_version: str
    plugins: list[dict[str, Any]]
    sdl: str

    @property
    def sdl_hash(self) -> str:
        return sdl_hash(self.sdl)


def check_endpoint(endpoint: str) -> str:
    """The node's GraphQL URL, e.g. ``https://node.example.cn/graphql``, or ``BAD_INPUT``."""
    endpoint = endpoint.strip()
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError("endpoint must be the node's http(s) GraphQL URL", field="endpoint")
    if len(endpoint) > 500:
        raise InputError("endpoint is longer than 500 characters", field="endpoint")
    return endpoint


async def read_node(endpoint: str, timeout: float) -> NodeReading:
    """Ask the node for its ``nodeInfo`` and SDL; anything but a GraphQL answer is
    ``WINDOW_UNREACHABLE``, a GraphQL answer without them ``CONTRACT_VIOLATION``."""
    try:
        # The whole exchange within the timeout: a node trickling bytes must not hold the hub.
        async with asyncio.timeout(timeout):
            status, raw = await bounded_request(
                "POST",
                endpoint,
                MAX_ANSWER_BYTES,
                json={"query": NODE_QUERY},
                headers={"accept": "application/json"},
            )
    except (httpx.HTTPError, TimeoutError) as error:
        raise WindowUnreachable(f"{endpoint} did not answer: {error!r}") from None
    try:
        body = None if raw is None else orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
        raise WindowUnreachable(f"{endpoint} answered HTTP {status} without a GraphQL response")
    data, errors = body.get("data"), body.get("errors")
    if errors or not isinstance(data, dict):
        messages = "; ".join(str(e.get("message", e)) for e in errors or [] if isinstance(e, dict))
        raise ContractViolation(
            f"{endpoint} does not answer nodeInfo and _service: {messages or 'no data'}"
        )
    try:
        info, sdl = data["nodeInfo"], data["_service"]["sdl"]
        reading = NodeReading(
            window_id=str(info["windowId"]),
            name=str(info["name"]),
            core_schema_version=_text(info["coreSchemaVersion"], MAX_VERSION),
            node_version=_text(info["nodeVersion"], MAX_VERSION),
            plugins=[_plugin(p) for p in info["plugins"]],
            sdl=str(sdl),
        )
    except (KeyError, TypeError, AttributeError, ValueError):
        raise ContractViolation(f"{endpoint} answered nodeInfo or _service incompletely") from None
    return reading


async def read_node_keys(endpoint: str, timeout: float) -> list[dict[str, Any]]:
    """The JWKs the node publishes at ``/.well-known/jwks.json`` on its endpoint's origin."""
    url = jwks_url(endpoint)
    try:
        return await fetch_jwks(url, timeout)
    except KeysUnavailable as error:
        raise WindowUnreachable(f"the node's keys: {error}") from None


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError("not a string of the expected length")
    return value


def _plugin(entry: object) -> dict[str, Any]:
    """One of ``nodeInfo.plugins``, as the registry shows it (``Window.plugins``)."""
    if not isinstance(entry, dict):
        raise ValueError("a plugin entry is not an object")
    error = entry.get("error")
    return {
        **{k: _text(entry.get(k), MAX_PLUGIN_TEXT) for k in ("name", "version", "namespace")},
        "error": None if error is None else str(error)[:1000],
    }


def check_node(reading: NodeReading, window_id: str) -> None:
    """The node is the registered window, speaks an accepted core version and its SDL holds that
    version's contract unchanged; else the error that says which check failed."""
    if reading.window_id != window_id:
        raise WindowMismatch(
            f"the node at this endpoint is window {quote(reading.window_id)}, not {window_id!r}",
            nodeWindowId=reading.window_id,
        )
    version = reading.core_schema_version
    if version not in ACCEPTED_CORE_SCHEMA_VERSIONS:
        raise IncompatibleCoreVersion(
            f"the node speaks core schema {quote(version)}; the hub accepts"
            f" {', '.join(ACCEPTED_CORE_SCHEMA_VERSIONS)}",
            nodeVersion=version,
            accepted=list(ACCEPTED_CORE_SCHEMA_VERSIONS),
        )
    try:
        schema = subgraph_schema(reading.sdl)
    except ValueError as error:
        raise ContractViolation(f"the node's {error}") from None
    problems = contract_violations(schema, core_schema(version))
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        raise ContractViolation(
            f"the node's SDL differs from core schema {version} in {len(problems)} ways: {shown}",
            problems=problems[:SHOWN_PROBLEMS],
        )
