"""Bad input for either server's tests: values no input may hold, a request that can carry any
of them, and the check that a call was refused as bad input — an input error code (BAD_INPUT or
one under it), a message quoting at most a bounded prefix of the input, no data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from federation.errors import InputError, codes_of
from federation.inputs import QUOTE_LIMIT
from federation.testing import Result, Server

__all__ = ["INPUT_CODES", "LONG", "NUL", "SURROGATE", "UNSTORABLE", "post_escaped", "refused"]

INPUT_CODES = codes_of(InputError)
LONG = "x" * 50_000
SURROGATE = "南山\ud800窗口"  # a lone surrogate, as the JSON escape \ud800 writes it
NUL = "南山\x00窗口"  # PostgreSQL holds no NUL in text nor JSON
# Text no database can hold, as a parameter of a test.
UNSTORABLE = [pytest.param(SURROGATE, id="surrogate"), pytest.param(NUL, id="nul")]
# An error that quotes a long input: the quoted prefix, and the words around it.
MESSAGE_BOUND = QUOTE_LIMIT + 200


async def post_escaped(
    server: Server, query: str, variables: dict[str, Any] | None = None, token: str | None = None
) -> Result:
    """The request as JSON with every non-ASCII character escaped, as any client may write it:
    the only way to send a lone surrogate, which the gql client cannot encode."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables})  # ensure_ascii: "\ud800" stays
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(server.url, content=body, headers=headers)
    assert response.status_code < 500, response.text
    answer = response.json()
    return Result(data=answer.get("data"), errors=list(answer.get("errors") or []))


def refused(result: Result) -> dict[str, Any]:
    """The one error of a call refused as bad input; no field answered."""
    assert result.data is None or all(v is None for v in result.data.values()), result.data
    assert len(result.errors) == 1, result.errors
    error: dict[str, Any] = result.errors[0]
    assert error.get("extensions", {}).get("code") in INPUT_CODES, error
    assert len(error["message"]) < MESSAGE_BOUND, error["message"][:300]
    assert LONG[: QUOTE_LIMIT + 1] not in error["message"]
    return error
