"""The HTTP endpoints both hub and nodes serve: GraphQL over HTTP with spec-conformant status
codes and media types, fast JSON and GraphiQL served offline; the health and readiness checks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from federation.graphiql import graphiql_html
from federation.storage import ping
from federation.trust import MAX_TTL, KeyPair, jwks

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def negotiate(accept: str) -> str:
    """The first of the two GraphQL JSON media types the Accept header lists; else JSON."""
    for item in accept.lower().split(","):
        media = item.split(";", 1)[0].strip()
        if media == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media in ("application/json", "application/*", "*/*"):
            break
    return "application/json"


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable-coercion errors: no data, and no error has a path."""
    return (
        result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)
    )


class GraphQLView(GraphQL[Any, None]):
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def get_sub_response(self, request: Request) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiate(request.headers.get("accept", ""))
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        # With graphql-response+json a request error has no `data` entry and a 400 status.
        if (
            is_request_error(result)
            and negotiate(request.headers.get("accept", "")) == GRAPHQL_RESPONSE_JSON
        ):
            del data["data"]
        return data

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE_JSON:
            response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = 400
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_html(endpoint=request.url.path))


def jwks_route(key: KeyPair, retired: Sequence[Mapping[str, Any]] = ()) -> Route:
    """``/.well-known/jwks.json``: the server's public key, and the ``retired`` ones still
    published after a rotation (``federation.trust.rotate_key``), for the other side's checks."""
    # Only public keys: the document is the same for every request.
    body = jwks([key])
    body["keys"] += [dict(jwk) for jwk in retired if jwk.get("kid") != key.kid]

    async def jwks_document(_: Request) -> Response:
        return JSONResponse(body, headers={"cache-control": f"max-age={MAX_TTL}"})

    return Route("/.well-known/jwks.json", jwks_document)


def health_routes(migrated: Callable[[], bool], log: logging.Logger) -> list[Route]:
    """``/healthz``: the process answers. ``/readyz``: the database answers and ``migrated()``."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            await ping()
        except Exception:  # any failure means not ready; details go to the log, not the caller
            log.exception("readiness check: database unavailable")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if not migrated():
            return JSONResponse({"status": "migrating"}, status_code=503)
        return JSONResponse({"status": "ready"})

    return [Route("/healthz", healthz), Route("/readyz", readyz)]
