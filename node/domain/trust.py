"""Who calls the node (DESIGN §6 "Trust"): a window user with a session token, or the hub with
a fresh EdDSA token, answered as the hub's role allows.

    hub role          rights here
    HUB_SUPERVISION   READONLY: may read service records and the rest; personal data stays hidden
    PARTNER           READONLY, for the window the token names as ``obo`` (which must be there):
                      the hub sends it only for the lists an agreement shares with that window
    HUB_DELIVERY      only acceptHubMessage (node.domain.hub_messages): no window role at all
    PUBLIC            an anonymous caller's
    anything else     refused (INVALID_TOKEN, reason WRONG_ROLE)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from federation.errors import InvalidToken, UnknownKey
from federation.jwks import JWKS_PATH, RemoteKeys
from federation.storage import DatabaseReplayGuard
from federation.trust import (
    HUB,
    HUB_DELIVERY,
    HUB_SUPERVISION,
    PARTNER,
    PUBLIC,
    Claims,
    TokenProblem,
    TokenVerifier,
    signed_with_key,
)
from node.config import NodeSettings
from node.domain.access import Actor, Role
from node.domain.users import ACCOUNTS
from node.models import SeenToken

__all__ = ["HUB", "HUB_DELIVERY", "HUB_SUPERVISION", "PARTNER", "PUBLIC", "NodeTrust", "hub_actor"]

# The audit log's actor column.
_USERNAME_LENGTH = 64


async def _no_hub(issuer: str) -> Sequence[Mapping[str, Any]] | None:
    """A node without ``hub`` configured knows no issuer."""
    return None


def hub_actor(claims: Claims) -> Actor:
    """The actor the hub's token stands for; an audit entry names the hub user behind it."""
    username = f"{HUB}:{claims.caller}"[:_USERNAME_LENGTH]
    if claims.role == HUB_SUPERVISION:
        return Actor(username=username, roles=frozenset({Role.READONLY}), via=HUB)
    if claims.role == PARTNER:
        if not claims.on_behalf_of:
            raise InvalidToken(
                f"the hub role {PARTNER} is on behalf of a window: the token names none",
                reason=TokenProblem.MALFORMED.value,
            )
        partner = f"{claims.on_behalf_of}@{HUB}"[:_USERNAME_LENGTH]
        return Actor(username=partner, roles=frozenset({Role.READONLY}), via=HUB)
    if claims.role == HUB_DELIVERY:
        return Actor(username=username, roles=frozenset({HUB_DELIVERY}), via=HUB)
    if claims.role == PUBLIC:
        return Actor(username=username)  # not authenticated: an anonymous caller's rights
    raise InvalidToken(
        f"the hub role {claims.role!r} grants nothing here", reason=TokenProblem.WRONG_ROLE.value
    )


class NodeTrust:
    """The node's ``authenticate``: session tokens of its users, and the hub's tokens checked
    against the hub's published keys (cached ``hub_keys_ttl_seconds``) and the replay table."""

    def __init__(self, settings: NodeSettings) -> None:
        self._hub_keys = (
            RemoteKeys(HUB, settings.hub.rstrip("/") + JWKS_PATH, ttl=settings.hub_keys_ttl_seconds)
            if settings.hub
            else None
        )
        self._verifier = TokenVerifier(
            settings.window_id, self._hub_keys or _no_hub, DatabaseReplayGuard(SeenToken)
        )

    async def authenticate(self, token: str | None, secret: str) -> Actor:
        if token is None or not signed_with_key(token):
            return await ACCOUNTS.authenticate(token, secret)
        return hub_actor(await self.verify(token))

    async def verify(self, token: str | None) -> Claims:
        """The claims of a hub token; a kid the cache does not know yet (the hub rotated its
        key) has the hub's keys read again at once, at most every few seconds."""
        try:
            return await self._verifier.verify(token)
        except UnknownKey as error:
            unknown_kid = error.extensions.get("reason") == TokenProblem.UNKNOWN_KEY.value
            if not (unknown_kid and self._hub_keys and await self._hub_keys.refresh()):
                raise
        # Safe to verify again: a refused token's id was not recorded.
        return await self._verifier.verify(token)
