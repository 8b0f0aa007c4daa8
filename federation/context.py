"""The per-request GraphQL context, a convention both servers share: the caller, the server's
settings, its rate limits and the request's DataLoaders. Each server subclasses it with its own
record IDs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, Self, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from federation.accounts import ANONYMOUS, AccountSettings, Actor
from federation.errors import RateLimited, SmenetError
from federation.loaders import Loaders
from federation.ratelimit import RateLimiter, client_address, per_minute, retry_after
from federation.trust import bearer_token

__all__ = ["RateLimits", "RateSettings", "RequestContext", "unlimited"]

S = TypeVar("S", bound=AccountSettings)
# A server's ``Accounts.authenticate``: (bearer token or None, session secret) → the caller.
Authenticate = Callable[[str | None, str], Awaitable[Actor]]


class RateSettings(Protocol):
    """The rate limits per client address in a server's ``smenet.toml``."""

    login_rate_per_minute: float
    login_burst: int
    anonymous_rate_per_minute: float
    anonymous_burst: int


def unlimited() -> RateLimiter:
    """A limiter that refuses nothing: where a test builds a context by hand."""
    return RateLimiter(rate=0, burst=1)


@dataclass(frozen=True)
class RateLimits:
    """A server's rate limits per client address, made once per app: its buckets are shared by
    every request."""

    login: RateLimiter = field(default_factory=unlimited)
    # GraphQL requests of callers without a valid token, refused before the query is parsed.
    anonymous: RateLimiter = field(default_factory=unlimited)

    @classmethod
    def of(cls, settings: RateSettings) -> RateLimits:
        """The limits the settings give; a ``ValueError`` names a setting out of range."""
        return cls(
            login=per_minute("login", settings.login_rate_per_minute, settings.login_burst),
            anonymous=per_minute(
                "anonymous", settings.anonymous_rate_per_minute, settings.anonymous_burst
            ),
        )


@dataclass
class RequestContext(Generic[S]):
    settings: S
    # A bad token is an error for the fields that need a caller, not for the whole request.
    caller: Actor | SmenetError = ANONYMOUS
    loaders: Loaders = field(default_factory=Loaders)
    request: Any = None
    response: Any = None
    limits: RateLimits = field(default_factory=RateLimits)

    @classmethod
    async def of_request(
        cls,
        settings: S,
        request: Request,
        response: Response,
        authenticate: Authenticate,
        limits: RateLimits,
    ) -> Self:
        """The context of a request whose caller an ``Authorization: Bearer`` header names.
        Raises ``RATE_LIMITED`` when a caller without a valid token is over ``limits.anonymous``
        (``federation.http.GraphQLView`` answers it with 429), before the query is read."""
        token = bearer_token(request.headers.get("authorization"))
        caller: Actor | SmenetError
        try:
            caller = await authenticate(token, settings.secret)
        except SmenetError as error:
            caller = error
        context = cls(
            settings=settings, caller=caller, request=request, response=response, limits=limits
        )
        # A bad token counts as none: otherwise any made-up token would skip the limit. A
        # verified token of the other side with an anonymous caller's rights (the hub's PUBLIC,
        # for its own anonymous callers) is not limited here: that side limits its callers, and
        # counting them all under its one address would let one caller starve the rest.
        if isinstance(caller, SmenetError) or caller == ANONYMOUS:
            context.rate_limit(limits.anonymous, "requests without a login")
        return context

    def rate_limit(self, limiter: RateLimiter, what: str) -> None:
        """Take one from ``limiter`` for the client's address, or raise ``RATE_LIMITED`` with
        ``retryAfter`` (seconds) and make the HTTP answer a 429 with ``Retry-After``."""
        wait = limiter.take(client_address(self.request))
        if not wait:
            return
        seconds = retry_after(wait)
        if self.response is not None:
            self.response.status_code = 429
            self.response.headers["retry-after"] = seconds
        raise RateLimited(
            f"too many {what} from this address: try again in {seconds} s",
            retryAfter=int(seconds),
        )

    @property
    def actor(self) -> Actor:
        if isinstance(self.caller, SmenetError):
            raise self.caller
        return self.caller

    @property
    def audit_actor(self) -> Actor:
        return ANONYMOUS if isinstance(self.caller, SmenetError) else self.caller
