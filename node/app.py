"""The node's ASGI app: GraphQL at /graphql (GraphiQL in a browser), /healthz, /readyz."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.printer import print_schema

from federation.compose import sdl_hash
from federation.context import RateLimits
from federation.gather import SCHEMA_HASH_HEADER
from federation.graphiql import STATIC_DIR
from federation.http import GraphQLView, health_routes, jwks_route
from federation.limits import QueryLimits
from federation.schedule import Scheduler
from federation.trust import load_or_create_key
from node import db
from node.config import NodeSettings
from node.domain import events
from node.domain.trust import NodeTrust
from node.hub_client import HubClient
from node.jobs import OUTBOX, build_scheduler
from node.plugins import manager
from node.plugins.dispatch import Dispatcher
from node.plugins.manager import PluginHost
from node.schema import build_schema
from node.schema.context import Context
from node.web import demand_form, feedback_page

log = logging.getLogger("smenet.node")


class NodeGraphQL(GraphQLView):
    def __init__(self, settings: NodeSettings, plugins: PluginHost) -> None:
        schema = build_schema(QueryLimits.of(settings), plugins)
        super().__init__(schema)
        self.settings = settings
        self.trust = NodeTrust(settings)
        self.limits = RateLimits.of(settings)
        # The hash of what `_service { sdl }` answers: the hub reads the SDL again when it changes.
        self.schema_hash = sdl_hash(print_schema(schema))

    async def get_sub_response(self, request: Request) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.headers[SCHEMA_HASH_HEADER] = self.schema_hash
        return sub_response

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        return await Context.of_request(
            self.settings, request, response, self.trust.authenticate, self.limits
        )


def create_app(settings: NodeSettings) -> ASGIApp:
    """The node with its plugins; raises ``PluginError`` when one fails in strict mode."""
    state = {"migrated": False}
    # Data folders from before nodes had keys get theirs on this start.
    key = load_or_create_key(settings.key_path())
    plugins = manager.install(PluginHost(settings).load())
    dispatcher = Dispatcher(plugins, settings.event_poll_seconds)
    scheduler = build_scheduler(settings, HubClient(settings, key))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # The core's first, so a failure there is never blamed on a plugin.
        await db.apply_migrations(settings.db_url())
        await plugins.migrate()
        await db.open_db(settings.db_url(), plugins.storage_apps())
        try:
            state["migrated"] = True
            await plugins.startup()
            dispatching = asyncio.create_task(dispatcher.run())
            scheduling = asyncio.create_task(scheduler.run())
            # What exists now lives as long as the process: keep it out of later collections.
            gc.collect()
            gc.freeze()
            log.info("window %s serving, database %s", settings.window_id, settings.db_url())
            try:
                yield
            finally:
                scheduling.cancel()
                await asyncio.gather(scheduling, return_exceptions=True)
                dispatching.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await dispatching
                await plugins.shutdown()
        finally:
            # Also when a plugin stops the start in strict mode: the process must be able to exit.
            await db.close_db()

    graphql = NodeGraphQL(settings, plugins)
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            *health_routes(lambda: state["migrated"], log),
            jwks_route(key),
            Mount("/static/graphiql", StaticFiles(directory=STATIC_DIR), name="graphiql"),
            *demand_form.routes(settings),
            *feedback_page.routes(settings),
        ],
        lifespan=lifespan,
    )
    # The HTML pages (node/web) read the window's settings from here.
    app.state.settings = settings
    return _waking(app, dispatcher, scheduler)


def _waking(app: ASGIApp, dispatcher: Dispatcher, scheduler: Scheduler) -> ASGIApp:
    """Wake the event dispatcher after each write request, and the outbox pusher after one that
    enqueued a message: its transaction has committed."""

    async def waking(scope: Scope, receive: Receive, send: Send) -> None:
        enqueued = events.enqueued
        await app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "POST":
            dispatcher.wake()
            if events.enqueued != enqueued:
                scheduler.wake(OUTBOX)

    return waking
