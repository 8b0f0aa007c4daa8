"""What the hub checks of a window's node before connecting it (DESIGN §6): its public
``nodeInfo`` and SDL, read over HTTP without a token, against the registry and the core contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

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

__all__ = ["NODE_QUERY", "NodeReading", "check_endpoint", "check_node", "read_node"]

NODE_QUERY = """{
  nodeInfo {
    windowId name kind regionCode industries coreSchemaVersion nodeVersion
    plugins { name version namespace error }
  }
  _service { sdl }
}"""
# How many contract problems an error lists; the count says how many there were.
SHOWN_PROBLEMS = 10


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
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.post(
                endpoint, json={"query": NODE_QUERY}, headers={"accept": "application/json"}
            )
    except httpx.HTTPError as error:
        raise WindowUnreachable(f"{endpoint} did not answer: {error!r}") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or ("data" not in body and "errors" not in body):
        raise WindowUnreachable(
            f"{endpoint} answered HTTP {response.status_code} without a GraphQL response"
        )
    data, errors = body.get("data"), body.get("errors")
    if errors or not isinstance(data, dict):
        messages = "; ".join(str(e.get("message", e)) for e in errors or [] if isinstance(e, dict))
        raise ContractViolation(
            f"{endpoint} does not answer nodeInfo and _service: {messages or 'no data'}"
        )
    try:
        info, sdl = data["nodeInfo"], data["_service"]["sdl"]
        return NodeReading(
            window_id=str(info["windowId"]),
            name=str(info["name"]),
            core_schema_version=str(info["coreSchemaVersion"]),
            node_version=str(info["nodeVersion"]),
            plugins=[
                {k: p.get(k) for k in ("name", "version", "namespace", "error")}
                for p in info["plugins"]
            ],
            sdl=str(sdl),
        )
    except (KeyError, TypeError, AttributeError):
        raise ContractViolation(f"{endpoint} answered nodeInfo or _service incompletely") from None


def check_node(reading: NodeReading, window_id: str) -> None:
    """The node is the registered window, speaks an accepted core version and its SDL holds that
    version's contract unchanged; else the error that says which check failed."""
    if reading.window_id != window_id:
        raise WindowMismatch(
            f"the node at this endpoint is window {reading.window_id!r}, not {window_id!r}",
            nodeWindowId=reading.window_id,
        )
    version = reading.core_schema_version
    if version not in ACCEPTED_CORE_SCHEMA_VERSIONS:
        raise IncompatibleCoreVersion(
            f"the node speaks core schema {version!r}; the hub accepts"
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
