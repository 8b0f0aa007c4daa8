"""The node's ASGI app: GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz."""

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

from federation.errors import SmenetError
from federation.graphiql import STATIC_DIR
from federation.http import GraphQLView
from node import db
from node.config import NodeSettings
from node.domain.users import authenticate
from node.schema import build_schema
from node.schema.context import Context
from node.web import demand_form, feedback_page

log = logging.getLogger("smenet.node")


class NodeGraphQL(GraphQLView):
    def __init__(self, settings: NodeSettings) -> None:
        super().__init__(build_schema(settings.max_query_depth))
        self.settings = settings

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            caller = await authenticate(
                token if scheme.lower() == "bearer" else None, self.settings.secret
            )
        except SmenetError as error:
            caller = error
        return Context(settings=self.settings, caller=caller, request=request, response=response)


def create_app(settings: NodeSettings) -> Starlette:
    state = {"migrated": False}

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await db.open_db(settings.db_url())
        state["migrated"] = True
        # What exists now lives as long as the process: keep it out of every later collection.
        gc.collect()
        gc.freeze()
        log.info("window %s serving, database %s", settings.window_id, settings.db_url())
        try:
            yield
        finally:
            await db.close_db()

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        try:
            await db.ping()
        except Exception:  # any failure means not ready; details go to the log, not the caller
            log.exception("readiness check: database unavailable")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        if not state["migrated"]:
            return JSONResponse({"status": "migrating"}, status_code=503)
        return JSONResponse({"status": "ready"})

    graphql = NodeGraphQL(settings)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Mount("/static/graphiql", StaticFiles(directory=STATIC_DIR), name="graphiql"),
            *demand_form.ROUTES,
            *feedback_page.ROUTES,
        ],
        lifespan=lifespan,
    )
    # The HTML pages (node/web) read the window's settings from here.
    app.state.settings = settings
    return app
