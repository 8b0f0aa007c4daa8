"""The per-request GraphQL context, a convention both servers share: the caller, the server's
settings and the request's DataLoaders. Each server subclasses it with its own record IDs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Self, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from federation.accounts import ANONYMOUS, AccountSettings, Actor
from federation.errors import SmenetError
from federation.loaders import Loaders
from federation.trust import bearer_token

__all__ = ["RequestContext"]

S = TypeVar("S", bound=AccountSettings)
# A server's ``Accounts.authenticate``: (bearer token or None, session secret) → the caller.
Authenticate = Callable[[str | None, str], Awaitable[Actor]]


@dataclass
class RequestContext(Generic[S]):
    settings: S
    # A bad token is an error for the fields that need a caller, not for the whole request.
    caller: Actor | SmenetError = ANONYMOUS
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    response: Any = None

    @classmethod
    async def of_request(
        cls, settings: S, request: Request, response: Response, authenticate: Authenticate
    ) -> Self:
        """The context of a request whose caller an ``Authorization: Bearer`` header names."""
        token = bearer_token(request.headers.get("authorization"))
        caller: Actor | SmenetError
        try:
            caller = await authenticate(token, settings.secret)
        except SmenetError as error:
            caller = error
        return cls(settings=settings, caller=caller, request=request, response=response)

    @property
    def actor(self) -> Actor:
        if isinstance(self.caller, SmenetError):
            raise self.caller
        return self.caller

    @property
    def audit_actor(self) -> Actor:
        return ANONYMOUS if isinstance(self.caller, SmenetError) else self.caller
