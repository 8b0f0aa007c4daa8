"""A node checks the hub's tokens (DESIGN §6 "Trust"), against a real hub's published keys and the
node's replay table on SQLite and PostgreSQL: the hub's supervision reads records without personal
data, a PUBLIC token gets what anonymous callers get, and every bad token is refused by name."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from federation.accounts import Actor
from federation.errors import MissingToken, UnknownKey
from federation.jwks import JWKS_PATH, RemoteKeys
from federation.trust import (
    KeyPair,
    TokenVerifier,
    generate_key,
    issue_token,
    load_key,
)
from hub.domain.trust import HubTrust
from hub.testing import HubServer
from node.config import NodeSettings
from node.domain.trust import NodeTrust
from tests.conftest import DATABASES
from tests.support.node_server import NodeServer, Result, free_port, smenet

WINDOW = "sz-ns"
SUPERVISOR = Actor(username="supervisor-li", roles=frozenset({"SUPERVISOR"}))
EXPERT = Actor(username="expert-wu", roles=frozenset({"EXPERT_REVIEWER"}))
RECORDS = """{ serviceRecords(first: 5) { totalCount edges { node { id staff } } }
  me { username } }"""
SERVICES = "{ services(first: 1) { totalCount } }"
RECORD_COUNT = "{ serviceRecords(first: 1) { totalCount } }"


class Forgetful:
    """A replay guard that remembers nothing: what a node without replay protection does."""

    async def seen(self, jti: str, expires_at: datetime) -> bool:
        return False


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    server = HubServer(data_dir=tmp_path_factory.mktemp("hub"))
    server.init()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module", params=DATABASES)
def node(
    request: pytest.FixtureRequest,
    hub: HubServer,
    make_db_url: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NodeServer]:
    """A seeded node that knows the hub, trusting the hub's keys for 1 s (the revocation test)."""
    data = tmp_path_factory.mktemp(f"node-{request.param}")
    server = NodeServer(
        data_dir=data,
        db_url=make_db_url(request.param),
        window_id=WINDOW,
        env={"SMENET_HUB_KEYS_TTL_SECONDS": "1"},
    )
    server.init("--hub", hub_base(hub))
    seeded = smenet("node", "seed", "--data", str(data), "--size", "3")
    assert seeded.returncode == 0, seeded.stderr
    server.start()
    yield server
    server.stop()


def hub_base(hub: HubServer) -> str:
    return f"http://127.0.0.1:{hub.port}"


def hub_key(hub: HubServer) -> KeyPair:
    """The key the hub signs with now (it changes when the test rotates it)."""
    return load_key(Path(hub.data_dir) / "hub-key.pem")


def hub_token(hub: HubServer, actor: Actor = SUPERVISOR, window: str = WINDOW) -> str:
    return HubTrust(hub_key(hub)).token_maker(window, actor)()


def supervised(result: Result) -> bool:
    """The answer a HUB_SUPERVISION caller gets: records, each staff name refused."""
    records = (result.data or {}).get("serviceRecords") or {}
    return records.get("totalCount", 0) > 0 and set(result.codes) == {"FORBIDDEN"}


def tampered(token: str, **changes: str) -> str:
    """The token with claims changed and the signature left as it was."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body = json.dumps({**claims, **changes}).encode()
    return ".".join([header, base64.urlsafe_b64encode(body).rstrip(b"=").decode(), signature])


def claims(**changes: object) -> dict[str, object]:
    args: dict[str, object] = {"issuer": "hub", "audience": WINDOW, "caller": "supervisor-li"}
    return {**args, "role": "HUB_SUPERVISION", **changes}


def forged_with_hub_kid(hub: HubServer) -> str:
    """Signed by another key, but naming the hub's key."""
    token = issue_token(generate_key(), **claims())  # type: ignore[arg-type]
    header, payload, signature = token.split(".")
    real_header = hub_token(hub).split(".")[0]
    return ".".join([real_header, payload, signature])


async def test_hub_supervision_reads_service_records_but_no_personal_data(
    node: NodeServer, hub: HubServer
) -> None:
    result = await node.call(RECORDS, token=hub_token(hub))
    assert result.data is not None
    records = result.data["serviceRecords"]
    assert records["totalCount"] > 0
    # Each staff name is refused on its own; the rest of the answer stays.
    assert all(edge["node"]["staff"] is None for edge in records["edges"])
    assert result.codes and set(result.codes) == {"FORBIDDEN"}
    assert {e["path"][-1] for e in result.errors} == {"staff"}
    assert result.data["me"] is None  # the hub's caller has no user here


async def test_a_public_hub_token_gets_what_anonymous_callers_get(
    node: NodeServer, hub: HubServer
) -> None:
    public = await node.call(RECORDS, token=hub_token(hub, EXPERT))
    anonymous = await node.call(RECORDS)
    assert public.codes == anonymous.codes == ["UNAUTHENTICATED"]
    public_services = await node.ok(SERVICES, token=hub_token(hub, EXPERT))
    assert public_services == await node.ok(SERVICES)
    assert public_services["services"]["totalCount"] > 0


