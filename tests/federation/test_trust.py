"""Hub ↔ node tokens: Ed25519 keys, JWKS, and every way a token is refused."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import OKPAlgorithm

from federation.errors import (
    InvalidToken,
    MissingToken,
    SmenetError,
    TokenExpired,
    TokenReplayed,
    Unauthenticated,
    UnknownKey,
)
from federation.trust import (
    KeyPair,
    MemoryReplayGuard,
    TokenVerifier,
    bearer,
    bearer_token,
    generate_key,
    issue_token,
    jwks,
    load_key,
    load_or_create_key,
    public_key,
    save_key,
    thumbprint,
)

T0 = datetime(2025, 6, 1, 9, 0, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand: no sleeping."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Registry:
    """Each issuer's current public JWKs, as the hub's registry (or a node's JWKS cache) holds them."""

    def __init__(self) -> None:
        self.keys: dict[str, list[Mapping[str, Any]]] = {}

    async def keys_of(self, issuer: str) -> Sequence[Mapping[str, Any]] | None:
        return self.keys.get(issuer)


class Forgetful:
    """A guard that remembers nothing: what a verifier without replay protection does."""

    async def seen(self, jti: str, expires_at: datetime) -> bool:
        return False


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub_key() -> KeyPair:
    return generate_key()


@pytest.fixture
def registry(hub_key: KeyPair) -> Registry:
    registry = Registry()
    registry.keys["hub"] = [hub_key.jwk()]
    return registry


@pytest.fixture
def verifier(registry: Registry, clock: Clock) -> TokenVerifier:
    """Window "sz-ns" checking calls from the hub."""
    return TokenVerifier("sz-ns", registry.keys_of, MemoryReplayGuard(clock), clock=clock)


def token(key: KeyPair, **overrides: Any) -> str:
    args: dict[str, Any] = {
        "issuer": "hub",
        "audience": "sz-ns",
        "caller": "supervisor-li",
        "role": "SUPERVISOR",
        "now": T0,
    }
    return issue_token(key, **{**args, **overrides})


def signed(key: KeyPair, payload: dict[str, Any], kid: str | None = None) -> str:
    """A token with a payload of the test's choosing, properly signed."""
    return jwt.encode(payload, key.private, algorithm="EdDSA", headers={"kid": kid or key.kid})


def payload(**overrides: Any) -> dict[str, Any]:
    iat = int(T0.timestamp())
    base = {"iss": "hub", "aud": "sz-ns", "sub": "svc", "role": "HUB_OPERATOR", "jti": "j1"}
    return {**base, "iat": iat, "exp": iat + 30, **overrides}


async def refused(verifier: TokenVerifier, value: str | None) -> SmenetError:
    with pytest.raises(Unauthenticated) as caught:
        await verifier.verify(value)
    return caught.value


async def test_a_good_token_verifies_with_all_its_claims(
    verifier: TokenVerifier, hub_key: KeyPair
) -> None:
    claims = await verifier.verify(token(hub_key, on_behalf_of="gz-th", ttl=45))
    assert (claims.issuer, claims.audience, claims.caller, claims.role, claims.on_behalf_of) == (
        "hub",
        "sz-ns",
        "supervisor-li",
        "SUPERVISOR",
        "gz-th",
    )
    assert claims.issued_at == T0 and claims.expires_at == T0 + timedelta(seconds=45)
    assert len(claims.jti) == 32
    assert jwt.get_unverified_header(token(hub_key))["kid"] == hub_key.kid
    assert (await verifier.verify(token(hub_key))).on_behalf_of is None


async def test_every_token_is_fresh(hub_key: KeyPair) -> None:
    assert token(hub_key) != token(hub_key)


async def test_a_forged_token_with_the_real_kid_is_refused(
    verifier: TokenVerifier, hub_key: KeyPair
) -> None:
    forged = signed(generate_key(), payload(), kid=hub_key.kid)
    error = await refused(verifier, forged)
    assert isinstance(error, InvalidToken) and error.code == "INVALID_TOKEN"
    assert error.extensions["reason"] == "BAD_SIGNATURE"


async def test_a_tampered_payload_is_refused(verifier: TokenVerifier, hub_key: KeyPair) -> None:
    header, body, signature = token(hub_key).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["role"] = "HUB_ADMIN"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    error = await refused(verifier, f"{header}.{body}.{signature}")
    assert error.extensions["reason"] == "BAD_SIGNATURE"


@pytest.mark.parametrize("value", ["garbage", "a.b.c", "eyJhbGciOiJFZERTQSJ9.e30"])
async def test_a_malformed_token_is_refused(verifier: TokenVerifier, value: str) -> None:
    error = await refused(verifier, value)
    assert error.code == "INVALID_TOKEN" and error.extensions["reason"] == "MALFORMED"


async def test_an_expired_token_is_refused_after_the_leeway(
    verifier: TokenVerifier, hub_key: KeyPair, clock: Clock
) -> None:
    clock.advance(30 + 4)  # ttl 30 s, leeway 5 s
    await verifier.verify(token(hub_key))
    clock.advance(1)
    error = await refused(verifier, token(hub_key))
    assert isinstance(error, TokenExpired) and error.code == "TOKEN_EXPIRED"


async def test_a_token_from_the_future_is_refused_beyond_the_leeway(
    verifier: TokenVerifier, hub_key: KeyPair
) -> None:
    await verifier.verify(token(hub_key, now=T0 + timedelta(seconds=5)))
    error = await refused(verifier, token(hub_key, now=T0 + timedelta(seconds=6)))
    assert error.code == "INVALID_TOKEN" and error.extensions["reason"] == "NOT_YET_VALID"


async def test_a_not_before_in_the_future_is_honoured(
    verifier: TokenVerifier, hub_key: KeyPair
) -> None:
    iat = int(T0.timestamp())
    error = await refused(verifier, signed(hub_key, payload(nbf=iat + 20)))
    assert error.extensions["reason"] == "NOT_YET_VALID"
    await verifier.verify(signed(hub_key, payload(nbf=iat + 3)))


async def test_a_lifetime_over_60_seconds_is_refused(
    verifier: TokenVerifier, hub_key: KeyPair
) -> None:
    await verifier.verify(token(hub_key, ttl=60))
    with pytest.raises(ValueError):
        token(hub_key, ttl=61)
    with pytest.raises(ValueError):
        token(hub_key, ttl=0)
    iat = int(T0.timestamp())
    error = await refused(verifier, signed(hub_key, payload(exp=iat + 3600)))
    assert error.code == "INVALID_TOKEN" and error.extensions["reason"] == "TOO_LONG_LIVED"


async def test_a_replayed_token_is_refused_and_the_guard_is_what_catches_it(
    registry: Registry, hub_key: KeyPair, clock: Clock
) -> None:
    once = token(hub_key)
    naive = TokenVerifier("sz-ns", registry.keys_of, Forgetful(), clock=clock)
    assert await naive.verify(once) == await naive.verify(once)

    guarded = TokenVerifier("sz-ns", registry.keys_of, MemoryReplayGuard(clock), clock=clock)
    await guarded.verify(once)
    error = await refused(guarded, once)
    assert isinstance(error, TokenReplayed) and error.code == "TOKEN_REPLAYED"
    await guarded.verify(token(hub_key))  # a fresh one still passes


async def test_a_refused_forgery_does_not_burn_the_genuine_tokens_id(
    verifier: TokenVerifier, hub_key: KeyPair
) -> None:
    genuine = signed(hub_key, payload(jti="shared"))
    await refused(verifier, signed(generate_key(), payload(jti="shared"), kid=hub_key.kid))
    assert (await verifier.verify(genuine)).jti == "shared"


async def test_token_ids_are_unique_per_issuer(
    verifier: TokenVerifier, registry: Registry, hub_key: KeyPair
) -> None:
    window_key = generate_key()
    registry.keys["gz-th"] = [window_key.jwk()]
    await verifier.verify(signed(hub_key, payload(jti="same")))
    await verifier.verify(signed(window_key, payload(iss="gz-th", jti="same")))


async def test_the_memory_guard_forgets_ids_once_they_expire(clock: Clock) -> None:
    guard = MemoryReplayGuard(clock)
    assert not await guard.seen("a", T0 + timedelta(seconds=10))
    assert await guard.seen("a", T0 + timedelta(seconds=10))
    clock.advance(11)
    assert not await guard.seen("b", T0 + timedelta(seconds=30))
    assert len(guard._expiry) == 1  # "a" was pruned
    assert not await guard.seen("a", T0 + timedelta(seconds=30))


async def test_a_token_for_another_audience_is_refused(
    verifier: TokenVerifier, hub_key: KeyPair
) -> None:
    error = await refused(verifier, token(hub_key, audience="gz-th"))
    assert error.code == "INVALID_TOKEN" and error.extensions["reason"] == "WRONG_AUDIENCE"


@pytest.mark.parametrize("value", [None, ""])
async def test_a_missing_token_is_refused(verifier: TokenVerifier, value: str | None) -> None:
    error = await refused(verifier, value)
    assert isinstance(error, MissingToken) and error.code == "MISSING_TOKEN"


def test_bearer_headers_round_trip() -> None:
    assert bearer_token(bearer("abc")["Authorization"]) == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token(None) is None
    assert bearer_token("Basic dXNlcjpwdw==") is None
    assert bearer_token("Bearer ") is None


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "role", "jti", "iat", "exp"])
async def test_a_token_missing_a_required_claim_is_refused(
    verifier: TokenVerifier, hub_key: KeyPair, claim: str
) -> None:
    body = payload()
    del body[claim]
    error = await refused(verifier, signed(hub_key, body))
    assert error.code == "INVALID_TOKEN" and error.extensions["reason"] == "MISSING_CLAIM"
    assert error.extensions["claim"] == claim


