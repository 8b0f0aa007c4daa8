"""The node's HTTP surface: GraphQL over HTTP per spec, GraphiQL offline, health and readiness."""

from __future__ import annotations

import re

import httpx
import pytest
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from federation.extensions import ErrorCodes
from federation.limits import QueryLimits
from federation.trust import load_key
from node.schema import build_schema
from tests.support.graphql_http_audit import run_audit
from tests.support.node_server import NodeServer


def test_passes_every_graphql_over_http_audit(node: NodeServer) -> None:
    results = run_audit(node.url)
    assert len(results) > 50
    assert [r for r in results if r["status"] != "ok"] == []


def test_health_and_readiness(node: NodeServer) -> None:
    base = node.url.removesuffix("/graphql")
    assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}


def test_the_node_publishes_its_public_key(node: NodeServer) -> None:
    """Made by `node init`, kept in the data folder (mode 600), served for the hub's checks."""
    key_file = node.data_dir / "node-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    document = httpx.get(node.url.replace("/graphql", "/.well-known/jwks.json")).json()
    assert document == {"keys": [load_key(key_file).jwk()]}
    assert document["keys"][0]["kty"] == "OKP" and "d" not in document["keys"][0]


def test_browser_gets_graphiql_with_assets_served_by_the_node(node: NodeServer) -> None:
    page = httpx.get(node.url, headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/") for a in assets), assets
    base = node.url.removesuffix("/graphql")
    for asset in assets:
        assert httpx.get(base + asset).status_code == 200, asset


def test_get_queries_and_json_responses(node: NodeServer) -> None:
    response = httpx.get(node.url, params={"query": "{ nodeInfo { windowId coreSchemaVersion } }"})
    assert response.status_code == 200
    assert response.json()["data"]["nodeInfo"]["windowId"] == node.window_id


async def test_queries_deeper_than_the_limit_are_refused() -> None:
    query = "{ services { edges { node { agency { name } } } } }"  # depth 4
    result = await build_schema(QueryLimits(max_depth=3)).execute(query)
    assert result.errors is not None and result.data is None
    assert result.errors[0].extensions == {
        "code": "DEPTH_LIMIT_EXCEEDED",
        "limit": "depth",
        "max": 3,
    }


def test_malformed_requests_get_no_stack_trace(node: NodeServer) -> None:
    for body in [b"{not json", b'{"query": 42}', b'{"variables": {}}']:
        response = httpx.post(node.url, content=body, headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500
        assert "Traceback" not in response.text and 'File "' not in response.text


@pytest.mark.parametrize("message", ["boom", "secret connection string postgres://u:p@h/db"])
async def test_unexpected_errors_are_masked_with_a_code(message: str) -> None:
    extension = ErrorCodes()
    error = GraphQLError("x", path=["services"], original_error=RuntimeError(message))
    masked = extension.anonymise_error(error)
    assert masked.message == "Internal server error"
    assert masked.extensions == {"code": "INTERNAL_ERROR"}
    assert isinstance(extension, MaskErrors)
