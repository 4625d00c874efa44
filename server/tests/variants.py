"""The app on the test database with some settings changed, as an operator would run it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx

from genfire_server.app import create_app
from genfire_server.context import AppContext
from genfire_server.engines.registry import EngineRegistry
from genfire_server.settings import Settings


@contextlib.asynccontextmanager
async def client_with(
    ctx: AppContext, *, clock: Callable[[], datetime] | None = None, **overrides: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app whose settings are `ctx`'s plus `overrides` (and whose clock is
    `clock`, if given), with its own workers (the default context's are stopped meanwhile:
    one worker pool at a time)."""
    values: dict[str, Any] = {**ctx.settings.model_dump(), **overrides}
    settings = Settings(**values, _env_file=None)
    variant = AppContext(
        settings=settings,
        db=ctx.db,
        catalog=ctx.catalog,
        stock_voices=ctx.stock_voices,
        storage=ctx.storage,
        engines=EngineRegistry.from_settings(settings, ctx.db),
        clock=clock or ctx.clock,
    )
    await ctx.executor.stop(grace_seconds=0)
    await variant.executor.start()
    try:
        transport = httpx.ASGITransport(app=create_app(context=variant))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    finally:
        await variant.executor.stop(grace_seconds=0)
