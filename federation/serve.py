"""Serving either server over HTTP, hardened against what a client can send (DESIGN §8): a
request body over ``max_body_bytes`` gets 413 before it is read whole; a connection that does not
send a request's headers within ``header_timeout_seconds``, or then its body within
``body_timeout_seconds``, is closed; a client that goes away mid-request is one quiet log line; and
every response carries the headers that keep browsers from sniffing it or framing a page.

    serve(create_app(settings), host, port, settings)   # instead of uvicorn.run
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

import h11
import uvicorn
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from federation.errors import BodyLimitExceeded
from federation.http import error_response

__all__ = ["HttpLimits", "check_http_limits", "guarded", "serve"]

log = logging.getLogger("smenet.http")

# Added to what a page's own policy says: no other site may frame any of the servers' pages.
FRAME_ANCESTORS = "frame-ancestors 'none'"


class HttpLimits(Protocol):
    """What a server's settings say about its HTTP clients (NodeSettings, HubSettings)."""

    max_body_bytes: int
    header_timeout_seconds: float
    body_timeout_seconds: float
    # The reverse proxies whose X-Forwarded-For names the client; none: the peer's address is
    # the client's, whatever a request says.
    trusted_proxies: list[str]


def check_http_limits(limits: HttpLimits) -> None:
    """``ValueError`` for limits a server could not work with."""
    if limits.max_body_bytes < 1024:
        raise ValueError("max_body_bytes must be at least 1024")
    if limits.header_timeout_seconds <= 0 or limits.body_timeout_seconds <= 0:
        raise ValueError("header_timeout_seconds and body_timeout_seconds must be positive")


def serve(app: ASGIApp, host: str, port: int, limits: HttpLimits) -> None:
    """Serve ``app`` on ``host:port`` until interrupted, as ``uvicorn.run`` does."""
    uvicorn.run(
        guarded(app, limits.max_body_bytes),
        host=host,
        port=port,
        http=_timed_protocol(limits.header_timeout_seconds, limits.body_timeout_seconds),
        proxy_headers=bool(limits.trusted_proxies),
        forwarded_allow_ips=limits.trusted_proxies or None,
        log_level="warning",
        access_log=False,
    )


def _timed_protocol(header_timeout: float, body_timeout: float) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol with a deadline on each request's headers and on its body.

    uvicorn only closes a connection idle after a response (``timeout_keep_alive``), and its
    timer stops at the first byte: a client sending nothing, or a byte now and then, would hold
    the connection for ever. Here the clock starts when a request is awaited (a new connection,
    or after a response) and is not reset by the bytes that trickle in."""

    class TimedH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None
        _awaiting: type | None = None  # the h11 state of the client the clock runs for

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._watch()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop()
            super().connection_lost(exc)

        def _watch(self) -> None:
            """Start the clock when the client is to send headers (IDLE) or a body (SEND_BODY);
            stop it once it has sent them (also for an upgrade to another protocol); leave it
            running while it still sends them."""
            awaiting = self.conn.their_state
            if awaiting is self._awaiting or self.transport.is_closing():
                return
            self._stop()
            timeout = {h11.IDLE: header_timeout, h11.SEND_BODY: body_timeout}.get(awaiting)
            if timeout is not None:
                self._awaiting = awaiting
                self._deadline = self.loop.call_later(timeout, self._drop)

        def _stop(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline, self._awaiting = None, None

        def _drop(self) -> None:
            # An application still reading the body then receives http.disconnect.
            self._deadline = None
            self.transport.close()

    return TimedH11Protocol


def guarded(app: ASGIApp, max_body_bytes: int) -> ASGIApp:
    """``app`` with the body limit, quiet disconnects and the browser headers on every response."""

    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        received = 0
        started = refused = False

        async def secured_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent: what the app answers after it goes nowhere
            if message["type"] == "http.response.start":
                started = True
                _secure(message)
            await send(message)

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body_bytes:
                    # A chunked body, cut at the limit: the app sees the client go away.
                    if not started:
                        await _too_large(max_body_bytes)(scope, receive, secured_send)
                        refused = True
                    return {"type": "http.disconnect"}
            return message

        declared = _content_length(scope)
        if declared is not None and declared > max_body_bytes:
            await _too_large(max_body_bytes)(scope, receive, secured_send)
            return
        try:
            await app(scope, limited_receive, secured_send)
        except ClientDisconnect:
            # Not the server's error: the client left, or sent more than the limit.
            if not refused:
                # The path's first part only: the rest may be a secret (a feedback link's token).
                where = "/" + scope["path"].lstrip("/").split("/", 1)[0]
                log.info("%s %s…: the client went away mid-request", scope["method"], where)

    return guard


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


def _too_large(max_body_bytes: int) -> Response:
    """413, and the connection closed: the rest of the body is never read."""
    return error_response(
        413,
        BodyLimitExceeded.code,
        f"the request body is larger than {max_body_bytes} bytes",
        headers={"connection": "close"},
        limit="body",
        max=max_body_bytes,
    )


def _secure(start: Message) -> None:
    """``nosniff`` on every response; on a page also ``X-Frame-Options`` and its policy with
    ``frame-ancestors 'none'`` (a policy the page sets keeps its other directives)."""
    headers = MutableHeaders(scope=start)
    headers["x-content-type-options"] = "nosniff"
    if not headers.get("content-type", "").lower().startswith("text/html"):
        return
    headers["x-frame-options"] = "DENY"
    policies = headers.getlist("content-security-policy") or [""]
    del headers["content-security-policy"]
    for policy in policies:
        directives = [
            directive.strip()
            for directive in policy.split(";")
            if directive.strip() and not directive.strip().lower().startswith("frame-ancestors")
        ]
        headers.append("content-security-policy", "; ".join([*directives, FRAME_ANCESTORS]))
