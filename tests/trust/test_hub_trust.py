"""The hub checks window nodes' tokens (DESIGN §6 "Trust"), on SQLite and PostgreSQL: a window
connects with a key its node publishes, its node calls the hub with ``HubClient``, and every bad
token is refused by name; rotated-in keys work, revoked keys and suspended or revoked windows not."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from federation.errors import MissingToken
from federation.trust import KeyPair, TokenVerifier, generate_key, issue_token, load_key
from hub.domain.trust import HubTrust
from hub.testing import HubServer
from node.config import NodeSettings
from node.hub_client import HubClient
from tests.conftest import DATABASES
from tests.support.node_server import NodeServer

WINDOW = "sz-ns"
CALLER = "{ callerWindow { id status } me { username } }"
APPLY = "mutation($i: WindowApplicationInput!) { applyWindow(input: $i) { id } }"
REVIEW = """mutation($id: ID!) {
  submitReview(id: $id, score: 90, opinion: "好", recommendation: APPROVE) { id } }"""
CONNECT = """mutation($id: ID!, $e: String!, $k: JSON) {
  connectWindow(id: $id, endpoint: $e, jwk: $k) { status keys { kid } } }"""
ADD_KEY = "mutation($id: ID!, $k: JSON!) { addWindowKey(id: $id, jwk: $k) { kid } }"
REVOKE_KEY = "mutation($id: ID!, $kid: String!) { revokeWindowKey(id: $id, kid: $kid) { kid } }"


class Forgetful:
    """A replay guard that remembers nothing: what a hub without replay protection does."""

    async def seen(self, jti: str, expires_at: datetime) -> bool:
        return False


@dataclass
class Network:
    hub: HubServer
    node: NodeServer
    operator: str
    admin: str
    node_key: KeyPair  # the key the node publishes and the hub registered at connection

    def client(self, key: KeyPair | None = None) -> HubClient:
        """The node's client of the hub, signing with ``key`` (the node's own by default)."""
        settings = NodeSettings(
            window_id=WINDOW,
            name="n",
            region_code="440305",
            hub=f"http://127.0.0.1:{self.hub.port}",
        )
        return HubClient(settings, key or self.node_key)

    async def as_node(self, token: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        result = await self.hub.call(CALLER, token=token)
        return result.data, result.errors


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    data = tmp_path_factory.mktemp("node")
    server = NodeServer(data_dir=data, window_id=WINDOW)
    server.init()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=DATABASES)
async def network(
    request: pytest.FixtureRequest,
    node: NodeServer,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    """A hub on each database with window sz-ns driven to its publicity's end (not connected)."""
    hub = HubServer(
        data_dir=tmp_path_factory.mktemp(f"hub-{request.param}"),
        db_url=make_db_url(request.param),
        env={"SMENET_PUBLICITY_DAYS": "0", "SMENET_NODE_TIMEOUT_SECONDS": "3"},
    )
    hub.init()
    hub.start()
    admin = await hub.login()
    operator = await hub.create_user(admin, "operator", "HUB_OPERATOR")
    reviewers = [await hub.create_user(admin, f"expert-{i}", "EXPERT_REVIEWER") for i in (1, 2)]
    await hub.ok(APPLY, {"i": application()}, token=operator)
    await hub.ok('mutation { startReview(id: "sz-ns") { status } }', token=operator)
    for reviewer in reviewers:
        await hub.ok(REVIEW, {"id": WINDOW}, token=reviewer)
    await hub.ok('mutation { startPublicity(id: "sz-ns") { status } }', token=operator)
    node_key = load_key(Path(node.data_dir) / "node-key.pem")
    yield Network(hub=hub, node=node, operator=operator, admin=admin, node_key=node_key)
    hub.stop()


def application() -> dict[str, Any]:
    return {
        "windowId": WINDOW,
        "name": "深圳市南山区中小企业服务窗口",
        "kind": "COMPREHENSIVE",
        "regionCode": "440305",
        "organisation": "深圳市南山区中小企业服务中心",
        "contact": {"name": "王敏", "phone": "0755-86000000"},
        "serviceScope": "政策咨询",
    }


