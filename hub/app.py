"""The hub's ASGI app: GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz and the
hub's public key at /.well-known/jwks.json (DESIGN §6 "Trust")."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from federation.graphiql import STATIC_DIR
from federation.http import GraphQLView, health_routes, jwks_route
from federation.trust import KeyPair, load_key, retired_keys
from hub import db
from hub.config import HubSettings
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.schema import build_schema
from hub.schema.context import Context

log = logging.getLogger("smenet.hub")


class HubGraphQL(GraphQLView):
    def __init__(self, settings: HubSettings, network: Network, trust: HubTrust) -> None:
        super().__init__(build_schema(settings.max_query_depth, network))
        self.settings = settings
        self.network = network
        self.trust = trust
        # The schema of the latest composition, by what it holds (Composition.signature).
        self._built: tuple[tuple[tuple[str, ...], ...], strawberry.Schema] | None = None

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        context = await Context.of_request(
            self.settings, request, response, self.trust.authenticate
        )
        context.trust = self.trust
        context.network = self.network
        context.view = await self.network.view()
        # Before execution: this request runs on the schema of the composition it sees.
        signature = context.view.composition.signature()
        if self._built is None or self._built[0] != signature:
            schema = build_schema(
                self.settings.max_query_depth, self.network, context.view.composition
            )
            self._built = (signature, schema)
        self.schema = self._built[1]
        return context


def create_app(settings: HubSettings, key: KeyPair | None = None) -> Starlette:
    """The hub; its signing key is read from the data folder unless given. Keys are read once:
    after ``smenet hub rotate-key`` or ``revoke-key`` the hub must restart."""
    key = key or load_key(settings.key_path())
    trust = HubTrust(key)
    state = {"migrated": False}
    network = Network(settings.node_timeout_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await db.open_db(settings.db_url())
        try:
            state["migrated"] = True
            # What exists now lives as long as the process: keep it out of later collections.
            gc.collect()
            gc.freeze()
            log.info("hub serving, database %s", settings.db_url())
            yield
        finally:
            await network.close()
            await db.close_db()

    return Starlette(
        routes=[
            Route("/graphql", HubGraphQL(settings, network, trust), methods=["GET", "POST"]),
            *health_routes(lambda: state["migrated"], log),
            jwks_route(key, retired_keys(settings.key_path())),
            Mount("/static/graphiql", StaticFiles(directory=STATIC_DIR), name="graphiql"),
        ],
        lifespan=lifespan,
    )
