"""The hub's ASGI app: GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz and the
hub's public key at /.well-known/jwks.json (DESIGN §6 "Trust")."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextvars import ContextVar

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from federation.compose import Composition
from federation.context import RateLimits
from federation.graphiql import STATIC_DIR
from federation.http import GraphQLView, health_routes, jwks_route
from federation.limits import QueryLimits
from federation.ratelimit import per_minute
from federation.schedule import Scheduler
from federation.trust import KeyPair, load_key, retired_keys
from hub import db
from hub.config import HubSettings
from hub.dashboard import routes as dashboard_routes
from hub.domain import calendar
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.jobs import DELIVERIES, build_scheduler
from hub.schema import build_schema, reserved_type_names
from hub.schema.context import Context

log = logging.getLogger("smenet.hub")


# The schema one request runs on: set before execution, read by strawberry through
# ``HubGraphQL.schema``. Per request (each runs in its own task), so a recomposition by one request
# never changes the schema of another one already under way.
_REQUEST_SCHEMA: ContextVar[strawberry.Schema | None] = ContextVar("hub_schema", default=None)


class HubGraphQL(GraphQLView):
    def __init__(
        self, settings: HubSettings, network: Network, trust: HubTrust, limits: RateLimits
    ) -> None:
        self._built = (Composition().signature, build_schema(QueryLimits.of(settings), network))
        super().__init__(self._built[1])
        self.settings = settings
        self.network = network
        self.trust = trust
        self.limits = limits
        self.objections = per_minute(
            "objection", settings.objection_rate_per_minute, settings.objection_burst
        )

    @property  # type: ignore[override]
    def schema(self) -> strawberry.Schema:
        return _REQUEST_SCHEMA.get() or self._built[1]

    @schema.setter
    def schema(self, schema: strawberry.Schema) -> None:
        pass  # the base class sets it once; the schema follows the composition (get_context)

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        context = await Context.of_request(
            self.settings, request, response, self.trust.authenticate, self.limits
        )
        context.trust = self.trust
        context.objections = self.objections
        context.network = self.network
        context.view = await self.network.view()
        _REQUEST_SCHEMA.set(self._schema_of(context.view.composition))
        return context

    def _schema_of(self, composition: Composition) -> strawberry.Schema:
        """The schema of a composition: built when it holds other types than the last one."""
        signature = composition.signature
        if self._built[0] != signature:
            try:
                schema = build_schema(QueryLimits.of(self.settings), self.network, composition)
            except (TypeError, ValueError):
                # Composition keeps plugins apart; should a schema still fail to build, the hub
                # goes on with the last one that did rather than fail every request.
                log.exception("the network schema of the new composition failed to build")
                return self._built[1]
            self._built = (signature, schema)
        return self._built[1]


def create_app(settings: HubSettings, key: KeyPair | None = None) -> ASGIApp:
    """The hub; its signing key is read from the data folder unless given. Keys are read once:
    after ``smenet hub rotate-key`` or ``revoke-key`` the hub must restart."""
    key = key or load_key(settings.key_path())
    calendar.use_timezone(settings.timezone)
    trust = HubTrust(key)
    state = {"migrated": False}
    network = Network(
        settings.node_timeout_seconds, reserved_type_names(), settings.max_window_answer_bytes
    )
    scheduler = build_scheduler(settings, network, trust)
    # One bucket per address for the GraphQL login and the dashboard's login form alike.
    limits = RateLimits.of(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await db.open_db(settings.db_url())
        try:
            state["migrated"] = True
            scheduling = asyncio.create_task(scheduler.run())
            # What exists now lives as long as the process: keep it out of later collections.
            gc.collect()
            gc.freeze()
            log.info("hub serving, database %s", settings.db_url())
            try:
                yield
            finally:
                scheduling.cancel()
                await asyncio.gather(scheduling, return_exceptions=True)
        finally:
            await network.close()
            await db.close_db()

    app = Starlette(
        routes=[
            Route(
                "/graphql", HubGraphQL(settings, network, trust, limits), methods=["GET", "POST"]
            ),
            *health_routes(lambda: state["migrated"], log),
            jwks_route(key, retired_keys(settings.key_path())),
            Mount("/static/graphiql", StaticFiles(directory=STATIC_DIR), name="graphiql"),
            *dashboard_routes(settings, network, trust, limits.login),
        ],
        lifespan=lifespan,
    )
    return _waking(app, scheduler)


def _waking(app: ASGIApp, scheduler: Scheduler) -> ASGIApp:
    """Wake the delivery pusher after each write request: its transaction has committed."""

    async def waking(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "POST":
            scheduler.wake(DELIVERIES)

    return waking
