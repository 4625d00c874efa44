"""`create_app(settings)`: routers, middleware, error handlers, lifecycle."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from genfire_server import __version__, openapi, routes
from genfire_server.accounts.endpoints import router as accounts_router
from genfire_server.auth.endpoints import router as oauth_router
from genfire_server.batches.endpoints import router as batches_router
from genfire_server.catalog.endpoints import router as catalog_router
from genfire_server.context import AppContext
from genfire_server.credits.endpoints import router as credits_router
from genfire_server.generation.audio_endpoints import router as audio_router
from genfire_server.generation.endpoints import router as generation_router
from genfire_server.generation.media_endpoints import router as media_router
from genfire_server.health.endpoints import router as health_router
from genfire_server.influencers.endpoints import router as influencers_router
from genfire_server.kit import error_handlers
from genfire_server.kit.middleware import RequestContextMiddleware
from genfire_server.products.endpoints import router as products_router
from genfire_server.runs.endpoints import router as runs_router
from genfire_server.settings import Settings
from genfire_server.storage.endpoints import router as files_router
from genfire_server.testing.endpoints import router as testing_router
from genfire_server.uploads.endpoints import router as uploads_router
from genfire_server.usage.endpoints import router as usage_router
from genfire_server.voices.endpoints import router as voices_router
from genfire_server.web import docs
from genfire_server.webhooks.endpoints import router as webhooks_router
from genfire_server.workflows.endpoints import router as workflows_router

# Routes are matched in this order, and matching is linear: what clients poll (run status,
# balances) and download (files) comes first. No two routers share a path.
ROUTERS: list[tuple[str, APIRouter]] = [
    ("", health_router),
    (openapi.API_PREFIX, runs_router),
    (openapi.API_PREFIX, credits_router),
    (openapi.API_PREFIX, files_router),
    (openapi.API_PREFIX, oauth_router),
    (openapi.API_PREFIX, accounts_router),
    (openapi.API_PREFIX, catalog_router),
    (openapi.API_PREFIX, voices_router),
    (openapi.API_PREFIX, usage_router),
    (openapi.API_PREFIX, uploads_router),
    (openapi.API_PREFIX, generation_router),
    (openapi.API_PREFIX, audio_router),
    (openapi.API_PREFIX, media_router),
    (openapi.API_PREFIX, products_router),
    (openapi.API_PREFIX, workflows_router),
    (openapi.API_PREFIX, batches_router),
    (openapi.API_PREFIX, webhooks_router),
    (openapi.API_PREFIX, influencers_router),
    ("", docs.router),
]


def create_app(settings: Settings | None = None, *, context: AppContext | None = None) -> FastAPI:
    """Build the ASGI application. Pass `context` to share a database with the caller (tests)."""
    settings = settings or (context.settings if context else Settings())
    ctx = context or AppContext.create(settings)
    owns_context = context is None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await ctx.executor.start()
        # Everything loaded so far (catalogs, engines, models) lives as long as the process:
        # keep it out of the collector, whose full passes over it took 115-150 ms and
        # landed inside requests (bench/README.md, "batches.py").
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await ctx.executor.stop()
            await ctx.background.drain()
            if owns_context:
                await ctx.db.dispose()

    app = FastAPI(
        title="GenFire Public API",
        version=__version__,
        openapi_url=None,  # served below, relative to /v1
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # Operation ids are the endpoint function names (`list_models`), which SDK
        # generators turn into method names.
        generate_unique_id_function=lambda route: route.name,
        # A redirect would send a client's secret to a URL built from the Host header,
        # possibly downgraded to http behind a proxy; an exact-path 404 is safer.
        redirect_slashes=False,
    )
    app.state.ctx = ctx
    error_handlers.install(app)
    app.add_middleware(
        RequestContextMiddleware,
        access_log=settings.access_log,
        max_body_bytes=settings.max_request_body_bytes,
    )

    routers = list(ROUTERS)
    if settings.enable_test_engine:
        routers.append((openapi.API_PREFIX, testing_router))
    for prefix, router in routers:
        app.include_router(router, prefix=prefix)
    app.state.declared_routes = routes.declared(routers)
    app.mount(docs.ASSETS_PATH, docs.assets(), name="docs-assets")
    return app
