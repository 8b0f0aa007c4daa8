"""The HTTP endpoints both hub and nodes serve: GraphQL over HTTP with spec-conformant status
codes and media types, fast JSON and GraphiQL served offline; the health and readiness checks.
A body that is no GraphQL request gets 400 with a JSON error (``BAD_REQUEST``), never a 500."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from federation.errors import BadRequest, RateLimited
from federation.graphiql import graphiql_html
from federation.inputs import shorten
from federation.ratelimit import retry_after
from federation.storage import UnusableDatabase, ping
from federation.trust import MAX_TTL, KeyPair, jwks

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# Arrays and objects nested deeper in a request's JSON are refused: no GraphQL input needs as
# many, and what reads variables later (coercion, the JSON scalar) recurses over them.
MAX_JSON_DEPTH = 64
# A JSON document whose first token opens an object or an array (a batch).
_OBJECT_OR_ARRAY = re.compile(rb"[ \t\r\n]*[{\[]")


def negotiate(accept: str) -> str:
    """The first of the two GraphQL JSON media types the Accept header lists; else JSON."""
    for item in accept.lower().split(","):
        media = item.split(";", 1)[0].strip()
        if media == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media in ("application/json", "application/*", "*/*"):
            break
    return "application/json"


def error_response(
    status: int,
    code: str,
    message: str,
    media_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """An HTTP error with a GraphQL-shaped JSON body: ``errors[0].extensions.code`` is ``code``."""
    body = {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}
    return Response(orjson.dumps(body), status, headers, media_type)


def too_many_requests(wait: float, message: str) -> Response:
    """429 with ``Retry-After`` and the code ``RATE_LIMITED`` (``federation.ratelimit``)."""
    seconds = retry_after(wait)
    return error_response(
        429, "RATE_LIMITED", message, headers={"retry-after": seconds}, retryAfter=int(seconds)
    )


def too_deep(value: object, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON ``value`` nests arrays and objects more than ``limit`` levels deep."""
    # Level by level, without recursion: each value is looked at once.
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(limit):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return False
    return True


def is_request_error(result: ExecutionResult) -> bool:
    """Parse, validation and variable-coercion errors: no data, and no error has a path."""
    return (
        result.data is None and bool(result.errors) and all(e.path is None for e in result.errors)
    )


class GraphQLView(GraphQL[Any, None]):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:  # strawberry's refusals (4xx), as JSON, not plain text
            media_type = negotiate(request.headers.get("accept", ""))
            reason = shorten(error.reason)  # it may quote the request, e.g. an operation's name
            response = error_response(error.status_code, BadRequest.code, reason, media_type)
        await response(scope, receive, send)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        # A caller without a login over its address's limit is refused by the server's context
        # (``RequestContext.of_request``) before the body is read.
        try:
            return await super().run(request, context, root_value)
        except RateLimited as refused:
            return too_many_requests(refused.extensions["retryAfter"], refused.message)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson takes UTF-8 only, and refuses nesting beyond its own bound without recursing.
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise HTTPException(400, f"the request is not JSON in UTF-8: {error}") from None
        if too_deep(value):
            raise HTTPException(400, f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
        return value

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        # The base class reads a JSON body's fields as an object's: a string, number, boolean or
        # null there would be a 500. An array is a batch, which it refuses itself.
        content_type, _ = parse_content_type(request.content_type or "")
        if (
            request.method == "POST"
            and "application/json" in content_type
            and not _OBJECT_OR_ARRAY.match(await request.get_body())
        ):
            raise HTTPException(400, "the request body must be a JSON object")
        return await super().parse_http_body(request)

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
        except UnusableDatabase as error:  # a malformed file: the reason, without the path
            log.error("readiness check: database %s: %s", error.where, error)
            return JSONResponse({"status": "malformed", "reason": str(error)}, status_code=503)
        except Exception:  # any failure means not ready; details go to the log, not the caller
            log.exception("readiness check: database unavailable")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if not migrated():
            return JSONResponse({"status": "migrating"}, status_code=503)
        return JSONResponse({"status": "ready"})

    return [Route("/healthz", healthz), Route("/readyz", readyz)]
