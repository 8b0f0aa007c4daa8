"""A server with its guards off, beside which the benchmarks show what the guards cost: the
operation limits (``federation.limits``) and the refusal of unstorable text replaced by
strawberry's own parser and validation caches, no anonymous rate limit, and plain uvicorn instead
of ``federation.serve`` (no body limit, read timeouts or security headers). For benchmarks only:
the servers themselves have no such switch."""

from __future__ import annotations

import os
from typing import Any

import uvicorn
from starlette.types import ASGIApp
from strawberry.extensions import ParserCache, ValidationCache

from federation.extensions import ErrorCodes


def _extensions(*_: object) -> list[Any]:
    return [ErrorCodes, lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)]


def plain_serve(app: ASGIApp, host: str, port: int, _: object = None) -> None:
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def guards_off() -> None:
    """In this process, before a server's app is made."""
    import hub.cli
    import hub.schema
    import node.cli
    import node.schema

    node.schema.schema_extensions = hub.schema.schema_extensions = _extensions  # type: ignore[assignment]
    node.cli.serve = hub.cli.serve = plain_serve  # type: ignore[assignment]
    os.environ["SMENET_ANONYMOUS_RATE_PER_MINUTE"] = "0"