@pytest.mark.parametrize(
    "claim", [{"aud": ["sz-ns"]}, {"iat": "now"}, {"sub": ""}, {"obo": 7}, {"exp": 1e300}]
)
async def test_a_claim_of_the_wrong_type_is_refused(
    verifier: TokenVerifier, hub_key: KeyPair, claim: dict[str, Any]
) -> None:
    error = await refused(verifier, signed(hub_key, payload(**claim)))
    assert error.code == "INVALID_TOKEN"


async def test_alg_none_is_refused(verifier: TokenVerifier, hub_key: KeyPair) -> None:
    unsigned = jwt.encode(payload(), None, algorithm="none", headers={"kid": hub_key.kid})
    error = await refused(verifier, unsigned)
    assert error.code == "INVALID_TOKEN" and error.extensions["reason"] == "WRONG_ALGORITHM"


async def test_hs256_is_refused_even_with_a_shared_key_listed(
    verifier: TokenVerifier, registry: Registry
) -> None:
    secret = b"a-shared-secret-of-at-least-32-bytes!!"
    k = base64.urlsafe_b64encode(secret).rstrip(b"=").decode()
    registry.keys["hub"].append({"kty": "oct", "k": k, "kid": "hmac", "alg": "HS256"})
    hs = jwt.encode(payload(), secret, algorithm="HS256", headers={"kid": "hmac"})
    error = await refused(verifier, hs)
    assert error.code == "INVALID_TOKEN" and error.extensions["reason"] == "WRONG_ALGORITHM"
    # Claiming EdDSA does not make the shared key usable either.
    error = await refused(verifier, signed(generate_key(), payload(), kid="hmac"))
    assert isinstance(error, UnknownKey)


