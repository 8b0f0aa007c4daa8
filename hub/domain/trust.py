"""Trust between the hub and the window nodes (DESIGN §6 "Trust"): the tokens the hub signs for
its calls to a node, and who calls the hub, a hub user with a session token or a window's node
with a fresh EdDSA token signed by a key registered for that window."""

from __future__ import annotations

from collections.abc import Callable

from federation.errors import Forbidden, InvalidToken
from federation.storage import DatabaseReplayGuard
from federation.trust import (
    HUB,
    HUB_DELIVERY,
    HUB_SUPERVISION,
    PARTNER,
    PUBLIC,
    WINDOW,
    Claims,
    KeyPair,
    TokenProblem,
    TokenVerifier,
    issue_token,
    signed_with_key,
)
from hub.domain import registry
from hub.domain.access import SUPERVISING, Actor
from hub.domain.users import ACCOUNTS
from hub.models import SeenToken

__all__ = [
    "HUB",
    "HUB_DELIVERY",
    "HUB_SUPERVISION",
    "PARTNER",
    "PUBLIC",
    "SUPERVISING",
    "WINDOW",
    "HubTrust",
]

TOKEN_TTL = 30  # seconds: a call's whole life, with room for clock skew


class HubTrust:
    """The hub's key in use, and the checks of the tokens windows' nodes send."""

    def __init__(self, key: KeyPair) -> None:
        self.key = key
        # Revoked keys, and windows not connected or REVOKED, have no current keys: refused.
        self._verifier = TokenVerifier(HUB, registry.current_keys, DatabaseReplayGuard(SeenToken))

    def token_maker(
        self,
        window_id: str,
        actor: Actor,
        on_behalf_of: str | None = None,
        role: str | None = None,
    ) -> Callable[[], str]:
        """Makes a fresh token for each call to window ``window_id`` on behalf of ``actor``:
        with ``role`` (PARTNER, on behalf of a window, under an agreement), or by default
        HUB_SUPERVISION for a supervising hub user and PUBLIC for anyone else."""
        if role is None:
            role = HUB_SUPERVISION if actor.has_any(SUPERVISING) else PUBLIC

        def make() -> str:
            return issue_token(
                self.key, HUB, window_id, actor.username, role, on_behalf_of, ttl=TOKEN_TTL
            )

        return make

    def delivery_token(self, window_id: str) -> str:
        """A fresh token for one delivery to window ``window_id``."""
        return issue_token(self.key, HUB, window_id, "deliveries", HUB_DELIVERY, ttl=TOKEN_TTL)

    async def authenticate(self, token: str | None, secret: str) -> Actor:
        """A hub user's session token, or a window node's token: the window, without hub roles."""
        if token is None or not signed_with_key(token):
            return await ACCOUNTS.authenticate(token, secret)
        claims = await self.verify(token)
        window = await registry.get_window(claims.issuer)
        if window is None or window.status not in registry.ON_NETWORK:
            status = window.status if window else None
            raise Forbidden(f"window {claims.issuer} is {status}: its node may not call the hub")
        return Actor(username=claims.issuer, via=claims.issuer)

    async def verify(self, token: str | None) -> Claims:
        """The claims of a window node's token, or the error naming why it is refused."""
        claims = await self._verifier.verify(token)
        if claims.role != WINDOW:
            raise InvalidToken(
                f"a node's token carries the role {WINDOW}, not {claims.role!r}",
                reason=TokenProblem.WRONG_ROLE.value,
            )
        return claims
