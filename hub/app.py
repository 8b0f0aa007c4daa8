"""The hub's ASGI app: GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz and the
hub's public key at /.well-known/jwks.json (DESIGN §6 "Trust")."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from federation.graphiql import STATIC_DIR
from federation.http import GraphQLView, health_routes
from federation.trust import KeyPair, jwks, load_key
from hub import db
from hub.config import HubSettings
from hub.domain.users import ACCOUNTS
from hub.schema import build_schema
from hub.schema.context import Context

log = logging.getLogger("smenet.hub")


class HubGraphQL(GraphQLView):
    def __init__(self, settings: HubSettings) -> None:
        super().__init__(build_schema(settings.max_query_depth))
        self.settings = settings

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        return await Context.of_request(self.settings, request, response, ACCOUNTS.authenticate)


def create_app(settings: HubSettings, key: KeyPair | None = None) -> Starlette:
    """The hub; its signing key is read from the data folder unless given."""
    key = key or load_key(settings.key_path())
    state = {"migrated": False}
    # Only public keys: the document is the same for every request.
    jwks_body = jwks([key])

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
            await db.close_db()

    async def jwks_document(_: Request) -> Response:
        return JSONResponse(jwks_body, headers={"cache-control": "max-age=300"})

    return Starlette(
        routes=[
            Route("/graphql", HubGraphQL(settings), methods=["GET", "POST"]),
            *health_routes(lambda: state["migrated"], log),
            Route("/.well-known/jwks.json", jwks_document),
            Mount("/static/graphiql", StaticFiles(directory=STATIC_DIR), name="graphiql"),
        ],
        lifespan=lifespan,
    )