async def test_an_unknown_issuer_is_refused(verifier: TokenVerifier) -> None:
    error = await refused(verifier, token(generate_key(), issuer="nobody"))
    assert isinstance(error, UnknownKey) and error.code == "UNKNOWN_KEY"
    assert error.extensions["reason"] == "UNKNOWN_ISSUER"


async def test_rotation_accepts_old_and_new_keys_while_both_are_listed_and_revocation_stops_old(
    verifier: TokenVerifier, registry: Registry, hub_key: KeyPair
) -> None:
    new_key = generate_key()
    registry.keys["hub"] = jwks([hub_key, new_key])["keys"]
    assert (await verifier.verify(token(hub_key))).issuer == "hub"
    assert (await verifier.verify(token(new_key))).issuer == "hub"

    registry.keys["hub"] = jwks([new_key])["keys"]  # old key revoked
    error = await refused(verifier, token(hub_key))
    assert isinstance(error, UnknownKey) and error.extensions["reason"] == "UNKNOWN_KEY"
    await verifier.verify(token(new_key))


async def test_jwks_round_trip(registry: Registry, clock: Clock) -> None:
    window_key, next_key = generate_key(), generate_key()
    published = json.dumps(jwks([window_key, next_key]))  # served at /.well-known/jwks.json
    document = json.loads(published)
    assert [k["kid"] for k in document["keys"]] == [window_key.kid, next_key.kid]
    for entry in document["keys"]:
        assert set(entry) == {"kty", "crv", "x", "kid", "alg", "use"}
        assert (entry["kty"], entry["crv"], entry["alg"], entry["use"]) == (
            "OKP",
            "Ed25519",
            "EdDSA",
            "sig",
        )
    registry.keys["sz-ns"] = document["keys"]
    hub = TokenVerifier("hub", registry.keys_of, MemoryReplayGuard(clock), clock=clock)
    report = issue_token(window_key, "sz-ns", "hub", "outbox", "WINDOW", now=T0)
    assert (await hub.verify(report)).caller == "outbox"


def test_public_key_accepts_only_public_ed25519_jwks() -> None:
    key = generate_key()
    assert public_key(key.jwk()) == key.public
    private = {**key.jwk(), "d": OKPAlgorithm.to_jwk(key.private, as_dict=True)["d"]}
    for bad in [private, {"kty": "oct", "k": "c2VjcmV0"}, {**key.jwk(), "x": "short"}, {}]:
        with pytest.raises(ValueError):
            public_key(bad)


def test_kid_is_the_rfc_7638_thumbprint() -> None:
    # RFC 8037 appendix A.3.
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    expected = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    assert thumbprint({"kty": "OKP", "crv": "Ed25519", "x": x}) == expected
    key = generate_key()
    assert key.kid == thumbprint(key.jwk())


async def test_key_file_is_private_and_round_trips(
    tmp_path: Path, verifier: TokenVerifier, registry: Registry
) -> None:
    key = generate_key()
    path = tmp_path / "node.key"
    path.write_text("old")
    path.chmod(0o644)
    save_key(key, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    loaded = load_key(path)
    assert loaded.kid == key.kid
    registry.keys["hub"] = [key.jwk()]
    await verifier.verify(token(loaded))
    assert [p.name for p in tmp_path.iterdir()] == ["node.key"]


def test_load_key_refuses_a_file_that_is_not_an_ed25519_key(tmp_path: Path) -> None:
    path = tmp_path / "ec.key"
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    with pytest.raises(ValueError):
        load_key(path)


def test_a_key_is_made_once_and_then_kept(tmp_path: Path) -> None:
    path = tmp_path / "node-key.pem"
    made = load_or_create_key(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(path).kid == made.kid