@pytest.mark.parametrize(
    ("case", "code", "reason"),
    [
        ("forged-kid", "UNKNOWN_KEY", "UNKNOWN_KEY"),
        ("forged-signature", "INVALID_TOKEN", "BAD_SIGNATURE"),
        ("tampered", "INVALID_TOKEN", "BAD_SIGNATURE"),
        ("expired", "TOKEN_EXPIRED", "EXPIRED"),
        ("wrong-audience", "INVALID_TOKEN", "WRONG_AUDIENCE"),
        ("wrong-role", "INVALID_TOKEN", "WRONG_ROLE"),
        ("wrong-issuer", "UNKNOWN_KEY", "UNKNOWN_ISSUER"),
    ],
)
async def test_bad_hub_tokens_are_refused_by_name(
    node: NodeServer, hub: HubServer, case: str, code: str, reason: str
) -> None:
    key = hub_key(hub)
    token = {
        "forged-kid": lambda: issue_token(generate_key(), **claims()),  # type: ignore[arg-type]
        "forged-signature": lambda: forged_with_hub_kid(hub),
        "tampered": lambda: tampered(hub_token(hub, EXPERT), role="HUB_SUPERVISION"),
        "expired": lambda: issue_token(
            key,
            **claims(),
            now=datetime.now(UTC) - timedelta(minutes=2),  # type: ignore[arg-type]
        ),
        "wrong-audience": lambda: hub_token(hub, window="gz-th"),
        "wrong-role": lambda: issue_token(key, **claims(role="HUB_ADMIN")),  # type: ignore[arg-type]
        "wrong-issuer": lambda: issue_token(key, **claims(issuer="gz-th")),  # type: ignore[arg-type]
    }[case]()
    result = await node.call(RECORD_COUNT, token=token)
    assert result.codes == [code], result.errors
    assert result.errors[0]["extensions"]["reason"] == reason
    # Where a bad session token fails, with the code naming the refusal.
    session = await node.call(RECORD_COUNT, token="not-a-token")
    assert session.codes == ["UNAUTHENTICATED"]
    assert result.errors[0]["path"] == session.errors[0]["path"] == ["serviceRecords"]


async def test_a_hub_token_is_refused_when_replayed_as_a_forgetful_guard_would_not(
    node: NodeServer, hub: HubServer
) -> None:
    token = hub_token(hub)
    assert supervised(await node.call(RECORDS, token=token))
    replayed = await node.call(RECORD_COUNT, token=token)
    assert replayed.codes == ["TOKEN_REPLAYED"]
    # The same checks without the node's replay table take the replay (and any later one).
    keys = RemoteKeys("hub", hub_base(hub) + JWKS_PATH)
    forgetful = TokenVerifier(WINDOW, keys, Forgetful())
    assert (await forgetful.verify(token)).caller == (await forgetful.verify(token)).caller


async def test_a_call_without_a_token_is_anonymous_and_a_hub_check_of_none_refuses_it(
    node: NodeServer, hub: HubServer
) -> None:
    assert (await node.call(RECORDS)).codes == ["UNAUTHENTICATED"]
    trust = NodeTrust(NodeSettings(window_id=WINDOW, name="n", region_code="440305", hub="x"))
    with pytest.raises(MissingToken):
        await trust.verify(None)


async def test_a_node_without_a_hub_refuses_hub_tokens() -> None:
    trust = NodeTrust(NodeSettings(window_id=WINDOW, name="n", region_code="440305"))
    token = issue_token(generate_key(), **claims())  # type: ignore[arg-type]
    with pytest.raises(UnknownKey) as refused:
        await trust.authenticate(token, "secret")
    assert refused.value.extensions["reason"] == "UNKNOWN_ISSUER"


async def test_unknown_kids_refetch_the_hub_keys_at_most_every_few_seconds(
    node: NodeServer, hub: HubServer
) -> None:
    """Also: a rotated-in hub key works on the node, the one rotated out until the hub revokes
    it, and a revoked one stops within the node's cache TTL (1 s here)."""
    clock = Clock()
    keys = RemoteKeys("hub", hub_base(hub) + JWKS_PATH, ttl=60, clock=clock)
    old = hub_key(hub)
    assert [k["kid"] for k in await keys("hub") or []] == [old.kid]

    rotated = smenet("hub", "rotate-key", "--data", str(hub.data_dir))
    assert rotated.returncode == 0, rotated.stderr
    hub.restart()
    new = hub_key(hub)
    assert {k["kid"] for k in hub.jwks()["keys"]} == {old.kid, new.kid}
    clock.now += 1
    assert [k["kid"] for k in await keys("hub") or []] == [old.kid]  # cached for the TTL
    assert not await keys.refresh()  # a made-up kid now would not reach the hub
    clock.now += 5
    assert await keys.refresh()
    assert {k["kid"] for k in await keys("hub") or []} == {old.kid, new.kid}

    assert supervised(await node.call(RECORDS, token=hub_token(hub)))
    old_token = HubTrust(old).token_maker(WINDOW, SUPERVISOR)
    assert supervised(await node.call(RECORDS, token=old_token()))

    revoked = smenet("hub", "revoke-key", "--data", str(hub.data_dir), old.kid)
    assert revoked.returncode == 0, revoked.stderr
    hub.restart()
    assert [k["kid"] for k in hub.jwks()["keys"]] == [new.kid]
    deadline = time.monotonic() + 15
    codes = ["FORBIDDEN"]
    while codes != ["UNKNOWN_KEY"] and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        codes = (await node.call(RECORD_COUNT, token=old_token())).codes
    assert codes == ["UNKNOWN_KEY"]
    assert supervised(await node.call(RECORDS, token=hub_token(hub)))


async def test_hub_tokens_are_refused_while_the_hubs_keys_cannot_be_read() -> None:
    keys = RemoteKeys("hub", f"http://127.0.0.1:{free_port()}{JWKS_PATH}", timeout=3)
    with pytest.raises(UnknownKey) as refused:
        await keys("hub")
    assert refused.value.extensions["reason"] == "KEYS_UNAVAILABLE"
