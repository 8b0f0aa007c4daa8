"""What a client can do to either server over HTTP (federation.serve, federation.http), on real
servers over raw sockets: a malformed body is a 400 with a JSON error, never a 500; a body over
the limit is a 413 before it is read whole; slow clients are dropped; a client that leaves
mid-request leaves no traceback; no page can be framed and no response is sniffed."""

from __future__ import annotations

import json
import os
import select
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from federation.testing import Server
from hub.testing import HubServer
from tests.support.node_server import NodeServer, smenet

MAX_BODY = 16 * 1024  # below the node's own form limit (64 KiB), to show this one comes first
ENV = {
    "SMENET_MAX_BODY_BYTES": str(MAX_BODY),
    "SMENET_HEADER_TIMEOUT_SECONDS": "1",
    "SMENET_BODY_TIMEOUT_SECONDS": "1",
}
BOUND = 15.0  # seconds: generous beside the 1 s timeouts
# Each kind's HTML form that posts a body.
FORM = {"node": "/forms/demand", "hub": "/dashboard/login"}
FRAME_ANCESTORS = "frame-ancestors 'none'"


@pytest.fixture(scope="module", params=["node", "hub"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp(request.param)
    served: Server = (
        NodeServer(data_dir=data_dir, env=ENV)
        if request.param == "node"
        else HubServer(data_dir=data_dir, env=ENV)
    )
    served.init()
    served.start()
    yield served
    served.stop()


def connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=BOUND)


def head(path: str, method: str = "POST", **headers: str) -> bytes:
    """A request line and headers (``content_type=…`` is Content-Type), without a body."""
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (within the bound)."""
    chunks: list[bytes] = []
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def status_and_json(raw: bytes) -> tuple[int, dict[str, Any]]:
    head_part, _, body = raw.partition(b"\r\n\r\n")
    status = int(head_part.split(b" ", 2)[1])
    return status, json.loads(body)


def closed_within(sock: socket.socket, bound: float = BOUND, trickle: bytes = b"") -> bool:
    """Whether the server closes ``sock`` within ``bound`` seconds, while the client sends
    ``trickle`` a byte at a time (every 0.2 s) meanwhile."""
    deadline = time.monotonic() + bound
    sent = 0
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.2)
        if readable:
            try:
                if not sock.recv(65536):
                    return True
            except ConnectionResetError:
                return True
        if sent < len(trickle):
            try:
                sock.sendall(trickle[sent : sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                return True
            sent += 1
    return False


def log_since(server: Server, offset: int) -> str:
    return (server.data_dir / "serve.log").read_bytes()[offset:].decode("utf-8", "replace")


def log_size(server: Server) -> int:
    return (server.data_dir / "serve.log").stat().st_size


def post(server: Server, body: bytes, **headers: str) -> httpx.Response:
    headers = {"content-type": "application/json", **headers}
    return httpx.post(server.url, content=body, headers=headers, timeout=BOUND)


def nested(levels: int) -> bytes:
    """A GraphQL request whose JSON nests ``levels`` deep: the request object, its variables,
    then arrays in a variable the operation does not declare (and so ignores)."""
    return (
        b'{"query": "{ __typename }", "variables": {"x": '
        + b"[" * (levels - 2)
        + b"]" * (levels - 2)
        + b"}}"
    )


MALFORMED = {
    "a string": b'"{ __typename }"',
    "null": b"null",
    "a number": b"42",
    "a boolean": b"true",
    "empty": b"",
    "not UTF-8": b'{"query": "{ __typename }", "variables": {"x": "\xff\xfe"}}',
    "UTF-16": '{"query": "{ __typename }"}'.encode("utf-16"),
    "a lone surrogate escaped": b'{"query": "{ __typename }", "variables": {"x": "\\ud800"}}',
    "nested one level too deep": nested(65),
    "nested far too deep": b"[" * 5000 + b"]" * 5000,
    "not JSON": b"{not json",
    "variables not an object": b'{"query": "{ __typename }", "variables": [1]}',
    "extensions not an object": b'{"query": "{ __typename }", "extensions": "x"}',
    "query not a string": b'{"query": 42}',
    "no query": b'{"variables": {}}',
    "operationName not a string": b'{"query": "{ __typename }", "operationName": 42}',
    "a batch": b'[{"query": "{ __typename }"}]',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_is_a_400_with_a_json_error(server: Server, body: bytes) -> None:
    offset = log_size(server)
    response = post(server, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST" and error["message"]
    assert "Traceback" not in log_since(server, offset)


def test_a_request_error_is_graphql_response_json_when_asked(server: Server) -> None:
    response = post(server, b"null", accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/graphql-response+json"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_json_nested_to_the_bound_is_answered(server: Server) -> None:
    response = post(server, nested(64))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["__typename"] == "Query"


def test_a_body_at_the_limit_is_answered(server: Server) -> None:
    start = b'{"query": "{ __typename }", "variables": {"pad": "'
    body = start + b"x" * (MAX_BODY - len(start) - 3) + b'"}}'
    assert len(body) == MAX_BODY
    response = post(server, body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("where", ["graphql", "form"])
def test_a_body_declared_over_the_limit_is_refused_before_it_is_sent(
    server: Server, where: str
) -> None:
    """Only the headers are sent: the 413 cannot have waited for the body."""
    path = "/graphql" if where == "graphql" else FORM[server.KIND]
    with connect(server) as sock:
        sock.sendall(head(path, content_type="application/json", content_length=str(MAX_BODY + 1)))
        status, body = status_and_json(read_all(sock))
    assert status == 413
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BODY_LIMIT_EXCEEDED", "limit": "body", "max": MAX_BODY}


@pytest.mark.parametrize("where", ["graphql", "form"])
def test_a_chunked_body_is_cut_at_the_limit(server: Server, where: str) -> None:
    path = "/graphql" if where == "graphql" else FORM[server.KIND]
    chunk = b"x" * 4096
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY // len(chunk) + 1)
    )
    offset = log_size(server)
    with connect(server) as sock:
        sock.sendall(
            head(path, content_type="application/json", transfer_encoding="chunked") + chunks
        )
        status, body = status_and_json(read_all(sock))
    assert status == 413
    assert body["errors"][0]["extensions"]["code"] == "BODY_LIMIT_EXCEEDED"
    assert "Traceback" not in log_since(server, offset)


def test_a_client_stalling_in_its_request_line_is_dropped(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /graphql HT")
        assert closed_within(sock)


def test_a_client_trickling_its_headers_is_dropped(server: Server) -> None:
    """The clock is not reset by each byte that arrives."""
    with connect(server) as sock:
        assert closed_within(sock, trickle=head("/healthz", "GET", x_padding="y" * 200))


def test_a_kept_alive_connection_stalling_in_its_next_request_is_dropped(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(head("/healthz", "GET"))
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /heal")
        assert closed_within(sock)


def test_stalled_connections_do_not_hold_up_other_clients(server: Server) -> None:
    stalled = [connect(server) for _ in range(50)]
    try:
        for sock in stalled:
            sock.sendall(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        health = httpx.get(server.url.replace("/graphql", "/healthz"), timeout=BOUND)
        assert health.json() == {"status": "ok"}
        assert all(closed_within(sock) for sock in stalled)
    finally:
        for sock in stalled:
            sock.close()


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickled"])
def test_a_slow_body_is_cut_off(server: Server, trickle: bool) -> None:
    offset = log_size(server)
    with connect(server) as sock:
        sock.sendall(
            head("/graphql", content_type="application/json", content_length="1000") + b'{"query":'
        )
        assert closed_within(sock, trickle=b" " * 900 if trickle else b"")
    assert "Traceback" not in log_since(server, offset)


@pytest.mark.parametrize("when", ["while sending the body", "before the answer"])
def test_a_client_leaving_mid_request_leaves_no_traceback(server: Server, when: str) -> None:
    offset = log_size(server)
    for _ in range(5):
        with connect(server) as sock:
            if when == "while sending the body":
                sock.sendall(
                    head("/graphql", content_type="application/json", content_length="1000")
                    + b'{"query":'
                )
            else:
                body = b'{"query": "{ __typename }"}'
                sock.sendall(
                    head("/graphql", content_type="application/json", content_length=str(len(body)))
                    + body
                )
    assert httpx.get(server.url.replace("/graphql", "/healthz"), timeout=BOUND).status_code == 200
    # What the server logs about those requests is all written once it has stopped.
    server.restart()
    log = log_since(server, offset)
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log


def pages(server: Server) -> list[str]:
    if server.KIND == "node":
        return ["/graphql", "/forms/demand", "/feedback/not-a-token"]
    return ["/graphql", "/dashboard/login"]


def test_no_page_can_be_framed(server: Server) -> None:
    base = server.url.removesuffix("/graphql")
    for path in pages(server):
        response = httpx.get(base + path, headers={"accept": "text/html"}, timeout=BOUND)
        assert response.headers["content-type"].startswith("text/html"), path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        (policy,) = response.headers.get_list("content-security-policy")
        directives = [d.strip() for d in policy.split(";")]
        assert directives.count(FRAME_ANCESTORS) == 1, (path, policy)
        assert not [
            d for d in directives if d.startswith("frame-ancestors") and d != FRAME_ANCESTORS
        ]


def test_a_page_keeps_its_own_policy(server: Server) -> None:
    path = FORM[server.KIND]
    response = httpx.get(server.url.replace("/graphql", path), timeout=BOUND)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy, policy
    if server.KIND == "hub":
        assert "script-src 'self'" in policy and "base-uri 'none'" in policy, policy


def test_no_response_is_sniffed(server: Server) -> None:
    base = server.url.removesuffix("/graphql")
    responses = [
        httpx.get(f"{base}/healthz"),
        httpx.get(f"{base}/no-such-page"),
        httpx.get(f"{base}/static/graphiql/graphiql.min.js"),
        post(server, b'{"query": "{ __typename }"}'),
        post(server, b"null"),
        post(server, b"x" * (MAX_BODY + 1)),
    ]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff", response.url
        assert "x-frame-options" not in response.headers  # only pages need it


@pytest.mark.parametrize(
    "setting, value",
    [("MAX_BODY_BYTES", "100"), ("HEADER_TIMEOUT_SECONDS", "0"), ("BODY_TIMEOUT_SECONDS", "-1")],
)
def test_http_limits_a_server_cannot_work_with_are_refused_at_start(
    server: Server, setting: str, value: str
) -> None:
    done = smenet(
        server.KIND,
        "serve",
        "--data",
        str(server.data_dir),
        env={**os.environ, f"SMENET_{setting}": value},
    )
    assert done.returncode != 0
    assert setting.lower() in done.stderr and "Traceback" not in done.stderr, done.stderr