def tampered(token: str, **changes: str) -> str:
    """The token with claims changed and the signature left as it was."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body = json.dumps({**claims, **changes}).encode()
    return ".".join([header, base64.urlsafe_b64encode(body).rstrip(b"=").decode(), signature])


def node_token(key: KeyPair, **changes: Any) -> str:
    args: dict[str, Any] = {"issuer": WINDOW, "audience": "hub", "caller": WINDOW, "role": "WINDOW"}
    return issue_token(key, **{**args, **changes})


# Tests run in order: connection, then calls, then rotation, suspension and revocation.


async def test_connection_registers_a_key_the_node_publishes(network: Network) -> None:
    hub, op = network.hub, network.operator
    unpublished = await hub.call(
        CONNECT, {"id": WINDOW, "e": network.node.url, "k": generate_key().jwk()}, token=op
    )
    assert unpublished.codes == ["KEY_NOT_PUBLISHED"]
    assert unpublished.errors[0]["extensions"]["published"] == [network.node_key.kid]
    # Without a key the hub registers the one the node publishes.
    connected = await hub.ok(CONNECT, {"id": WINDOW, "e": network.node.url, "k": None}, token=op)
    assert connected["connectWindow"] == {
        "status": "CONNECTED",
        "keys": [{"kid": network.node_key.kid}],
    }


async def test_a_node_calls_the_hub_as_its_window(network: Network) -> None:
    answer = await network.client().execute(CALLER)
    assert answer == {"data": {"callerWindow": {"id": WINDOW, "status": "CONNECTED"}, "me": None}}
    # A hub user's session is no window.
    assert (await network.hub.ok(CALLER, token=network.admin))["callerWindow"] is None


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        ("forged-kid", "UNKNOWN_KEY", "UNKNOWN_KEY"),
        ("forged-signature", "INVALID_TOKEN", "BAD_SIGNATURE"),
        ("tampered", "INVALID_TOKEN", "BAD_SIGNATURE"),
        ("expired", "TOKEN_EXPIRED", "EXPIRED"),
        ("wrong-audience", "INVALID_TOKEN", "WRONG_AUDIENCE"),
        ("wrong-role", "INVALID_TOKEN", "WRONG_ROLE"),
        ("unknown-window", "UNKNOWN_KEY", "UNKNOWN_ISSUER"),
    ],
)
async def test_bad_node_tokens_are_refused_by_name(
    network: Network, case: str, code: str, reason: str
) -> None:
    key = network.node_key
    forger = generate_key()
    token = {
        "forged-kid": lambda: node_token(forger),
        "forged-signature": lambda: ".".join(
            [node_token(key).split(".")[0], *node_token(forger).split(".")[1:]]
        ),
        "tampered": lambda: tampered(node_token(key), obo="gz-th"),
        "expired": lambda: node_token(key, now=datetime.now(UTC) - timedelta(minutes=2)),
        "wrong-audience": lambda: node_token(key, audience="gz-th"),
        "wrong-role": lambda: node_token(key, role="HUB_SUPERVISION"),
        "unknown-window": lambda: node_token(key, issuer="gz-th"),
    }[case]()
    data, errors = await network.as_node(token)
    assert [e["extensions"]["code"] for e in errors] == [code] * 2, errors
    assert {e["extensions"]["reason"] for e in errors} == {reason}
    assert data == {"callerWindow": None, "me": None}


async def test_a_replayed_node_token_is_refused_as_a_forgetful_guard_would_not(
    network: Network,
) -> None:
    token = network.client().token()
    data, errors = await network.as_node(token)
    assert not errors and data and data["callerWindow"]["id"] == WINDOW
    _, errors = await network.as_node(token)
    assert {e["extensions"]["code"] for e in errors} == {"TOKEN_REPLAYED"}
    # The same checks without the replay table take the replay.

    async def registered(issuer: str) -> list[dict[str, str]]:
        return [network.node_key.jwk()]

    forgetful = TokenVerifier("hub", registered, Forgetful())
    assert (await forgetful.verify(token)).issuer == (await forgetful.verify(token)).issuer


async def test_a_check_without_a_token_refuses_it(network: Network) -> None:
    assert (await network.hub.ok(CALLER)) == {"callerWindow": None, "me": None}  # anonymous
    with pytest.raises(MissingToken):
        await HubTrust(generate_key()).verify(None)


async def test_a_rotated_in_key_works_and_a_revoked_one_stops_at_once(network: Network) -> None:
    hub, op = network.hub, network.operator
    new = generate_key()
    await hub.ok(ADD_KEY, {"id": WINDOW, "k": new.jwk()}, token=op)
    for key in (new, network.node_key):
        assert (await network.client(key).execute(CALLER))["data"]["callerWindow"]["id"] == WINDOW
    await hub.ok(REVOKE_KEY, {"id": WINDOW, "kid": network.node_key.kid}, token=op)
    answer = await network.client().execute(CALLER)
    assert {e["extensions"]["reason"] for e in answer["errors"]} == {"UNKNOWN_KEY"}
    assert (await network.client(new).execute(CALLER))["data"]["callerWindow"]["id"] == WINDOW
    network.node_key = new


async def test_a_suspended_or_revoked_windows_node_is_refused(network: Network) -> None:
    hub, op = network.hub, network.operator
    await hub.ok(
        'mutation { suspendWindow(id: "sz-ns", reason: "数据未报送") { status } }', token=op
    )
    answer = await network.client().execute(CALLER)
    assert {e["extensions"]["code"] for e in answer["errors"]} == {"FORBIDDEN"}
    await hub.ok('mutation { reinstateWindow(id: "sz-ns") { status } }', token=op)
    assert (await network.client().execute(CALLER))["data"]["callerWindow"]["id"] == WINDOW
    await hub.ok(
        'mutation { revokeWindow(id: "sz-ns", reason: "严重违规") { status } }',
        token=network.admin,
    )
    answer = await network.client().execute(CALLER)
    assert {e["extensions"]["reason"] for e in answer["errors"]} == {"UNKNOWN_ISSUER"}
