"""Trust between hub and nodes (DESIGN §6 "Trust"): Ed25519 keys published as JWKS, and a fresh
short-lived EdDSA JWT on every hub → node and node → hub request.

The caller signs with ``issue_token``; the receiver checks with ``TokenVerifier.verify``, which
looks up the issuer's *current* keys on every call, so a rotated-in key works at once and a revoked
one stops at once. Each refusal raises an ``Unauthenticated`` subclass whose ``reason`` extension
(a ``TokenProblem``) says which check failed.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import hashlib
import heapq
import json
import os
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from jwt.algorithms import OKPAlgorithm

from federation.errors import InvalidToken, MissingToken, TokenExpired, TokenReplayed, UnknownKey
from federation.ids import WINDOW_ID_PATTERN
from federation.inputs import quote

__all__ = [
    "ALGORITHM",
    "HUB",
    "HUB_DELIVERY",
    "HUB_SUPERVISION",
    "MAX_TTL",
    "PARTNER",
    "PUBLIC",
    "WINDOW",
    "Claims",
    "KeyPair",
    "KeysOf",
    "MemoryReplayGuard",
    "ReplayGuard",
    "TokenProblem",
    "TokenVerifier",
    "bearer",
    "bearer_token",
    "generate_key",
    "issue_token",
    "jwks",
    "load_key",
    "public_key",
    "retired_keys",
    "retired_keys_path",
    "revoke_retired_key",
    "rotate_key",
    "save_key",
    "signed_with_key",
    "thumbprint",
]

ALGORITHM = "EdDSA"  # the only one accepted: never "none", never HMAC
MAX_TTL = 60  # seconds a token may live, so a stolen one is worth little

# The protocol's names (DESIGN §6): the hub's name, as the issuer of its tokens and the audience
# of the nodes'; the roles the hub's tokens to a node carry (``node.domain.trust`` says what
# each grants there) and the one role of a node's tokens to the hub.
HUB = "hub"
HUB_SUPERVISION = "HUB_SUPERVISION"  # a supervising hub user's read
PARTNER = "PARTNER"  # a window's read of another under an agreement, on its behalf ("obo")
PUBLIC = "PUBLIC"  # anyone else's: an anonymous caller's rights
HUB_DELIVERY = "HUB_DELIVERY"  # the hub's deliveries: acceptHubMessage alone
WINDOW = "WINDOW"  # a window's node calling the hub
_REQUIRED = ("iss", "aud", "sub", "role", "jti", "iat", "exp")
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


def thumbprint(public_jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint of an OKP key: the kid, so it names the key and nothing else."""
    canonical = json.dumps({k: public_jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class KeyPair:
    """An Ed25519 signing key and its kid; the hub and every node hold one (two while rotating)."""

    private: Ed25519PrivateKey
    kid: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kid", thumbprint(OKPAlgorithm.to_jwk(self.public, as_dict=True)))

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    def jwk(self) -> dict[str, str]:
        """The public JWK, as served at ``/.well-known/jwks.json`` and registered with the hub."""
        public = OKPAlgorithm.to_jwk(self.public, as_dict=True)
        return {**public, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


def public_key(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """The key of a public Ed25519 JWK, else ValueError: check a node's JWK before registering."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
        raise ValueError("not a public Ed25519 JWK")
    try:
        key = OKPAlgorithm.from_jwk(dict(jwk))
    except (jwt.InvalidKeyError, ValueError) as error:
        raise ValueError(f"not a public Ed25519 JWK: {error}") from None
    return cast(Ed25519PublicKey, key)


def generate_key() -> KeyPair:
    return KeyPair(Ed25519PrivateKey.generate())


def jwks(keys: Iterable[KeyPair]) -> dict[str, list[dict[str, str]]]:
    """The public JWKS document; list the old and new key together while rotating."""
    return {"keys": [key.jwk() for key in keys]}


def save_key(key: KeyPair, path: Path) -> None:
    """Write the private key as PKCS#8 PEM, readable by its owner only (mode 600), atomically."""
    pem = key.private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    os.replace(tmp, path)


def load_key(path: Path) -> KeyPair:
    private = load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return KeyPair(private)


def load_or_create_key(path: Path) -> KeyPair:
    """The key in ``path``, made there first when there is none yet (mode 600)."""
    if not Path(path).exists():
        save_key(generate_key(), path)
    return load_key(path)


def retired_keys_path(path: Path) -> Path:
    """Where the public keys rotated out of the key file ``path`` are kept (``rotate_key``)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.retired.json")


def retired_keys(path: Path) -> list[dict[str, str]]:
    """The public JWKs rotated out of the key file ``path`` and not yet revoked: published
    beside the current key, so tokens signed before a rotation (by this process, or by a
    replica not yet restarted) still verify."""
    retired = retired_keys_path(path)
    if not retired.exists():
        return []
    return list(json.loads(retired.read_text())["keys"])


def rotate_key(path: Path) -> KeyPair:
    """A new signing key in ``path``; the old key's public half stays published (retired)
    until ``revoke_retired_key`` removes it."""
    old = load_key(path)
    # Retired first: a crash in between leaves the old key listed twice, never unpublished.
    _write_retired(path, [*retired_keys(path), old.jwk()])
    new = generate_key()
    save_key(new, path)
    return new


def revoke_retired_key(path: Path, kid: str) -> None:
    """Stop publishing the retired key ``kid``; KeyError when no retired key has that kid."""
    keys = retired_keys(path)
    kept = [key for key in keys if key["kid"] != kid]
    if len(kept) == len(keys):
        raise KeyError(kid)
    _write_retired(path, kept)


def _write_retired(path: Path, keys: list[dict[str, str]]) -> None:
    retired = retired_keys_path(path)
    tmp = retired.with_name(f".{retired.name}.{uuid.uuid4().hex}")
    tmp.write_text(json.dumps({"keys": keys}, indent=2))
    os.replace(tmp, retired)


@dataclass(frozen=True)
class Claims:
    """What a verified token says: who calls, as what, and for which window."""

    issuer: str  # "hub" or a window id: whose keys signed it
    audience: str  # the receiving side
    caller: str  # user or service name (JWT "sub")
    role: str
    on_behalf_of: str | None  # window id, where an agreement applies (JWT "obo")
    jti: str
    issued_at: datetime
    expires_at: datetime


def issue_token(
    key: KeyPair,
    issuer: str,
    audience: str,
    caller: str,
    role: str,
    on_behalf_of: str | None = None,
    ttl: int = 30,
    *,
    now: datetime | None = None,
) -> str:
    """A fresh token for one request; never reuse it, the receiver refuses a jti it has seen."""
    if not 0 < ttl <= MAX_TTL:
        raise ValueError(f"token ttl must be 1..{MAX_TTL} seconds, not {ttl}")
    iat = int((now or _now()).timestamp())
    payload: dict[str, Any] = {"iss": issuer, "aud": audience, "sub": caller, "role": role}
    payload |= {"jti": uuid.uuid4().hex, "iat": iat, "exp": iat + ttl}
    if on_behalf_of is not None:
        payload["obo"] = on_behalf_of
    return jwt.encode(payload, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})


def signed_with_key(token: str) -> bool:
    """True when the token's header names EdDSA: a hub ↔ node token, not a server's own
    session token (HS256). Only a routing hint: each kind is then verified in full."""
    try:
        return bool(jwt.get_unverified_header(token).get("alg") == ALGORITHM)
    except jwt.InvalidTokenError:
        return False


def bearer(token: str) -> dict[str, str]:
    """Request headers carrying the token."""
    return {"Authorization": f"Bearer {token}"}


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, or None."""
    scheme, _, token = (authorization or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


class ReplayGuard(Protocol):
    """Remembers token ids until they expire. Hub replicas share one database (DESIGN §10), so the
    hub's and nodes' guards are database tables (``federation.storage.DatabaseReplayGuard`` over
    ``hub``'s and ``node``'s ``SeenToken``); ``MemoryReplayGuard`` serves single-process use."""

    async def seen(self, jti: str, expires_at: datetime) -> bool:
        """True if ``jti`` was already recorded; else record it until ``expires_at``. Atomic."""
        ...


class MemoryReplayGuard:
    """In-process guard, atomic within one event loop (no await between check and record);
    forgets ids once expired, so it holds about a minute's worth of requests."""

    def __init__(self, clock: Clock = _now) -> None:
        self._clock = clock
        self._expiry: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []

    async def seen(self, jti: str, expires_at: datetime) -> bool:
        now = self._clock()
        while self._heap and self._heap[0][0] < now:
            _, old = heapq.heappop(self._heap)
            if self._expiry.get(old, now) < now:
                del self._expiry[old]
        if jti in self._expiry:
            return True
        self._expiry[jti] = expires_at
        heapq.heappush(self._heap, (expires_at, jti))
        return False


class TokenProblem(enum.StrEnum):
    """Why a token is refused, in the error's ``reason`` extension."""

    MISSING = "MISSING"
    MALFORMED = "MALFORMED"
    WRONG_ALGORITHM = "WRONG_ALGORITHM"
    MISSING_CLAIM = "MISSING_CLAIM"
    UNKNOWN_ISSUER = "UNKNOWN_ISSUER"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    WRONG_AUDIENCE = "WRONG_AUDIENCE"
    NOT_YET_VALID = "NOT_YET_VALID"
    TOO_LONG_LIVED = "TOO_LONG_LIVED"
    EXPIRED = "EXPIRED"
    REPLAYED = "REPLAYED"
    WRONG_ROLE = "WRONG_ROLE"  # a role the receiving side does not grant anything to
    KEYS_UNAVAILABLE = "KEYS_UNAVAILABLE"  # the issuer's published keys cannot be read now


# The issuer's current public JWKs, or None for an issuer the receiver does not know. Async,
# because the hub reads a window's registered keys from its database and a node fetches (and
# caches) the hub's JWKS over HTTP. Only public Ed25519 entries count; others are ignored.
KeysOf = Callable[[str], Awaitable[Sequence[Mapping[str, Any]] | None]]


class TokenVerifier:
    """Checks tokens addressed to ``audience`` (this side: "hub" or the node's window id)."""

    def __init__(
        self,
        audience: str,
        keys_of: KeysOf,
        replay_guard: ReplayGuard,
        leeway: int = 5,
        clock: Clock = _now,
    ) -> None:
        self.audience = audience
        self._keys_of = keys_of
        self._guard = replay_guard
        self._leeway = timedelta(seconds=leeway)
        self._clock = clock

    async def verify(self, token: str | None) -> Claims:
        """The token's claims, or an ``Unauthenticated`` subclass naming the refusal.

        The jti is recorded only after every other check passed, so forged or stale tokens
        cannot burn ids of genuine ones.
        """
        if not token:
            raise MissingToken("this call needs a bearer token", reason=TokenProblem.MISSING.value)
        try:
            unverified = jwt.decode_complete(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as error:
            raise _invalid(TokenProblem.MALFORMED, f"malformed token: {error}") from None
        header, payload = unverified["header"], unverified["payload"]
        if header.get("alg") != ALGORITHM:
            alg = header.get("alg")
            raise _invalid(
                TokenProblem.WRONG_ALGORITHM, f"algorithm {quote(alg)} refused; use EdDSA"
            )
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise _invalid(TokenProblem.MALFORMED, "token header has no kid")
        claims = _claims(payload)
        public = await self._key(claims.issuer, kid)
        try:
            jwt.api_jws.decode(token, public, algorithms=[ALGORITHM])
        except jwt.InvalidSignatureError:
            raise _invalid(TokenProblem.BAD_SIGNATURE, "token signature does not verify") from None
        except jwt.InvalidTokenError as error:
            raise _invalid(TokenProblem.MALFORMED, f"malformed token: {error}") from None
        self._check_times(claims, payload.get("nbf"))
        if claims.audience != self.audience:
            raise _invalid(TokenProblem.WRONG_AUDIENCE, f"token is for {quote(claims.audience)}")
        key = f"{claims.issuer} {claims.jti}"  # ids are unique per issuer only
        if await self._guard.seen(key, claims.expires_at + self._leeway):
            raise TokenReplayed("token id already used", reason=TokenProblem.REPLAYED.value)
        return claims

    async def _key(self, issuer: str, kid: str) -> Ed25519PublicKey:
        keys = await self._keys_of(issuer)
        if keys is None:
            raise UnknownKey(f"unknown issuer {issuer!r}", reason=TokenProblem.UNKNOWN_ISSUER.value)
        for jwk in keys:
            if jwk.get("kid") == kid:
                with contextlib.suppress(ValueError):  # a key of another type is no match
                    return public_key(jwk)
        raise UnknownKey(
            f"key {quote(kid)} is not among {issuer!r}'s current keys (unknown or revoked)",
            reason=TokenProblem.UNKNOWN_KEY.value,
        )

    def _check_times(self, claims: Claims, nbf: Any) -> None:
        now = self._clock()
        if claims.expires_at - claims.issued_at > timedelta(seconds=MAX_TTL):
            raise _invalid(TokenProblem.TOO_LONG_LIVED, f"token lives longer than {MAX_TTL} s")
        start = claims.issued_at.timestamp()
        if isinstance(nbf, int | float):  # we never set it, but honour it if another signer does
            start = max(start, nbf)
        if start > (now + self._leeway).timestamp():
            raise _invalid(TokenProblem.NOT_YET_VALID, "token issued in the future; check clocks")
        if claims.expires_at <= now - self._leeway:
            raise TokenExpired("token has expired", reason=TokenProblem.EXPIRED.value)


def _invalid(problem: TokenProblem, message: str, **extensions: Any) -> InvalidToken:
    return InvalidToken(message, reason=problem.value, **extensions)


def _claims(payload: dict[str, Any]) -> Claims:
    """Claims from a payload with every required claim present and of the right type."""
    for name in _REQUIRED:
        value = payload.get(name)
        wanted = (int, float) if name in ("iat", "exp") else str
        if not isinstance(value, wanted) or isinstance(value, bool) or value == "":
            message = f"claim {name!r} missing or of the wrong type"
            raise _invalid(TokenProblem.MISSING_CLAIM, message, claim=name)
    # Issuers are the hub and windows: any other issuer is refused before it is looked up.
    if not WINDOW_ID_PATTERN.fullmatch(payload["iss"]):
        raise _invalid(TokenProblem.MALFORMED, "claim 'iss' must be the hub or a window id")
    obo = payload.get("obo")
    if obo is not None and not (isinstance(obo, str) and WINDOW_ID_PATTERN.fullmatch(obo)):
        raise _invalid(TokenProblem.MALFORMED, "claim 'obo' must be a window id")
    try:
        issued_at = datetime.fromtimestamp(payload["iat"], UTC)
        expires_at = datetime.fromtimestamp(payload["exp"], UTC)
    except (ValueError, OverflowError, OSError):  # NaN, or beyond the calendar
        raise _invalid(TokenProblem.MALFORMED, "claim 'iat' or 'exp' is no time") from None
    return Claims(
        issuer=payload["iss"],
        audience=payload["aud"],
        caller=payload["sub"],
        role=payload["role"],
        on_behalf_of=obo,
        jti=payload["jti"],
        issued_at=issued_at,
        expires_at=expires_at,
    )
